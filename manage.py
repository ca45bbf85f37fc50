"""City Vitals command line: ``python manage.py COMMAND``.

Commands: init, load, forecast, warn, audit, stats, bench, city, screen, topics, facilities, users, sql, scheduler,
hourly, notify. Every command reads the same settings as the app (``CITYVITALS_*`` environment variables; see
``settings.py``) and acts as the system (recorded as such, with the operating-system user, in the audit log);
``load`` and ``facilities load`` with ``--user NAME`` act as that
account instead, its clearance and scope checked like the upload page's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

# The forecast batch forks one process per core; multi-threaded BLAS in each would fight for them.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from settings import get_settings


def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the store, load the catalog and cities, generate missing demo data."""
    from indicators.bootstrap import init_store

    settings = get_settings()
    keys = tuple(args.city) if args.city else settings.demo_city_keys
    report = init_store(settings.database_url, city_keys=keys, seed=settings.demo_seed, progress=not args.quiet)
    generated = ", ".join(f"{k}: {n:,} observations" for k, n in report.generated.items()) or "no demo data needed"
    print(f"store ready in {report.seconds:.1f} s ({report.indicators_changed} indicator definitions written; {generated})")
    if report.warnings is not None:
        _print_warnings(report.warnings)
    return 0


@contextmanager
def _as_account(username: str | None):
    """Act as the account ``username`` (its role, clearance and scope apply, and it is recorded), or as the
    system when None.

    Raises:
        AccessDenied: no such account, or a disabled one (the refusal is audited).
    """
    from indicators.accounts.access import acting_as
    from indicators.accounts.audit import refuse
    from indicators.accounts.users import account_named

    if username is None:
        yield None
        return
    account = account_named(username)
    if account is None or not account.active:
        raise refuse(username, {"action": "command", "reason": "no such active account"},
                     f"没有该启用账号 / no active account {username!r}")
    with acting_as(account.viewer()) as viewer:
        yield viewer


def cmd_load(args: argparse.Namespace) -> int:
    """Validate and load a department's CSV/XLSX file, as the account --user when given; print the row-level report."""
    from indicators.accounts.access import AccessDenied
    from indicators.ingest.loading import STORE_DOWN, load_file
    from indicators.store import db

    settings = get_settings()
    db.use(settings.database_url)
    try:
        with _as_account(args.user):
            report = load_file(Path(args.file), user=args.user, dry_run=args.dry_run, city_key=args.city,
                               sheet=args.sheet)
    except AccessDenied as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except db.StoreUnavailable:
        print(f"{args.file}: {STORE_DOWN}", file=sys.stderr)
        return 1
    print(report.text())
    if report.ok and not args.dry_run and (report.inserted or report.updated):
        _warn()
    return 0 if report.ok else 1


def cmd_forecast(args: argparse.Namespace) -> int:
    """Forecast every series whose data changed (all with --all), then evaluate the warnings."""
    from indicators.forecasts.batch import run_batch, summary
    from indicators.store import db

    db.use(get_settings().database_url)
    horizons = dict(_horizon(h) for h in args.horizon or [])
    report = run_batch(everything=args.all, workers=args.workers, horizons=horizons, prophet=args.prophet,
                       progress=not args.quiet, city=args.city, cluster=args.cluster)
    print(summary(report))
    _warn()
    return 0


def _horizon(text: str) -> tuple[str, int]:
    frequency, _, periods = text.partition("=")
    if frequency not in ("daily", "weekly", "monthly", "quarterly", "yearly") or not periods.isdigit():
        raise argparse.ArgumentTypeError(f"--horizon wants FREQUENCY=PERIODS, e.g. daily=60, not {text!r}")
    return frequency, int(periods)


def _warn() -> None:
    from indicators.warnings.alerts import run_warnings

    _print_warnings(run_warnings())


def _print_warnings(report) -> None:
    levels = ", ".join(f"{rule}/{level} {n}" for (rule, level), n in sorted(report.findings.items()))
    print(f"warnings: {report.series} series evaluated in {report.seconds:.2f} s; {report.opened} opened, "
          f"{report.escalated} escalated, {report.updated} updated, {report.resolved} resolved"
          + (f"; firing now: {levels}" if levels else ""))


def cmd_warn(args: argparse.Namespace) -> int:
    """Evaluate the warning rules over the whole store and update the alerts."""
    from indicators.store import db

    db.use(get_settings().database_url)
    _warn()
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Check every identity of the cities' figures in the store (AQI, rain, totals, growth, ranges …)."""
    from geo.cities import get_city, load_cities
    from indicators.catalog.entries import load_catalog
    from indicators.demo.audit import audit_store
    from indicators.store import db
    from indicators.views.queries import cities

    db.use(get_settings().database_url)
    keys = args.city or [key for key in cities()["key"] if key in load_cities()]
    catalog, ok = load_catalog(), True
    for key in keys:
        report = audit_store(get_city(key), catalog)
        print(report.text())
        ok &= report.ok
    return 0 if ok else 1


def cmd_stats(args: argparse.Namespace) -> int:
    """Print what the store holds."""
    from indicators.store import db
    from indicators.views.queries import store_stats

    db.use(get_settings().database_url)
    stats = store_stats()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
    else:
        print(f"indicators: {stats['indicators']}")
        for name in ("themes", "topics"):
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in stats[name].items()))
        for key, city in stats["cities"].items():
            print(f"{key}: {city['areas']} areas, {city['observations']:,} observations")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the store benchmark and print its figures."""
    from benchmarks.store_bench import main as bench_main

    return bench_main(args.bench_args)


def cmd_city(args: argparse.Namespace) -> int:
    """Add a prefecture-level city by adcode from the bundled all-China boundaries."""
    from geo.cities import add_city

    from geo.cities import local_cities_file
    from indicators.catalog.city_departments import write_generic_list

    city = add_city(args.key, args.adcode, name_en=args.name_en)
    departments = get_settings().data_path / "city_departments.yaml"
    write_generic_list(city, departments)
    print(f"configured {city.key}: {city.name_zh} ({city.adcode}) with {len(city.districts)} districts in "
          f"{local_cities_file()}; it gets the generic topics and playlist, and its departments to edit in "
          f"{departments}; run "
          f"`python manage.py init --city {city.key}` to store it, generate its demo data and evaluate its warnings")
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    """Check, export or import the big screen's definitions and playlists (a broken file is refused whole)."""
    from indicators.catalog.screens import active_screens_file, export_screens, load_screens, parse_screens
    from indicators.catalog.topics import load_topics
    from indicators.catalog.yamlfile import ConfigFileError

    data_path = get_settings().data_path
    if args.screen_command == "export":
        text = export_screens(load_screens(active_screens_file(data_path)))
        if args.file:
            Path(args.file).write_text(text, encoding="utf-8")
        else:
            print(text, end="")
        return 0
    source = Path(args.file) if args.file else active_screens_file(data_path)
    try:
        registry = parse_screens(source.read_text(encoding="utf-8"), load_topics(), source=source.name)
    except ConfigFileError as exc:
        print(f"refused, nothing changed:\n{exc}", file=sys.stderr)
        return 1
    screens, cities = len(registry.data.screens), len(registry.data.playlists)
    if args.screen_command == "import":
        from indicators.ingest.screen_edits import save_screens
        from indicators.store import db

        db.use(get_settings().database_url)
        saved = save_screens(source.read_text(encoding="utf-8"), data_path, via="import", source=source.name,
                             unchanged_is_kept=True)  # audited, and the walls' cached answers go stale
        target = data_path / "screens.yaml"
        print(f"imported {screens} screens and {cities} playlists into {target}"
              + (f"; the previous version is {target.with_name(saved.kept)}" if saved.kept else ""))
    else:
        print(f"{source}: {screens} screens and {cities} playlists are valid")
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    """Check, export or import each city's topics (a broken file, or one that would break the screens, is refused)."""
    from indicators.catalog.topics import active_topics_file
    from indicators.catalog.yamlfile import ConfigFileError
    from indicators.ingest.topic_edits import check_topics, save_topics, topic_count, topics_text

    data_path = get_settings().data_path
    if args.topics_command == "export":
        text = topics_text(data_path)
        if args.file:
            Path(args.file).write_text(text, encoding="utf-8")
        else:
            print(text, end="")
        return 0
    source = Path(args.file) if args.file else active_topics_file(data_path)
    text = source.read_text(encoding="utf-8")
    try:
        cities, topics = topic_count(check_topics(text, data_path, source=source.name))
    except ConfigFileError as exc:
        print(f"refused, nothing changed:\n{exc}", file=sys.stderr)
        return 1
    if args.topics_command == "import":
        from indicators.store import db

        db.use(get_settings().database_url)
        saved = save_topics(text, data_path, via="import", source=source.name, unchanged_is_kept=True)
        target = data_path / "topics.yaml"
        print(f"imported {topics} topics ({cities} cities with their own) into {target}"
              + (f"; the previous version is {target.with_name(saved.kept)}" if saved.kept else ""))
    else:
        print(f"{source}: {topics} topics ({cities} cities with their own) are valid")
    return 0


def cmd_facilities(args: argparse.Namespace) -> int:
    """Validate and load a city's facilities CSV (the map's point layers), as the account --user when given;
    print the row-level report."""
    from indicators.accounts.access import AccessDenied
    from indicators.ingest.facilities import load_facilities
    from indicators.store import db

    db.use(get_settings().database_url)
    try:
        with _as_account(args.user):
            report = load_facilities(Path(args.file), args.city, user=args.user)
    except AccessDenied as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    print(report.text())
    return 0 if report.ok else 1


def _new_password(args: argparse.Namespace) -> str | None:
    """The password from standard input (--password-stdin), typed twice at a terminal, or None (generate one)."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise SystemExit("the two passwords differ")
        return first
    return None


def cmd_users(args: argparse.Namespace) -> int:
    """Accounts: add, list, change, disable, enable, reset-password."""
    from indicators.accounts import users
    from indicators.store import db

    db.use(get_settings().database_url)
    try:
        if args.users_command == "list":
            frame = users.list_users()
            if args.json:
                print(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
            else:
                for row in frame.itertuples():
                    scope = row.city_key if isinstance(row.city_key, str) else "all cities"
                    scope += f" ({row.districts})" if row.districts else ""
                    state = "active" if row.active else "DISABLED"
                    print(f"{row.username:<20} {row.role:<9} {row.clearance:<11} {scope:<28} {state}")
            return 0
        if args.users_command == "add":
            typed = _new_password(args)
            generated, password = typed is None, typed or users.generate_password(args.username)
            account = users.create_user(args.username, password, args.role,
                                        display_name=args.name or "", clearance=args.clearance,
                                        city_key=args.city, districts=tuple(args.district or ()))
            print(f"added {account.username} ({account.role}, clearance {account.clearance})")
        elif args.users_command == "change":
            users.update_user(args.username, role=args.role, clearance=args.clearance, city_key=args.city,
                              districts=tuple(args.district) if args.district is not None else None,
                              display_name=args.name, clear_clearance=args.role_clearance)
            print(f"changed {args.username}; its sessions have ended if its rights changed")
            return 0
        elif args.users_command in ("disable", "enable"):
            users.update_user(args.username, active=args.users_command == "enable")
            print(f"{args.users_command}d {args.username}")
            return 0
        else:
            password = _new_password(args)
            generated = password is None
            password = users.reset_password(args.username, password)
            print(f"new password set for {args.username}; its sessions have ended")
        if generated:
            print(f"password (shown once): {password}")
    except users.AccountError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    """SQL sources: list them, or run one now (its rows loaded like a file, or only checked with --dry-run)."""
    from indicators.ingest.sql_sources import SqlSourceError, run_source, sources
    from indicators.store import db

    db.use(get_settings().database_url)
    if args.sql_command == "list":
        for row in sources().itertuples():
            state = "active" if row.active else "paused"
            print(f"{row.name:<20} every {row.every_minutes:>4} min  {state:<6} last: {row.last_status or 'never run'}"
                  f"  {row.url}")
        return 0
    try:
        run = run_source(args.name, dry_run=args.dry_run)
    except SqlSourceError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    print(f"{run.name}: {run.message}")
    if run.load is not None and run.load.errors:
        print(run.load.text())
    if run.ok and not args.dry_run:
        _warn()
    return 0 if run.ok else 1


def _scheduled(name: str, job) -> None:
    """Run one scheduled job, logging how it went; a failure is logged and the schedule goes on."""
    import logging
    import time

    log = logging.getLogger("cityvitals.scheduler")
    started = time.perf_counter()
    try:
        outcome = job()
    except Exception:
        log.exception("job %s failed", name, extra={"job": name})
        return
    log.info("job %s done", name, extra={"job": name, "seconds": round(time.perf_counter() - started, 2),
                                          "outcome": outcome})


def _sources_job() -> dict:
    from indicators.ingest.sql_sources import run_due_sources
    from indicators.warnings.alerts import run_warnings

    runs = run_due_sources()
    if any(run.ok and run.load and (run.load.inserted or run.load.updated) for run in runs):
        run_warnings()
    return {run.name: "ok" if run.ok else run.message for run in runs}


def _forecast_job() -> dict:
    from indicators.forecasts.batch import run_batch
    from indicators.warnings.alerts import run_warnings

    report = run_batch(progress=False)
    warned = run_warnings()
    return {"series": report.done, "failed": len(report.failed), "alerts_opened": warned.opened}


def _warnings_job() -> dict:
    from indicators.warnings.alerts import run_warnings

    report = run_warnings()
    return {"series": report.series, "opened": report.opened, "resolved": report.resolved}


def _hourly_retention_job() -> dict:
    from indicators.ingest.hourly import prune_hours

    return {"deleted": prune_hours(get_settings().hourly_retention_days)}


def cmd_hourly(args: argparse.Namespace) -> int:
    """Hourly values: delete those older than the retention (CITYVITALS_HOURLY_RETENTION_DAYS or --days)."""
    from indicators.ingest.hourly import prune_hours
    from indicators.store import db

    settings = get_settings()
    db.use(settings.database_url)
    days = args.days or settings.hourly_retention_days
    print(f"deleted {prune_hours(days)} hourly values older than {days} days (their daily values stay)")
    return 0


def _notify_job() -> dict:
    from indicators.warnings.notify import notify_tick

    report = notify_tick()
    return {"routed": report.routed, "escalated": report.escalated, "sent": report.delivery.sent,
            "failed": report.delivery.failed, "given_up": report.delivery.given_up}


def _briefing_job(kind: str) -> dict:
    from indicators.views.briefing import send_briefings
    from pages._briefing_parts import webhook_text
    from pages._briefing_pdf import render_mail

    report = send_briefings(kind, render_mail, summarize=webhook_text)
    return {"kind": kind, "written": report.written, "skipped": report.skipped, "refused": report.refused}


BRIEFING_TRIGGERS = {"daily": {}, "weekly": {"day_of_week": "mon"}, "monthly": {"day": 1}}


def add_briefing_jobs(scheduler, at: str) -> None:
    """The briefings at ``at`` (HH:MM): daily every morning, weekly on Mondays, monthly on the 1st."""
    hour, minute = (int(part) for part in at.split(":"))
    for kind, when in BRIEFING_TRIGGERS.items():
        scheduler.add_job(_scheduled, "cron", args=(f"briefing-{kind}", lambda kind=kind: _briefing_job(kind)),
                          hour=hour, minute=minute, id=f"briefing-{kind}", name=f"briefing-{kind}", **when)


def _clock(text: str) -> str:
    """HH:MM, for argparse."""
    hour, _, minute = text.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise argparse.ArgumentTypeError(f"{text!r}: expected HH:MM")
    return f"{int(hour):02d}:{int(minute):02d}"


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Run the batches on a schedule until stopped: due SQL sources every minute, the warnings every hour
    (lateness grows with the clock), the incremental forecast (then the warnings) every --forecast-minutes,
    the notification tick (routing, deadlines, the outbox) every minute, and the briefings at --briefing-at:
    daily every morning, weekly on Mondays, monthly on the 1st (each subscriber once per period).
    Run one scheduler per installation, beside the web workers."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from indicators.store import db
    from web.logs import configure

    settings = get_settings()
    configure(settings.log_as_json)
    db.use(settings.database_url)
    scheduler = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    jobs = (("sql-sources", _sources_job, 1), ("warnings", _warnings_job, 60),
            ("forecast", _forecast_job, args.forecast_minutes), ("notify", _notify_job, 1),
            ("hourly-retention", _hourly_retention_job, 60))
    for name, job, minutes in jobs:
        scheduler.add_job(_scheduled, "interval", args=(name, job), minutes=minutes, id=name, name=name,
                          next_run_time=datetime.now())
    add_briefing_jobs(scheduler, args.briefing_at)
    print(f"scheduler: SQL sources and notifications every minute, warnings and old hourly values every 60 min, "
          f"forecasts every {args.forecast_minutes} min, briefings at {args.briefing_at} "
          "(Ctrl-C stops)", flush=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    """Notifications: add a contact or a webhook channel (audited), or run one tick now."""
    from indicators.store import db
    from indicators.warnings.notify import notify_tick
    from indicators.warnings.routing import NotifyConfigError, add_channel, add_contact

    db.use(get_settings().database_url)
    try:
        if args.notify_command == "contact":
            number = add_contact(email=args.email, role=args.role, department=args.department or "",
                                 username=args.user or "", name=args.name or "", city_key=args.city,
                                 clearance=args.clearance, lang=args.lang, briefings=args.briefings or "")
            print(f"contact #{number} added: {args.email} ({args.role})")
        elif args.notify_command == "channel":
            secret = os.environ.get("CITYVITALS_CHANNEL_SECRET", "")  # kept out of the shell's history
            number = add_channel(args.name, kind=args.kind, url=args.url, secret=secret, msg_format=args.format,
                                 city_key=args.city, department=args.department or "", clearance=args.clearance,
                                 briefings=args.briefings or "", lang=args.lang)
            print(f"channel #{number} added: {args.name} ({args.kind}{', signed' if secret else ''})")
        elif args.notify_command == "briefing":
            print(_briefing_job(args.kind))
        else:
            report = notify_tick()
            print(f"routed {report.routed}, escalated {report.escalated}, sent {report.delivery.sent}, "
                  f"failed {report.delivery.failed}, given up {report.delivery.given_up}")
    except NotifyConfigError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create or upgrade the store; load catalog; generate demo data if empty")
    init.add_argument("--city", action="append", help="city key to generate demo data for (repeatable)")
    init.add_argument("--quiet", action="store_true", help="no progress bars")
    init.set_defaults(func=cmd_init)

    load = sub.add_parser("load", help="import a department's CSV or XLSX file")
    load.add_argument("file")
    load.add_argument("--dry-run", action="store_true", help="only validate; write nothing")
    load.add_argument("--user", help="load as this account: its clearance and scope apply, and it is recorded "
                                     "(default: the system, recorded as the operating-system user)")
    load.add_argument("--city", help="city key, so that district names resolve unambiguously (and a table without "
                                     "an area column holds this city's values)")
    load.add_argument("--sheet", help="XLSX sheet: its name, its number as the tabs are counted (1 = first), or 'all' "
                                      "for every sheet holding a table (default: the first sheet holding one)")
    load.set_defaults(func=cmd_load)

    forecast = sub.add_parser("forecast", help="forecast the series whose data changed, then evaluate warnings")
    forecast.add_argument("--all", action="store_true", help="redo every series")
    forecast.add_argument("--workers", type=int, help="processes (default: all cores)")
    forecast.add_argument("--prophet", choices=("none", "headline", "all"), default="headline",
                          help="which daily/weekly series may use Prophet (default: city-level headlines)")
    forecast.add_argument("--horizon", action="append", metavar="FREQ=N", help="e.g. daily=60 (repeatable)")
    forecast.add_argument("--quiet", action="store_true", help="no progress bar")
    forecast.add_argument("--city", help="only this city's series (a city key)")
    forecast.add_argument("--cluster", help="Dask scheduler to run on, e.g. tcp://10.0.0.5:8786 (default: "
                                            "CITYVITALS_FORECAST_CLUSTER; '' for local processes)")
    forecast.set_defaults(func=cmd_forecast)

    warn = sub.add_parser("warn", help="evaluate the warning rules and update the alerts")
    warn.set_defaults(func=cmd_warn)

    audit = sub.add_parser("audit", help="check every identity of the cities' figures in the store")
    audit.add_argument("--city", action="append", help="city key (repeatable; default: every city in the store)")
    audit.set_defaults(func=cmd_audit)

    stats = sub.add_parser("stats", help="what the store holds")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_stats)

    bench = sub.add_parser("bench", help="store benchmarks; options as in benchmarks/store_bench.py --help",
                           add_help=False)
    bench.set_defaults(func=cmd_bench)

    city = sub.add_parser("city", help="configure another city")
    city_sub = city.add_subparsers(dest="city_command", required=True)
    add = city_sub.add_parser("add", help="add a prefecture-level city by adcode")
    add.add_argument("key")
    add.add_argument("adcode")
    add.add_argument("--name-en")
    add.set_defaults(func=cmd_city)

    screen = sub.add_parser("screen", help="the big screen's definitions and playlists: check, export, import")
    screen_sub = screen.add_subparsers(dest="screen_command", required=True)
    for name, text in (("check", "validate a screens file (default: the one in use)"),
                       ("export", "write the screens in use as a file (default: to standard output)"),
                       ("import", "validate a screens file and make it the installation's (in the data folder)")):
        command = screen_sub.add_parser(name, help=text)
        command.add_argument("file", nargs="?" if name != "import" else None)
        command.set_defaults(func=cmd_screen)

    topics = sub.add_parser("topics", help="each city's topics (专题): check, export, import")
    topics_sub = topics.add_subparsers(dest="topics_command", required=True)
    for name, text in (("check", "validate a topics file (default: the one in use)"),
                       ("export", "write the topics in use as a file (default: to standard output)"),
                       ("import", "validate a topics file and make it the installation's (in the data folder)")):
        command = topics_sub.add_parser(name, help=text)
        command.add_argument("file", nargs="?" if name != "import" else None)
        command.set_defaults(func=cmd_topics)

    facilities = sub.add_parser("facilities", help="the map's point layers (schools, hospitals …)")
    facilities_sub = facilities.add_subparsers(dest="facilities_command", required=True)
    facilities_load = facilities_sub.add_parser("load", help="load a city's facilities CSV (all rows valid or nothing)")
    facilities_load.add_argument("file")
    facilities_load.add_argument("--city", required=True, help="city key")
    facilities_load.add_argument("--user", help="load as this account: its scope applies, and it is recorded "
                                                "(default: the system)")
    facilities_load.set_defaults(func=cmd_facilities)

    accounts = sub.add_parser("users", help="accounts: add, list, change, disable, enable, reset-password")
    accounts_sub = accounts.add_subparsers(dest="users_command", required=True)
    listing = accounts_sub.add_parser("list", help="every account with its role, clearance and scope")
    listing.add_argument("--json", action="store_true")
    add_user = accounts_sub.add_parser("add", help="add an account (password typed, from --password-stdin, or "
                                                   "generated and shown once)")
    change = accounts_sub.add_parser("change", help="change an account's role, clearance or scope")
    for sub_parser, required in ((add_user, True), (change, False)):
        sub_parser.add_argument("username")
        sub_parser.add_argument("--role", required=required, choices=("viewer", "analyst", "operator", "leader", "admin"))
        sub_parser.add_argument("--name", help="display name")
        sub_parser.add_argument("--clearance", choices=("public", "internal", "restricted"),
                                help="its own clearance (default: the role's)")
        sub_parser.add_argument("--city", help="bind the account to one city (change: '' removes the binding)")
        sub_parser.add_argument("--district", action="append", help="bind it to a district of that city (repeatable)")
    add_user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    change.add_argument("--role-clearance", action="store_true", help="go back to the role's clearance")
    for name in ("disable", "enable"):
        accounts_sub.add_parser(name, help=f"{name} an account (disabling ends its sessions)").add_argument("username")
    reset = accounts_sub.add_parser("reset-password", help="set a new password and end the account's sessions")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    accounts.set_defaults(func=cmd_users)

    sql = sub.add_parser("sql", help="SQL sources: list them, run one now")
    sql_sub = sql.add_subparsers(dest="sql_command", required=True)
    sql_sub.add_parser("list", help="the registered sources (passwords hidden)")
    run = sql_sub.add_parser("run", help="run one source now: its rows loaded like a file")
    run.add_argument("name")
    run.add_argument("--dry-run", action="store_true", help="only check the rows; write nothing")
    sql.set_defaults(func=cmd_sql)

    scheduler = sub.add_parser("scheduler", help="run SQL sources, warnings and forecasts on a schedule")
    scheduler.add_argument("--forecast-minutes", type=int, default=360, help="between incremental forecasts")
    scheduler.add_argument("--briefing-at", default="07:30", type=_clock,
                           help="when the briefings are mailed (HH:MM): daily, weekly on Mondays, monthly on the 1st")
    scheduler.set_defaults(func=cmd_scheduler)

    hourly = sub.add_parser("hourly", help="hourly values: delete those older than the retention")
    hourly_sub = hourly.add_subparsers(dest="hourly_command", required=True)
    prune = hourly_sub.add_parser("prune", help="delete hourly values older than --days (daily values stay)")
    prune.add_argument("--days", type=int, help="default: CITYVITALS_HOURLY_RETENTION_DAYS (90)")
    prune.set_defaults(func=cmd_hourly)

    notify = sub.add_parser("notify", help="notifications: add contacts and webhook channels, run a tick")
    notify_sub = notify.add_subparsers(dest="notify_command", required=True)
    contact = notify_sub.add_parser("contact", help="add an e-mail address: a mailbox, member, head or leader")
    contact.add_argument("email")
    contact.add_argument("--role", required=True, choices=("mailbox", "member", "head", "leader"))
    contact.add_argument("--department", help="the department (as in the catalog), for mailbox, member, head")
    contact.add_argument("--user", help="the person's account: their clearance and scope apply")
    contact.add_argument("--name")
    contact.add_argument("--city", help="only this city's alerts (default: every city)")
    contact.add_argument("--clearance", default="internal", help="a mailbox's clearance (public/internal/restricted)")
    contact.add_argument("--lang", default="zh", choices=("zh", "en"))
    contact.add_argument("--briefings", help="briefings subscribed: daily,weekly,monthly")
    channel = notify_sub.add_parser("channel", help="add a webhook (secret from CITYVITALS_CHANNEL_SECRET)")
    channel.add_argument("name")
    channel.add_argument("--kind", required=True, choices=("dingtalk", "wecom", "platform"))
    channel.add_argument("--url", required=True)
    channel.add_argument("--format", default="markdown", choices=("text", "markdown"))
    channel.add_argument("--city")
    channel.add_argument("--department", help="only alerts routed to this department (default: all of the city)")
    channel.add_argument("--clearance", default="internal")
    channel.add_argument("--briefings", help="briefings it also gets, as a short summary: daily,weekly,monthly")
    channel.add_argument("--lang", default="zh", choices=("zh", "en"), help="the language of its alerts and briefings")
    notify_sub.add_parser("tick", help="route, escalate and deliver now (the scheduler does it every minute)")
    briefing = notify_sub.add_parser("briefing", help="send the briefing to its subscribers, e-mail and webhooks, "
                                                      "now (once a period)")
    briefing.add_argument("--kind", default="daily", choices=("daily", "weekly", "monthly"))
    notify.set_defaults(func=cmd_notify)
    add_token_commands(sub)
    return parser


def cmd_tokens(args: argparse.Namespace) -> int:
    """API tokens: add (the secret printed once), list, revoke."""
    from indicators.accounts import tokens
    from indicators.accounts.users import AccountError
    from indicators.store import db

    db.use(get_settings().database_url)
    try:
        if args.tokens_command == "list":
            for row in tokens.list_tokens().itertuples():
                state = "revoked" if isinstance(row.revoked_at, datetime) else (
                    f"expires {row.expires_at:%Y-%m-%d}" if isinstance(row.expires_at, datetime) else "no expiry")
                scope = (row.city_key if isinstance(row.city_key, str) else "all cities") + (
                    f" ({row.districts})" if row.districts else "")
                print(f"{row.name:<24} {row.prefix}… {row.owner or 'service':<16} {row.role:<9} {row.clearance:<11} "
                      f"{scope:<28} {'read+write' if row.writes else 'read':<10} {state}")
        elif args.tokens_command == "add":
            secret = tokens.create_token(args.name, owner=args.owner, role=args.role, clearance=args.clearance,
                                         city_key=args.city, districts=tuple(args.district or ()), writes=args.write,
                                         expires_days=None if args.days == 0 else args.days)
            print(f"token {args.name} (shown once, keep it safe): {secret}")
        else:
            tokens.revoke_token(args.name)
            print(f"revoked {args.name}")
    except AccountError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    return 0


def add_token_commands(sub) -> None:
    """``manage.py tokens add|list|revoke``."""
    parser = sub.add_parser("tokens", help="API tokens of people and service accounts: add, list, revoke")
    tokens_sub = parser.add_subparsers(dest="tokens_command", required=True)
    tokens_sub.add_parser("list", help="every token (never its secret)")
    add = tokens_sub.add_parser("add", help="make a token; its secret is printed once")
    add.add_argument("name")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--owner", help="a personal token of this account (its role; clearance and scope within its own)")
    who.add_argument("--role", choices=("viewer", "analyst", "operator", "leader", "admin"),
                     help="a service account with this role")
    add.add_argument("--clearance", choices=("public", "internal", "restricted"))
    add.add_argument("--city", help="bind the token to one city")
    add.add_argument("--district", action="append", help="bind it to a district of that city (repeatable)")
    add.add_argument("--write", action="store_true", help="may push data and act on alerts (within its role)")
    add.add_argument("--days", type=int, default=90, help="days until it expires (0: never; default 90)")
    tokens_sub.add_parser("revoke", help="revoke a token at once").add_argument("name")
    parser.set_defaults(func=cmd_tokens)


def main(argv: list[str] | None = None) -> int:
    """Run one command."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command != "bench" and extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.bench_args = extra
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
