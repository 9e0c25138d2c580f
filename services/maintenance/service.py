"""Maintenance: its event log and catch-up RPC."""
from shared.service import EventLog, EventSourced


class MaintenanceService(EventSourced):
    name = "maintenance"
    log = EventLog()
