"""Passwords with argon2's real costs: every hash and check made aside, so that other requests go on meanwhile;
an account added while sign-ins are crowding waits its turn; and how long a refusal takes tells nothing about the
account (unknown, disabled, or a wrong password)."""
import statistics
import time

import eventlet
import pytest
from argon2 import PasswordHasher

import services.gateway.accounts as module
from services.gateway.accounts import Accounts
from tests.helpers import ticks_during
from tests.unit.test_gateway_api import cheap_hashing  # noqa: F401  (fixture: restores the hasher after each test)


@pytest.fixture
def accounts(tmp_path, monkeypatch):
    monkeypatch.setattr(module, "_hasher", PasswordHasher())  # the production costs
    store = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    store.add("coord", "password-coord", "coordinator", None)
    return store


def test_adding_an_account_and_setting_a_password_leave_the_event_loop_free(accounts):
    _, added = ticks_during(accounts.add, "amal", "password-amal", "training", None)
    _, reset = ticks_during(accounts.reset_password, "amal", "another-password")
    _, changed = ticks_during(accounts.change_password, "amal", "another-password", "a third password")
    assert added >= 3 and reset >= 3 and changed >= 3, (added, reset, changed)
    assert accounts.authenticate("amal", "a third password")["user"] == "amal"


def test_an_account_added_while_sign_ins_crowd_the_checks_waits_its_turn(accounts, monkeypatch):
    monkeypatch.setattr(module, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    holders = [eventlet.spawn(accounts.checks.run, time.sleep, 0.3) for _ in range(accounts.checks.limit)]
    eventlet.sleep(0.05)
    accounts.add("amal", "password-amal", "training", None)  # not Busy: a coordinator's request is not a flood
    for holder in holders:
        holder.wait()
    assert accounts.authenticate("amal", "password-amal")


def median_seconds(action, times=5) -> float:
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        assert action() is None
        taken.append(time.perf_counter() - started)
    return statistics.median(taken)


def test_a_disabled_or_unknown_account_is_refused_after_as_long_as_a_wrong_password(accounts, monkeypatch):
    # Costs well above a read of the accounts table, below production's so that the test stays short.
    monkeypatch.setattr(module, "_hasher", PasswordHasher(time_cost=2, memory_cost=32768, parallelism=2))
    accounts.reset_password("coord", "password-coord")
    accounts.add("gone", "password-gone", "technician", None)
    accounts.disable("gone")
    accounts.authenticate("nobody", "warming-up")  # the dummy hash is made once
    wrong = median_seconds(lambda: accounts.authenticate("coord", "not-the-password"))
    disabled = median_seconds(lambda: accounts.authenticate("gone", "password-gone"))
    unknown = median_seconds(lambda: accounts.authenticate("nobody", "not-the-password"))
    # Skipping argon2 answers in about a hundredth of the time: a third is far from it, and leaves room for a
    # busy machine's noise.
    assert disabled > wrong / 3 and unknown > wrong / 3, (wrong, disabled, unknown)
