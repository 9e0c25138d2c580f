"""The services that make up the system, by name."""
from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from shared.config import SOURCES

SERVICE_CLASSES = {
    "inventory": "services.inventory.service:InventoryService",
    "maintenance": "services.maintenance.service:MaintenanceService",
    "resources": "services.resources.service:ResourcesService",
    "training": "services.training.service:TrainingService",
    "reporting": "services.reporting.service:ReportingService",
    "gateway": "services.gateway.service:GatewayService",
}

LOG_SERVICES = SOURCES  # the services that keep an event log


def service_class(name: str):
    module, _, cls = SERVICE_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def kept_tables(service: str) -> MetaData | None:
    """The tables `service` keeps beside the core's (migrated, never rebuilt), if any."""
    return getattr(service_class(service), "kept_tables", None)
