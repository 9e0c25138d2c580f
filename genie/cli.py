"""The `genie` command: run the system, one service, or rebuild a read model."""
from __future__ import annotations

import argparse
import base64
import logging
import os
import re
import signal
import sys

from .system import LOG_SERVICES, SERVICE_CLASSES, service_class


def broker_reachable(uri: str) -> str | None:
    """None if RabbitMQ answers at `uri`, else why not."""
    from kombu import Connection

    try:
        with Connection(uri, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def without_password(uri: str) -> str:
    """The broker's address as logs may show it."""
    from kombu import Connection

    return Connection(uri).as_uri()  # the password as **


def tier_runs(service: str) -> bool:
    """Whether this deployment's tier runs `service` (an academy or the country: reporting and the gateway);
    a setting that cannot work stops here, said with its name."""
    from shared import config

    try:
        tier = config.tier()
        config.upstreams()
        if service == "gateway":  # the names of regions and provinces its pages show
            from shared.territory import territories

            territories()
    except config.ConfigError as exc:
        print(f"genie: {exc}", file=sys.stderr)
        sys.exit(2)
    return tier == "province" or service in config.READING_SERVICES


def require_broker() -> None:
    from shared import config

    uri = config.amqp_uri()
    why = broker_reachable(uri)
    if why:
        print(f"genie: RabbitMQ is not reachable at {without_password(uri)} ({why}); start it with "
              f"`rabbitmq-server -detached` or set AMQP_URI.", file=sys.stderr)
        sys.exit(2)


def _code(value: str) -> str:
    if not re.fullmatch(r"[A-Z0-9]{2,10}", value):
        raise argparse.ArgumentTypeError(f"{value!r}: 2 to 10 capital letters or digits, e.g. OED")
    return value


def cmd_up(args) -> None:
    """Every service in its own process, as in production, each started again when it exits."""
    from services.gateway.service import web_address
    from shared import config

    from .supervise import AlreadyRunning, Supervisor, check_port_free, hold_var_dir

    try:
        lock = hold_var_dir(config.var_dir())
        host, _, port = web_address().rpartition(":")
        check_port_free(host, int(port))
    except AlreadyRunning as exc:
        print(f"genie: {exc}", file=sys.stderr)
        sys.exit(2)
    require_broker()
    names = [n for n in SERVICE_CLASSES if tier_runs(n)]
    commands = {name: [sys.executable, "-m", "genie.cli", "run", name] for name in names}
    sys.exit(Supervisor(commands, env=dict(os.environ), keep_fds=(lock,)).run())


def cmd_run(args) -> None:
    import eventlet

    eventlet.monkey_patch()
    from nameko.runners import ServiceRunner

    from shared import config, logs

    from .supervise import start_service

    logs.configure(args.service)  # JSON lines with the service, correlation and event ids
    if not tier_runs(args.service):
        print(f"genie: {args.service} records a province's events; GENIE_TIER={config.tier()} runs "
              f"{' and '.join(config.READING_SERVICES)} only", file=sys.stderr)
        sys.exit(2)
    require_broker()
    overrides = {}
    if args.service == "gateway":
        from services.gateway.service import web_address

        overrides["WEB_SERVER_ADDRESS"] = web_address()
    runner = ServiceRunner(config.nameko_config(**overrides))
    runner.add_service(service_class(args.service))

    def stop(signum, frame):
        eventlet.spawn_n(runner.stop)
        # Told to stop, it stops: also when nobody is left to kill it (its supervisor died).
        eventlet.spawn_after(15, os._exit, 1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    start_service(runner, args.service)
    print(f"genie: {args.service} running on {without_password(config.amqp_uri())}", flush=True)
    runner.wait()


def cmd_rebuild(args) -> None:
    """Rebuild a service's read models from the event logs."""
    import eventlet

    eventlet.monkey_patch()
    from nameko.standalone.rpc import ClusterRpcProxy

    from shared import config

    require_broker()
    # Sources first: their own views come from their own logs; consumers then read those logs.
    names = ([args.service] if args.service != "all"
             else [n for n in SERVICE_CLASSES if hasattr(service_class(n), "rebuild")])
    with ClusterRpcProxy(config.nameko_config(), timeout=args.timeout) as cluster:
        for name in names:
            result = getattr(cluster, name).rebuild()
            print(f"genie: {name} rebuilt from the logs: {result}")


def cmd_export_events(args) -> None:
    """Write a service's event log to FILE, one JSON envelope a line."""
    from .backup import export_events, open_store

    store = open_store(args.service)
    with open(args.file, "w", encoding="utf-8") as out:
        count = export_events(store, out)
    print(f"genie: {count} events of {args.service} written to {args.file}")


def cmd_health(args) -> None:
    """Exit 0 if the service answers, 1 if not: the containers' health check."""
    from .probe import main

    sys.exit(main(args.service))


def cmd_seed(args) -> None:
    """Enter the demo province through the running services' commands."""
    import eventlet

    eventlet.monkey_patch()
    from nameko.standalone.rpc import ClusterRpcProxy

    import shared.remote  # noqa: F401  (remote errors arrive as our exceptions)

    from shared import config
    from .demo import DemoProvince, Seeder

    require_broker()
    with ClusterRpcProxy(config.nameko_config(), timeout=args.timeout) as cluster:
        province = DemoProvince(args.schools, args.assets_per_school, province=args.province, region=args.region)
        outcome = Seeder(cluster, province, out=sys.stderr).run()
    print(f"genie: demo province {args.province or 'OED'}: {outcome.sent} commands recorded, {outcome.already} already there, "
          f"{len(outcome.refused)} refused")
    for where, code, message in outcome.refused:
        print(f"genie:   {where} refused ({code}): {message}", file=sys.stderr)
    if outcome.refused:
        sys.exit(1)


def cmd_import_events(args) -> None:
    """Restore a service's event log from FILE into an empty database."""
    from .backup import DamagedBackup, StoreNotEmpty, import_events, open_store

    store = open_store(args.service)
    try:
        count = import_events(store, args.file)
    except DamagedBackup as exc:
        print(f"genie: {args.file} is damaged at {exc}; nothing was imported", file=sys.stderr)
        sys.exit(1)
    except StoreNotEmpty as exc:
        print(f"genie: {exc}; nothing was imported", file=sys.stderr)
        sys.exit(1)
    print(f"genie: {count} events of {args.service} restored from {args.file}; "
          f"start the services and run `genie rebuild` to make the read models again")


def cmd_report(args) -> None:
    """Issue a report (recorded by reporting) and write it as XLSX or CSV; or make an issued one again."""
    import eventlet

    eventlet.monkey_patch()
    import getpass

    from nameko.standalone.rpc import ClusterRpcProxy

    import shared.remote  # noqa: F401  (remote errors arrive as our exceptions)
    from services.reporting.exports import WRITERS
    from shared.errors import InvalidCommand

    from shared import config

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
    except InvalidCommand as exc:
        print(f"genie: {exc}", file=sys.stderr)
        sys.exit(2)
    if "file_base64" in report:  # an issued report comes with its file, made before it was recorded
        with open(args.out, "wb") as out:
            out.write(base64.b64decode(report["file_base64"]))
    else:
        WRITERS[fmt](report, args.out)
    print(f"genie: report {report['report_id']} ({report['scope']}, {report['period']}, as of {report['as_of']}, "
          f"positions {report['positions']}) written to {args.out}")
    if args.reproduce:
        same = "the same figures" if report["matches"] else "DIFFERENT figures"
        print(f"genie: reproduced from the logs: {same} as when it was issued")
        if not report["matches"]:
            sys.exit(1)


def cmd_user(args) -> None:
    """Accounts live in the gateway's own database; no broker needed."""
    import getpass

    from services.gateway.accounts import AccountError, Accounts

    from shared import config

    def password():
        if args.password_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            print("genie: the two passwords differ", file=sys.stderr)
            sys.exit(2)
        return first

    accounts = Accounts(config.database_url("gateway"))
    try:
        if args.action == "add":
            made = accounts.add(args.username, password(), args.role, args.scope)
            print(f"genie: user {made['username']} added ({made['role']}, {made['scope']})")
        elif args.action == "disable":
            accounts.disable(args.username)
            print(f"genie: user {args.username} disabled")
        else:
            accounts.reset_password(args.username, password())
            print(f"genie: password of {args.username} reset")
    except AccountError as exc:
        print(f"genie: {exc}", file=sys.stderr)
        sys.exit(2)


def main(argv=None) -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    parser = argparse.ArgumentParser(prog="genie", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="run every service against AMQP_URI, each started again when it exits").set_defaults(func=cmd_up)
    run = sub.add_parser("run", help="run one service")
    run.add_argument("service", choices=sorted(SERVICE_CLASSES))
    run.set_defaults(func=cmd_run)
    health = sub.add_parser("health", help="exit 0 if a running service answers (a container health check)")
    health.add_argument("service", choices=sorted(SERVICE_CLASSES))
    health.set_defaults(func=cmd_health)
    rebuild = sub.add_parser("rebuild", help="rebuild a service's read models from the event logs")
    rebuild.add_argument("service", nargs="?", default="all", choices=sorted(SERVICE_CLASSES) + ["all"],
                         help="one service, or all of them (the default)")
    rebuild.add_argument("--timeout", type=float, default=600)
    rebuild.set_defaults(func=cmd_rebuild)
    export = sub.add_parser("export-events", help="back up a service's event log as JSON lines")
    export.add_argument("service", choices=sorted(LOG_SERVICES))
    export.add_argument("file")
    export.set_defaults(func=cmd_export_events)
    restore = sub.add_parser("import-events", help="restore a service's event log (JSON lines) into an empty database")
    restore.add_argument("service", choices=sorted(LOG_SERVICES))
    restore.add_argument("file")
    restore.set_defaults(func=cmd_import_events)
    seed = sub.add_parser("seed", help="enter a demo province through the services' commands (twice adds nothing)")
    seed.add_argument("what", choices=["demo"])
    seed.add_argument("--schools", type=int, default=60)
    seed.add_argument("--assets-per-school", type=int, default=50)
    seed.add_argument("--timeout", type=float, default=120)
    seed.add_argument("--province", type=_code, help="a province of its own beside others: its school codes "
                      "and ids begin with CODE- (by default the province OED, codes as OEDP001)")
    seed.add_argument("--region", type=_code, default="DOE", help="the region (academy) of its schools")
    seed.set_defaults(func=cmd_seed)
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
    user = sub.add_parser("user", help="manage the people who sign in to the gateway")
    user_sub = user.add_subparsers(dest="action", required=True)
    add = user_sub.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, help="coordinator, infrastructure, resources, training, "
                                                   "school_director, technician or viewer")
    add.add_argument("--scope", help="school:<code> for a school director; region:<code> or all for a viewer")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    disable = user_sub.add_parser("disable", help="disable a user (their tokens stop working)")
    disable.add_argument("username")
    reset = user_sub.add_parser("reset-password", help="set a new password")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    disable.set_defaults(password_stdin=False)
    user.set_defaults(func=cmd_user)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
