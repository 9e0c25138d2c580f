"""The `genie` command: run the system, one service, or rebuild a read model."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys

SERVICE_CLASSES = {
    "inventory": "services.inventory.service:InventoryService",
    "maintenance": "services.maintenance.service:MaintenanceService",
    "resources": "services.resources.service:ResourcesService",
    "training": "services.training.service:TrainingService",
    "reporting": "services.reporting.service:ReportingService",
}


def service_class(name: str):
    module, _, cls = SERVICE_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def broker_reachable(uri: str) -> str | None:
    """None if RabbitMQ answers at `uri`, else why not."""
    from kombu import Connection

    try:
        with Connection(uri, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def require_broker() -> None:
    from . import config

    uri = config.amqp_uri()
    why = broker_reachable(uri)
    if why:
        print(f"genie: RabbitMQ is not reachable at {uri} ({why}); start it with "
              f"`rabbitmq-server -detached` or set AMQP_URI.", file=sys.stderr)
        sys.exit(2)


def cmd_up(args) -> None:
    """Every service in its own process, as in production, under honcho."""
    from honcho.manager import Manager
    from honcho.printer import Printer

    require_broker()
    manager = Manager(Printer(sys.stdout))
    for name in SERVICE_CLASSES:
        manager.add_process(name, f"{sys.executable} -m shared.cli run {name}", env=dict(os.environ))
    manager.loop()
    sys.exit(manager.returncode)


def cmd_run(args) -> None:
    import eventlet

    eventlet.monkey_patch()
    from nameko.runners import ServiceRunner

    from . import config

    require_broker()
    runner = ServiceRunner(config.nameko_config())
    runner.add_service(service_class(args.service))

    def stop(signum, frame):
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.start()
    print(f"genie: {args.service} running on {config.amqp_uri()}", flush=True)
    runner.wait()


def cmd_rebuild(args) -> None:
    """Rebuild a service's read models from the event logs."""
    import eventlet

    eventlet.monkey_patch()
    from nameko.standalone.rpc import ClusterRpcProxy

    from . import config

    require_broker()
    with ClusterRpcProxy(config.nameko_config(), timeout=args.timeout) as cluster:
        result = getattr(cluster, args.service).rebuild()
    print(f"genie: {args.service} rebuilt from the logs: {result}")


def main(argv=None) -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    parser = argparse.ArgumentParser(prog="genie", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="run every service against AMQP_URI").set_defaults(func=cmd_up)
    run = sub.add_parser("run", help="run one service")
    run.add_argument("service", choices=sorted(SERVICE_CLASSES))
    run.set_defaults(func=cmd_run)
    rebuild = sub.add_parser("rebuild", help="rebuild a service's read models from the event logs")
    rebuild.add_argument("service", choices=["reporting"])
    rebuild.add_argument("--timeout", type=float, default=600)
    rebuild.set_defaults(func=cmd_rebuild)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
