"""`genie up`'s supervisor: every service in a process of its own, started again when it exits.

A service that exits is started again after a delay that doubles with each exit
(1 s, 2 s, 4 s … at most 30 s) and goes back to 1 s once it has stayed up a
minute. Stopping the supervisor (SIGTERM, SIGINT) stops every service before it
exits; if the supervisor itself dies, even by SIGKILL, each service is told by
the Linux kernel (PR_SET_PDEATHSIG) and stops too. The services inherit a lock on
`<GENIE_VAR_DIR>/genie-up.lock`, so a second supervisor on the same files
refuses while any of them is alive.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

FIRST_DELAY, MAX_DELAY, STEADY_SECONDS = 1.0, 30.0, 60.0
STOP_GRACE_SECONDS = 20.0
_PR_SET_PDEATHSIG = 1


class AlreadyRunning(Exception):
    pass


def hold_var_dir(var_dir: Path) -> int:
    """Lock `var_dir` for this supervisor and its services; refuse if another one holds it."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "genie-up.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 100).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise AlreadyRunning(f"another `genie up` (pid {holder}) or services it started are running on "
                             f"{var_dir.resolve()}; stop it first, or set GENIE_VAR_DIR to another directory")
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


def check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise AlreadyRunning(f"the gateway's address {host}:{port} is in use ({exc.strerror}): another "
                                 f"`genie up` or another program listens there; stop it, or set GATEWAY_PORT")


def _die_with_parent(parent: int) -> None:
    """In the child, before it runs the service: the kernel sends SIGTERM when the supervisor dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: a supervisor killed outright leaves its services running
        pass
    if os.getppid() != parent:  # the supervisor died before the line above
        os._exit(1)


def start_service(runner, name: str, out=None) -> None:
    """`runner.start()` in a supervised service's process; a container that dies before it has started ends
    the process at once (status 1), so that its supervisor starts it again.

    nameko 2.14 leaves `start()` waiting for ever when the broker goes away while a consumer connects (the
    consumer's thread ends before it is ready and its waiter is never woken): the process would live on with
    a dead container, never started again.
    """
    import eventlet

    started = eventlet.event.Event()

    def watch():
        try:
            runner.wait()  # raises once the container has died (a stop is the signal handler's to finish)
        except BaseException as exc:
            if not started.ready():
                print(f"genie: {name} died while starting ({type(exc).__name__}: {exc}); exiting to be started "
                      f"again", file=out or sys.stderr, flush=True)
                os._exit(1)

    eventlet.spawn_n(watch)
    runner.start()
    started.send()


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    restarts: int = 0
    history: list = field(default_factory=list)


class Supervisor:
    def __init__(self, commands: dict[str, list[str]], env: dict, keep_fds: tuple[int, ...] = (),
                 out=None):
        self.children = [Child(name, argv) for name, argv in commands.items()]
        self.env, self.keep_fds = env, keep_fds
        self.out = out or sys.stderr
        self.stopping = False

    def say(self, text: str) -> None:
        print(f"genie: {text}", file=self.out, flush=True)

    def _start(self, child: Child) -> None:
        parent = os.getpid()
        child.proc = subprocess.Popen(child.argv, env=self.env, pass_fds=self.keep_fds,
                                      preexec_fn=lambda: _die_with_parent(parent))
        child.started, child.restart_at = time.monotonic(), None

    def _exited(self, child: Child, returncode: int) -> None:
        now = time.monotonic()
        up = now - child.started
        if up >= STEADY_SECONDS:
            child.delay = FIRST_DELAY
        child.restart_at = now + child.delay
        child.restarts += 1
        child.history.append((returncode, child.delay))
        self.say(f"{child.name} exited ({describe_exit(returncode)}) after {up:.1f}s up; "
                 f"starting it again in {child.delay:g}s (restart {child.restarts})")
        child.delay = min(child.delay * 2, MAX_DELAY)
        child.proc = None

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        for child in self.children:
            self._start(child)
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                if child.proc is not None:
                    returncode = child.proc.poll()
                    if returncode is not None:
                        self._exited(child, returncode)
                elif child.restart_at is not None and now >= child.restart_at and not self.stopping:
                    self._start(child)
            time.sleep(0.2)
        self._stop_all()
        return 0

    def _on_signal(self, signum, frame) -> None:
        if not self.stopping:
            self.say(f"{signal.Signals(signum).name} received: stopping every service")
        self.stopping = True

    def _stop_all(self) -> None:
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        for child in running:
            child.proc.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in running:
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop in {STOP_GRACE_SECONDS:g}s: killing it")
                child.proc.kill()
                child.proc.wait()
