"""SQLite's durability is a setting: NORMAL by default (WAL), FULL on request, anything else refused by name."""
import pytest

from shared.db import make_engine


def synchronous_of(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        level = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    engine.dispose()
    return level, mode


def test_wal_with_normal_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("GENIE_SQLITE_SYNCHRONOUS", raising=False)
    assert synchronous_of(f"sqlite:///{tmp_path / 'a.db'}") == (1, "wal")


def test_full_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("GENIE_SQLITE_SYNCHRONOUS", "full")
    assert synchronous_of(f"sqlite:///{tmp_path / 'a.db'}") == (2, "wal")


def test_a_wrong_value_is_refused_naming_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("GENIE_SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(ValueError, match="GENIE_SQLITE_SYNCHRONOUS"):
        make_engine(f"sqlite:///{tmp_path / 'a.db'}")
