"""Resources: its event log and catch-up RPC."""
from shared.service import EventLog, EventSourced


class ResourcesService(EventSourced):
    name = "resources"
    log = EventLog()
