"""The demo province, entered through the running services' commands over the real RabbitMQ."""
import io
from collections import Counter

from services.inventory.service import InventoryService
from services.maintenance.service import MaintenanceService
from services.reporting.service import ReportingService
from services.resources.service import ResourcesService
from services.training.service import TrainingService
from shared.catalogue import registry
from genie.demo import SOURCES, DemoProvince, Seeder


def logs(rpc):
    envelopes = []
    for source in SOURCES:
        envelopes += getattr(rpc, source).events_since(0, 5000)
    return envelopes


def test_a_small_demo_province_has_every_event_type_and_a_second_run_adds_nothing(service_databases, run_services,
                                                                                  rpc):
    run_services(InventoryService, MaintenanceService, ResourcesService, TrainingService, ReportingService)
    bar = io.StringIO()
    first = Seeder(rpc, DemoProvince(schools=4, assets_per_school=6), out=bar).run()
    assert first.refused == [], "\n".join(map(str, first.refused))
    assert "100%" in bar.getvalue()
    recorded = logs(rpc)
    for env in recorded:
        registry.read(env)  # every event is a valid contract event
    types = Counter(env["event_type"] for env in recorded)
    assert set(registry.names()) - set(types) == set()
    assert types["school_registered"] == 4
    assert types["equipment_received"] == 4 * 6 + 1  # the deliveries, and the replacement brought in by maintenance
    schools = {s["school_code"]: s for s in rpc.inventory.schools()}
    assert schools["OEDP001"]["name_ar"] == "مدرسة الوحدة" and schools["OEDP001"]["name_fr"] == "École Al Wahda"

    again = Seeder(rpc, DemoProvince(schools=4, assets_per_school=6), out=None).run()
    assert (again.sent, again.refused) == (0, [])
    assert again.already == first.sent
    assert len(logs(rpc)) == len(recorded)
