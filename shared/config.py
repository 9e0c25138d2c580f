"""Configuration from the environment, with defaults that work on one machine."""
import os
from pathlib import Path

SOURCES = ("inventory", "maintenance", "resources", "training")
SERVICES = SOURCES + ("reporting",)

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
DEFAULT_PROVINCE = "OED"  # Oued Ed-Dahab


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def province_code() -> str:
    return os.environ.get("PROVINCE_CODE", DEFAULT_PROVINCE)


def var_dir() -> Path:
    return Path(os.environ.get("GENIE_VAR_DIR", "var"))


def database_url(service: str) -> str:
    """`DATABASE_URL_<SERVICE>` if set, else a SQLite file under ./var/."""
    url = os.environ.get(f"DATABASE_URL_{service.upper()}")
    if url:
        return url
    path = var_dir()
    path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.resolve() / (service + '.db')}"


def nameko_config(**overrides) -> dict:
    config = {"AMQP_URI": amqp_uri(), "max_workers": 10, "serializer": "json"}
    config.update(overrides)
    return config
