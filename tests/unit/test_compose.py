"""The compose file cannot be run here (no Docker engine), so it is checked against the code."""
import re
from pathlib import Path
from urllib.parse import urlparse

import yaml

from genie.system import SERVICE_CLASSES, service_class

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP = {name: spec for name, spec in COMPOSE["services"].items() if spec.get("image") == "genie-coordination"}


SOURCES = "\n".join(p.read_text() for d in ("shared", "services") for p in (ROOT / d).rglob("*.py"))


def code_reads(variable: str) -> bool:
    """Whether some module under shared/ or services/ reads this environment variable."""
    if variable.startswith("DATABASE_URL_"):
        return 'environ.get(f"DATABASE_URL_{service.upper()}")' in SOURCES
    return re.search(r"environ(\.get)?[\(\[]\s*[\"']" + re.escape(variable) + r"[\"']", SOURCES) is not None


def test_every_service_of_the_system_runs_in_compose():
    assert set(APP) == set(SERVICE_CLASSES)
    for name, spec in APP.items():
        assert spec["command"] == ["run", name]
        assert service_class(name).name == name  # the command starts code that exists


def test_every_variable_compose_sets_is_read_by_the_code():
    assert not code_reads("NOT_A_SETTING")
    for name, spec in APP.items():
        for variable in spec["environment"]:
            assert code_reads(variable), f"{name} sets {variable}, which no code reads"


def test_each_service_has_its_own_database_created_by_the_init_script():
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    databases = set()
    for name, spec in APP.items():
        url = spec["environment"][f"DATABASE_URL_{name.upper()}"]
        parsed = urlparse(url)
        assert parsed.scheme == "postgresql" and parsed.hostname == "postgres"
        databases.add(parsed.path.lstrip("/"))
        assert f"CREATE DATABASE {parsed.path.lstrip('/')};" in init
    assert len(databases) == len(APP)


def test_services_wait_for_healthy_broker_and_database_and_restart():
    for infra in ("rabbitmq", "postgres"):
        assert "healthcheck" in COMPOSE["services"][infra]
    for name, spec in APP.items():
        assert spec["depends_on"] == {"rabbitmq": {"condition": "service_healthy"},
                                      "postgres": {"condition": "service_healthy"}}
        assert spec["restart"] == "unless-stopped"
        assert urlparse(spec["environment"]["AMQP_URI"].replace("${RABBITMQ_PASSWORD:-genie}", "x")).hostname \
            == "rabbitmq"


def test_data_lives_in_volumes():
    assert "/var/lib/postgresql/data" in " ".join(COMPOSE["services"]["postgres"]["volumes"])
    assert "/var/lib/rabbitmq" in " ".join(COMPOSE["services"]["rabbitmq"]["volumes"])
