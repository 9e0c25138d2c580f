"""`genie up`'s restart policy: the delay doubles with each exit, at most 30 s, and starts again at 1 s once a
service has stayed up a minute; a service whose container dies while it starts exits, to be started again."""
import io
import subprocess
import sys
import time
from pathlib import Path

from genie.supervise import Supervisor, describe_exit


def exits(supervisor, child, ups):
    delays = []
    for up in ups:
        child.started = time.monotonic() - up
        supervisor._exited(child, 1)
        delays.append(child.history[-1][1])
    return delays


def test_the_delay_doubles_up_to_thirty_seconds_and_resets_after_a_minute_up():
    out = io.StringIO()
    supervisor = Supervisor({"inventory": ["true"]}, env={}, out=out)
    child = supervisor.children[0]
    assert exits(supervisor, child, [0.5] * 7) == [1, 2, 4, 8, 16, 30, 30]
    assert exits(supervisor, child, [61, 3, 75]) == [1, 2, 1]
    assert "genie: inventory exited (exit status 1) after 75.0s up; starting it again in 1s (restart 10)" \
        in out.getvalue()


def test_how_a_service_ended_is_said_in_words():
    assert describe_exit(0) == "exit status 0"
    assert describe_exit(2) == "exit status 2"
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(-15) == "killed by SIGTERM"


# A service whose start never ends while its container dies meanwhile: what nameko's consumer does when the
# broker goes away as it connects (its waiter is never woken).
STUCK_SERVICE = """
import eventlet
eventlet.monkey_patch()
from nameko.extensions import DependencyProvider
from nameko.runners import ServiceRunner
from genie.supervise import start_service

class ConsumerNeverReady(DependencyProvider):
    def start(self):
        self.container.spawn_managed_thread(self.lose_broker)
        eventlet.event.Event().wait()

    def lose_broker(self):
        raise ConnectionResetError(104, "Connection reset by peer")

class Stuck:
    name = "stuck"
    consumer = ConsumerNeverReady()

runner = ServiceRunner({})
runner.add_service(Stuck)
start_service(runner, "stuck")
runner.wait()
"""


def test_a_service_whose_container_dies_while_it_starts_exits_to_be_started_again():
    done = subprocess.run([sys.executable, "-c", STUCK_SERVICE], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "genie: stuck died while starting (ConnectionResetError" in done.stderr
