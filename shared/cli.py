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


def cmd_report(args) -> None:
    """Issue a report (recorded by reporting) and write it as XLSX or CSV; or make an issued one again."""
    import eventlet

    eventlet.monkey_patch()
    import getpass

    from nameko.standalone.rpc import ClusterRpcProxy

    import shared.errors  # noqa: F401  (remote errors arrive as our exceptions)
    from services.reporting.exports import WRITERS

    from . import config

    require_broker()
    fmt = args.format or (args.out.rsplit(".", 1)[-1].lower() if "." in args.out else "xlsx")
    if fmt not in WRITERS:
        print(f"genie: --format must be one of {', '.join(WRITERS)}", file=sys.stderr)
        sys.exit(2)
    actor = {"user": args.user or os.environ.get("GENIE_USER") or getpass.getuser(), "role": args.role}
    try:
        with ClusterRpcProxy(config.nameko_config(), timeout=args.timeout) as cluster:
            if args.reproduce:
                report = cluster.reporting.reproduce_report(args.reproduce)
            else:
                if not args.scope or not args.period:
                    print("genie: --scope and --period are required (or --reproduce REPORT_ID)", file=sys.stderr)
                    sys.exit(2)
                report = cluster.reporting.issue_report(args.scope, args.period, {"actor": actor}, fmt)
    except shared.errors.InvalidCommand as exc:
        print(f"genie: {exc}", file=sys.stderr)
        sys.exit(2)
    WRITERS[fmt](report, args.out)
    print(f"genie: report {report['report_id']} ({report['scope']}, {report['period']}, as of {report['as_of']}, "
          f"positions {report['positions']}) written to {args.out}")
    if args.reproduce:
        same = "the same figures" if report["matches"] else "DIFFERENT figures"
        print(f"genie: reproduced from the logs: {same} as when it was issued")
        if not report["matches"]:
            sys.exit(1)


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
    rebuild.add_argument("service", choices=sorted(SERVICE_CLASSES))
    rebuild.add_argument("--timeout", type=float, default=600)
    rebuild.set_defaults(func=cmd_rebuild)
    report = sub.add_parser("report", help="issue an indicators report (xlsx or csv), recorded so it can be made again")
    report.add_argument("--scope", help="all, region:<code>, province:<code> or school:<code>")
    report.add_argument("--period", help="a school year (2025-2026) or a semester (2025-2026-S1)")
    report.add_argument("--format", choices=["xlsx", "csv"], help="default: from --out's extension")
    report.add_argument("--out", required=True, help="the file to write")
    report.add_argument("--user", help="who issues it (default: GENIE_USER or the login name)")
    report.add_argument("--role", default="coordinator")
    report.add_argument("--reproduce", metavar="REPORT_ID", help="make an issued report again from the logs")
    report.add_argument("--timeout", type=float, default=600)
    report.set_defaults(func=cmd_report)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
