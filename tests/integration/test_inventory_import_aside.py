"""A long import file is read aside: inventory's other commands go on meanwhile (real service, RabbitMQ)."""
import base64

import eventlet
from nameko.standalone.rpc import ClusterRpcProxy

from services.inventory.service import InventoryService
from shared.errors import InvalidCommand
from tests.integration.test_inventory_service import S1

META = {"actor": {"user": "youssef", "role": "infrastructure"}}


def test_other_commands_go_on_while_a_long_list_is_read(run_services, rpc, rabbit_config):
    run_services(InventoryService)
    rpc.inventory.register_school(S1, META)
    # 50,000 lines, each with a kind nobody sells: read and checked to the last line, then refused.
    lines = "serial,kind,warranty_months\n" + "".join(f"LONG-{i},spaceship,12\n" for i in range(50_000))
    command = {"supplier": "Maroc Info", "delivery_ref": "BL-LONG", "format": "csv",
               "content_base64": base64.b64encode(lines.encode()).decode()}
    finished = []

    def import_it():
        with ClusterRpcProxy(rabbit_config, timeout=300) as other:
            try:
                other.inventory.import_delivery(command, META)
            except InvalidCommand as exc:
                finished.append(("import", exc))

    importer = eventlet.spawn(import_it)
    answered = 0
    link = {"school_code": "OED001", "status": "connected", "link": "adsl", "bandwidth_mbps": 8}
    while not finished:
        rpc.inventory.record_connectivity(link, META)
        if not finished:
            answered += 1
    importer.wait()
    assert "lines" in finished[0][1].errors or "file" in finished[0][1].errors
    assert answered >= 5, answered  # before, every command waited for the whole file
