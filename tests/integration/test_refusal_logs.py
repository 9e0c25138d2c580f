"""A refused command is the system working: one INFO line, no ERROR and no traceback (real services, RabbitMQ)."""
import logging

import pytest

from services.maintenance.service import MaintenanceService
from shared.errors import CommandRejected, InvalidCommand

META = {"actor": {"user": "youssef", "role": "infrastructure"}}


def test_refusals_are_info_and_failures_stay_errors(run_services, rpc, caplog):
    run_services(MaintenanceService)
    with caplog.at_level(logging.INFO):
        with pytest.raises(CommandRejected):
            rpc.maintenance.declare_fault({"asset_id": "A404", "school_code": "S1", "symptom": "écran noir"}, META)
        with pytest.raises(InvalidCommand):
            rpc.maintenance.declare_fault({"asset_id": "A1"}, META)
    mine = [r for r in caplog.records if r.name == "nameko.containers" and "declare_fault" in r.getMessage()]
    assert [r.levelno for r in mine] == [logging.INFO, logging.INFO], [r.getMessage() for r in mine]
    assert all(r.exc_info is None for r in mine)
    assert "CommandRejected" in mine[0].getMessage() and "InvalidCommand" in mine[1].getMessage()


def test_an_unexpected_failure_is_still_an_error_with_its_traceback(caplog):
    from shared.logs import _refusals

    record = logging.LogRecord("nameko.containers", logging.ERROR, __file__, 1, "error handling worker %s: %s",
                               ("w", "boom"), (ZeroDivisionError, ZeroDivisionError("boom"), None))
    assert _refusals.filter(record) and record.levelno == logging.ERROR and record.exc_info
