"""The account behind a token is kept a moment: a change made through the gateway counts at once, one made
elsewhere (`genie user`, another gateway) once the moment has passed."""
import pytest

from services.gateway import accounts as accounts_module
from services.gateway.accounts import Accounts


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(accounts_module.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'gateway.db'}"


def claims_of(accounts, username):
    row = accounts.get(username)
    return {"user": username, "gen": row["token_generation"]}


def test_a_disable_through_the_gateway_counts_at_once(url, clock):
    accounts = Accounts(url)
    accounts.add("amina", "a-long-enough-password", "infrastructure")
    claims = claims_of(accounts, "amina")
    assert accounts.current(claims)["role"] == "infrastructure"
    accounts.disable("amina")
    assert accounts.current(claims) is None


def test_a_change_made_elsewhere_counts_once_the_moment_has_passed(url, clock):
    gateway, cli = Accounts(url), Accounts(url)
    gateway.add("amina", "a-long-enough-password", "infrastructure")
    claims = claims_of(gateway, "amina")
    assert gateway.current(claims) is not None
    cli.disable("amina")
    clock[0] += gateway.cache_seconds / 2
    assert gateway.current(claims) is not None  # read a moment ago: not read again
    clock[0] += gateway.cache_seconds
    assert gateway.current(claims) is None


def test_no_moment_when_the_setting_is_zero(url, clock, monkeypatch):
    monkeypatch.setenv("GATEWAY_ACCOUNT_CACHE_SECONDS", "0")
    gateway, cli = Accounts(url), Accounts(url)
    gateway.add("amina", "a-long-enough-password", "infrastructure")
    claims = claims_of(gateway, "amina")
    assert gateway.current(claims) is not None
    cli.disable("amina")
    assert gateway.current(claims) is None
