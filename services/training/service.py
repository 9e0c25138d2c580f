"""Training: its event log and catch-up RPC."""
from shared.service import EventLog, EventSourced


class TrainingService(EventSourced):
    name = "training"
    log = EventLog()
