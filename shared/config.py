"""Configuration from the environment, with defaults that work on one machine."""
import os
from pathlib import Path
from urllib.parse import urlsplit

# The services that keep an event log (the contract's `source`); reporting only reads theirs.
SOURCES = ("inventory", "maintenance", "resources", "training")
SERVICES = SOURCES + ("reporting",)

# A province records; an academy and the national tier read their provinces' events (CONTRACT §7.4).
TIERS = ("province", "academy", "national")
READING_TIERS = ("academy", "national")
READING_SERVICES = ("reporting", "gateway")  # what runs at an academy or the national tier

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
DEFAULT_PROVINCE = "OED"  # Oued Ed-Dahab


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def province_code() -> str:
    return os.environ.get("PROVINCE_CODE", DEFAULT_PROVINCE)


class ConfigError(ValueError):
    """A setting of the environment that cannot work, said with its name and the rule."""


def tier() -> str:
    value = os.environ.get("GENIE_TIER", "province") or "province"
    if value not in TIERS:
        raise ConfigError(f"GENIE_TIER must be one of {', '.join(TIERS)}, not {value!r}.")
    return value


def upstreams() -> dict[str, str]:
    """GENIE_UPSTREAMS: `CODE=AMQP_URI,…`, each province (for an academy) or academy (for the national tier)
    and its broker. Required at those tiers, refused at a province."""
    raw = os.environ.get("GENIE_UPSTREAMS", "").strip()
    found: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        code, sep, uri = item.partition("=")
        code, uri = code.strip(), uri.strip()
        if not sep or not code or not uri.startswith(("amqp://", "amqps://")):
            raise ConfigError(f"GENIE_UPSTREAMS: {item!r} is not CODE=amqp://user:password@host:port/vhost.")
        if code in found:
            raise ConfigError(f"GENIE_UPSTREAMS names {code} twice.")
        found[code] = uri
    reading = tier() in READING_TIERS
    if reading and not found:
        raise ConfigError(f"GENIE_TIER={tier()} needs GENIE_UPSTREAMS: CODE=AMQP_URI of each upstream broker.")
    if found and not reading:
        raise ConfigError("GENIE_UPSTREAMS is for an academy or the national tier (GENIE_TIER); a province has none.")
    return found


def management_uri() -> str:
    """The management API of this deployment's own broker (where an upper tier declares its federation)."""
    if "RABBITMQ_MANAGEMENT_URI" in os.environ:
        return os.environ["RABBITMQ_MANAGEMENT_URI"]
    uri = urlsplit(amqp_uri())
    return f"http://{uri.username or 'guest'}:{uri.password or 'guest'}@{uri.hostname or 'localhost'}:15672"


def var_dir() -> Path:
    return Path(os.environ.get("GENIE_VAR_DIR", "var"))


def private_var_dir() -> Path:
    """./var/, readable by its owner only: it holds the accounts, the secret and every log."""
    path = var_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """`path` created (empty) or kept, readable and writable by its owner only."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    _owner_only(path, 0o600)
    return path


def _owner_only(path: Path, mode: int) -> None:
    # Also what an older install left world-readable; a path that is not ours is left as it is.
    if path.stat().st_uid == os.geteuid() and path.stat().st_mode & 0o777 != mode:
        path.chmod(mode)


def database_url(service: str) -> str:
    """`DATABASE_URL_<SERVICE>` if set, else a SQLite file under ./var/ that only its owner reads."""
    url = os.environ.get(f"DATABASE_URL_{service.upper()}")
    if url:
        return url
    path = private_var_dir().resolve() / (service + ".db")
    private_file(path)
    for journal in ("-wal", "-shm"):  # SQLite gives new ones the database's mode; old ones are fixed here
        if Path(str(path) + journal).exists():
            private_file(Path(str(path) + journal))
    return f"sqlite:///{path}"


SQLITE_SYNCHRONOUS = ("NORMAL", "FULL", "EXTRA")


def sqlite_synchronous() -> str:
    """`GENIE_SQLITE_SYNCHRONOUS`: NORMAL (the default: a commit survives a crash of the process, and may be
    lost, with those just before it, if the machine loses power) or FULL (survives power loss too, at an
    fsync each commit)."""
    value = os.environ.get("GENIE_SQLITE_SYNCHRONOUS", "NORMAL").strip().upper()
    if value not in SQLITE_SYNCHRONOUS:
        raise ConfigError(f"GENIE_SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}, not {value!r}.")
    return value


def nameko_config(**overrides) -> dict:
    config = {"AMQP_URI": amqp_uri(), "max_workers": 10, "serializer": "json"}
    config.update(overrides)
    return config
