"""The tier settings: each wrong value refused with its name and the rule, before anything starts; the
federation's declaration, when the broker's management API cannot be reached, said and tried again later."""
import socket

import pytest

from shared import config, federation

URI = "amqp://dlo:secret@broker.example:5671/dlo"


@pytest.mark.parametrize("env, words", [
    ({"GENIE_TIER": "nation"}, "GENIE_TIER must be one of province, academy, national, not 'nation'"),
    ({"GENIE_TIER": "academy"}, "GENIE_TIER=academy needs GENIE_UPSTREAMS"),
    ({"GENIE_TIER": "academy", "GENIE_UPSTREAMS": "OED"}, "'OED' is not CODE=amqp://"),
    ({"GENIE_TIER": "academy", "GENIE_UPSTREAMS": "OED=http://x/"}, "'OED=http://x/' is not CODE=amqp://"),
    ({"GENIE_TIER": "national", "GENIE_UPSTREAMS": f"DLO={URI},DLO={URI}"}, "GENIE_UPSTREAMS names DLO twice"),
    ({"GENIE_UPSTREAMS": f"OED={URI}"}, "GENIE_UPSTREAMS is for an academy or the national tier"),
])
def test_a_tier_that_cannot_work_is_refused_naming_the_setting(monkeypatch, env, words):
    monkeypatch.delenv("GENIE_UPSTREAMS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError) as refused:
        config.tier()
        config.upstreams()
    assert words in str(refused.value)


def test_an_academy_reads_each_upstream_and_finds_its_management_api(monkeypatch):
    monkeypatch.setenv("GENIE_TIER", "academy")
    monkeypatch.setenv("GENIE_UPSTREAMS", f" OED={URI} , AUS=amqps://dlo:pw@aus.example:5671/ ")
    monkeypatch.setenv("AMQP_URI", "amqp://genie:pw@rabbitmq:5672/")
    monkeypatch.delenv("RABBITMQ_MANAGEMENT_URI", raising=False)
    assert config.upstreams() == {"OED": URI, "AUS": "amqps://dlo:pw@aus.example:5671/"}
    assert config.management_uri() == "http://genie:pw@rabbitmq:15672"
    assert federation.vhost_of(URI) == "dlo" and federation.vhost_of("amqp://g:g@h:5672/") == "/"


def test_a_declaration_the_management_api_cannot_take_is_said_and_left_for_later(caplog):
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    management = federation.Management(f"http://guest:guest@127.0.0.1:{port}", timeout=2)
    assert federation.declare_quietly(management, "amqp://guest:guest@127.0.0.1:5672/dlo", "academy",
                                      {"OED": URI}) is False
    assert "cannot declare the federation from OED" in caplog.text


def test_health_reads_the_links_within_a_short_timeout_when_the_management_api_hangs():
    with socket.socket() as silent:  # takes the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        state = federation.LinkState(federation.Management(f"http://guest:guest@127.0.0.1:{port}", timeout=1),
                                     "amqp://guest:guest@127.0.0.1:5672/dlo", fresh=60)
        first = state.read()
        assert "timed out" in first["error"]
        assert state.read() is first  # asked again at once: the same answer, not another wait


@pytest.mark.parametrize("given, declared", [
    ("amqp://dlo:pw@oed.example:5672/", "amqp://dlo:pw@oed.example:5672/%2F"),
    ("amqps://dlo:pw@oed.example:5671", "amqps://dlo:pw@oed.example:5671/%2F"),
    ("amqps://dlo:pw@oed.example:5671/?cacertfile=/ca.pem", "amqps://dlo:pw@oed.example:5671/%2F?cacertfile=/ca.pem"),
    ("amqp://dlo:pw@oed.example:5672/oed", "amqp://dlo:pw@oed.example:5672/oed"),
    ("amqp://dlo:pw@oed.example:5672/%2F", "amqp://dlo:pw@oed.example:5672/%2F"),
])
def test_an_upstream_on_the_default_vhost_is_declared_so_that_the_plugin_reaches_that_vhost(given, declared):
    assert federation.plugin_uri(given) == declared
    assert federation.vhost_of(declared) == federation.vhost_of(given)
