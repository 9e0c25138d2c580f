"""Inventory's command schemas refuse malformed lists by field, without failing inside."""
import pytest

from services.inventory import schemas
from shared.commands import parse
from shared.errors import InvalidCommand


@pytest.mark.parametrize("schema,field,extra", [
    (schemas.RecordUsageVisit, "observations", {}),
    (schemas.CompleteInventoryAudit, "findings", {"occasion": "annual"}),
])
def test_malformed_entries_are_refused_by_field(schema, field, extra):
    with pytest.raises(InvalidCommand) as exc:
        parse(schema(), {"school_code": "OED001", field: [[{}], {}, "x"], **extra})
    assert set(exc.value.errors) == {field}


@pytest.mark.parametrize("schema,field,extra", [
    (schemas.RecordUsageVisit, "observations", {}),
    (schemas.CompleteInventoryAudit, "findings", {"occasion": "annual"}),
])
def test_an_asset_observed_twice_is_refused(schema, field, extra):
    status = "in_use" if field == "observations" else "present"
    entry = {"asset_id": "A1", "status": status}
    with pytest.raises(InvalidCommand) as exc:
        parse(schema(), {"school_code": "OED001", field: [entry, entry], **extra})
    assert "A1" in str(exc.value.errors[field])
