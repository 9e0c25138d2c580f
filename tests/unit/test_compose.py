"""The compose files checked against the code and against each other (tests/compose/ runs them)."""
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from genie.system import SERVICE_CLASSES, service_class

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP = {name: spec for name, spec in COMPOSE["services"].items() if spec.get("image") == "genie-coordination"}
SECRETS = ("RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "GATEWAY_SECRET")


SOURCES = "\n".join(p.read_text() for d in ("shared", "services") for p in (ROOT / d).rglob("*.py"))


def filled(value: str) -> str:
    """A setting with the variables compose requires filled in."""
    return re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "x", value)


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
        url = filled(spec["environment"][f"DATABASE_URL_{name.upper()}"])
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
        assert urlparse(filled(spec["environment"]["AMQP_URI"])).hostname == "rabbitmq"
        assert spec["healthcheck"]["test"] == ["CMD", "python3", "-m", "genie.probe", name]


def test_data_lives_in_volumes():
    assert "/var/lib/postgresql/data" in " ".join(COMPOSE["services"]["postgres"]["volumes"])
    assert "/var/lib/rabbitmq" in " ".join(COMPOSE["services"]["rabbitmq"]["volumes"])


def _settings(spec) -> str:
    return str(spec.get("environment", {}))


def test_no_password_or_secret_has_a_default():
    """Compose refuses to start without each of them (`${VAR:?…}`), rather than falling back on a known one."""
    text = (ROOT / "docker-compose.yml").read_text()
    for name in SECRETS:
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert uses, f"{name} is not used"
        assert all(use == f":?set {name} in .env" for use in uses), (name, uses)
    assert "GATEWAY_SECRET" in _settings(COMPOSE["services"]["gateway"])


def _merged(base: dict, override: dict) -> dict:
    """Compose's merge of an override file, for the keys the local file may set."""
    out = {name: dict(spec) for name, spec in base["services"].items()}
    for name, spec in override["services"].items():
        out[name].update(spec)
    return out


@pytest.mark.parametrize("production, local", [("docker-compose.yml", "deploy/compose.local.yml"),
                                               ("deploy/academy.compose.yml", "deploy/academy.local.yml")])
def test_the_local_file_changes_the_images_only(production, local):
    """A local file is its production topology on images built here: same services, volumes, health checks,
    restart policies, dependencies, ports and environment."""
    compose = yaml.safe_load((ROOT / production).read_text())
    changes = yaml.safe_load((ROOT / local).read_text())
    assert set(changes["services"]) == set(compose["services"])
    assert {k for k in changes if not k.startswith("x-")} == {"services"}  # no volume, network or secret of its own
    for name, spec in changes["services"].items():
        assert set(spec) == {"image", "build"}, f"{name}: the local file sets {set(spec) - {'image', 'build'}}"
    merged = _merged(compose, changes)
    for name, spec in compose["services"].items():
        same = {k: v for k, v in spec.items() if k not in ("image", "build")}
        assert {k: v for k, v in merged[name].items() if k not in ("image", "build")} == same, name
    # The production file keeps the registry's official images; the local one builds every image itself.
    assert compose["services"]["rabbitmq"]["image"].startswith("rabbitmq:")
    assert compose["services"]["postgres"]["image"].startswith("postgres:")
    # Paths are read from the folder of the production file, the first given.
    base = (ROOT / production).parent
    for name, spec in compose["services"].items():
        if spec.get("image") == "genie-coordination":
            assert merged[name]["image"] == "genie-coordination:local"
            assert merged[name]["build"]["args"]["PYTHON_IMAGE"] == "genie-local/bookworm:base"
            assert (base / merged[name]["build"]["context"] / "Dockerfile").resolve() == ROOT / "Dockerfile"
    for name in ("rabbitmq", "postgres"):
        assert (base / merged[name]["build"]["context"] / merged[name]["build"]["dockerfile"]).exists()


def test_the_local_broker_has_the_plugins_of_the_official_image():
    dockerfile = (ROOT / "deploy" / "local" / "rabbitmq.Dockerfile").read_text()
    assert "rabbitmq_management" in dockerfile and "rabbitmq_federation" in dockerfile


def test_the_image_gets_no_settings_data_or_history():
    ignored = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if not line.startswith("#")]
    assert ignored[0] == "*", "the build context is an allow-list"
    allowed = [line[1:] for line in ignored if line.startswith("!")]
    assert not any(a.startswith((".env", "var", ".git", ".venv", "tests")) for a in allowed), allowed


def test_the_academy_runs_reporting_and_the_gateway_only_with_its_upstreams_required():
    from shared.config import READING_SERVICES

    academy = yaml.safe_load((ROOT / "deploy" / "academy.compose.yml").read_text())
    app = {name: spec for name, spec in academy["services"].items() if spec.get("image") == "genie-coordination"}
    assert set(app) == set(READING_SERVICES)
    for name, spec in app.items():
        assert spec["command"] == ["run", name]
        env = spec["environment"]
        assert env["GENIE_TIER"] == "${GENIE_TIER:-academy}"
        assert filled(env["GENIE_UPSTREAMS"]) == "x"  # nothing starts without it
        for variable in env:
            assert code_reads(variable), f"{name} sets {variable}, which nothing reads"
    assert "rabbitmq_federation" in " ".join(academy["services"]["rabbitmq"]["command"])
