"""Accounts: the rules every change is checked against, from the command line or the browser."""
import pytest

from services.gateway.access import Refused, check_account_change
from services.gateway.accounts import AccountError, Accounts
from tests.helpers import refused

COORDINATOR = {"user": "fatima", "role": "coordinator", "scope": "province:OED"}


@pytest.fixture
def accounts(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    made = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    yield made
    made.engine.dispose()


def test_each_bad_request_names_its_field_and_rule(accounts):
    accounts.add("fatima", "a long password", "coordinator")
    for field, code, call, args in [
        ("username", "bad_username", accounts.add, ("x", "a long password", "training")),
        ("username", "username_taken", accounts.add, ("fatima", "a long password", "training")),
        ("password", "password_too_short", accounts.add, ("omar", "short", "training")),
        ("role", "unknown_role", accounts.add, ("omar", "a long password", "chef")),
        ("scope", "bad_scope", accounts.add, ("omar", "a long password", "school_director")),
        ("username", "no_such_user", accounts.disable, ("nobody",)),
    ]:
        assert refused(code, call, *args, error=AccountError).field == field
    assert [a["username"] for a in accounts.listing()] == ["fatima"]  # nothing half-made


def test_last_sign_in_and_a_users_own_password(accounts):
    accounts.add("omar", "first password", "school_director", "school:OED-001")
    assert accounts.listing()[0]["last_signed_in_at"] is None
    assert accounts.authenticate("omar", "first password")["role"] == "school_director"
    assert accounts.listing()[0]["last_signed_in_at"] is not None
    assert "password_hash" not in accounts.listing()[0]
    assert refused("wrong_password", accounts.change_password, "omar", "wrong one", "second password",
                   error=AccountError).field == "current_password"
    assert refused("password_too_short", accounts.change_password, "omar", "first password", "2short",
                   error=AccountError).field == "new_password"
    accounts.change_password("omar", "first password", "second password")
    assert accounts.authenticate("omar", "first password") is None
    assert accounts.authenticate("omar", "second password") is not None


def test_the_coordinator_manages_the_provinces_accounts_only():
    check_account_change(COORDINATOR, "school_director", "school:OED-001")
    check_account_change(COORDINATOR, "training", "province:OED")
    for manager, role, scope, user, code in [
        ({**COORDINATOR, "role": "training"}, "training", "province:OED", None, "role_not_allowed"),
        (COORDINATOR, "viewer", "all", None, "outside_scope"),
        (COORDINATOR, "training", "province:AUS", None, "outside_scope"),
        (COORDINATOR, None, None, "fatima", "own_account"),
    ]:
        refused(code, check_account_change, manager, role, scope, user, error=Refused)


def test_accounts_made_before_last_sign_in_get_its_column(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE accounts (username VARCHAR(80) PRIMARY KEY, password_hash VARCHAR(200) "
                             "NOT NULL, role VARCHAR(40) NOT NULL, scope VARCHAR(80) NOT NULL, disabled BOOLEAN NOT "
                             "NULL, created_at VARCHAR(40) NOT NULL)")
    engine.dispose()
    accounts = Accounts(url)
    accounts.add("amal", "a long password", "training")
    assert accounts.authenticate("amal", "a long password") is not None
    assert accounts.listing()[0]["last_signed_in_at"]
    accounts.engine.dispose()


def test_an_academys_system_takes_viewers_only(accounts, monkeypatch):
    monkeypatch.setenv("GENIE_TIER", "academy")
    monkeypatch.setenv("GENIE_UPSTREAMS", "OED=amqp://guest:guest@127.0.0.1:5672/oed")
    for role, scope in (("coordinator", None), ("school_director", "school:OED-001"), ("technician", None)):
        assert "viewers" in str(refused("bad_scope", accounts.add, "omar", "a long password", role, scope,
                                        error=AccountError))
    accounts.add("amina", "a long password", "viewer", "region:DLO")
    assert [(a["username"], a["scope"]) for a in accounts.listing()] == [("amina", "region:DLO")]
