"""The `caseway` command: database, demo data, workers and the development server."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shared import PROJECT_ROOT, catalogs
from shared.cli_keys import keys_group
from shared.config import ConfigError, Settings, load_settings
from shared.db import make_engine, transaction
from shared.encryption import keys
from shared.jobs import outbox
from shared.jobs.queues import ALL_QUEUES
from shared.models import Notice, RoleCode
from shared.services import (
    demo,
    documents,
    feedback,
    health,
    notices,
    password_strength,
    schema,
    staff,
    staff_sign_in,
)
from shared.workflow import WorkflowError


def _friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """One clear line instead of a traceback for the faults an operator can fix."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ConfigError, WorkflowError) as error:
            raise click.ClickException(str(error)) from None
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise click.ClickException(f"cannot use the database: {reason}") from None

    return wrapper


@click.group()
def main() -> None:
    """Caseway: case management for public services."""


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@_friendly_errors
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema to the latest version."""
    engine = make_engine(load_settings().database_url)
    schema.upgrade(engine, revision)
    click.echo(f"database at revision {schema.current_revision(engine)}")


@db.command("current")
@_friendly_errors
def db_current() -> None:
    """Print the schema revision the database is at."""
    engine = make_engine(load_settings().database_url)
    click.echo(schema.current_revision(engine) or "empty (run `caseway db upgrade`)")


def _sessions(settings: Settings) -> Any:
    keys.configure_from(settings)
    return outbox.sessions_with_outbox(make_engine(settings.database_url), settings.redis_url)


@main.command("seed-demo")
@_friendly_errors
def seed_demo() -> None:
    """Add demo case types, teams, staff and cases (safe to run again)."""
    settings = load_settings()
    if settings.is_production:
        raise click.ClickException("seed-demo adds known passwords; it will not run in production")
    with transaction(_sessions(settings)) as session:
        summary = demo.seed(session)
    click.echo(f"demo data: {summary.cases_created} cases created, {summary.cases_total} in all")
    click.echo(f"staff sign-in (password for all: {demo.DEMO_PASSWORD}):")
    for role, email, team in summary.staff:
        click.echo(f"  {role:<14} {email:<30} {team or ''}".rstrip())
    click.echo(f"citizen: {demo.DEMO_CITIZEN_EMAIL} (signs in by emailed link)")
    click.echo(
        f"administrators also enter a code: add the key {demo.DEMO_TOTP_SECRET} to an "
        "authenticator app, or run `caseway demo-code`"
    )


@main.command("demo-code")
def demo_code() -> None:
    """The demo administrator's current two-factor sign-in code (not in production)."""
    if load_settings().is_production:
        raise click.ClickException("demo-code is for the demo; it will not run in production")
    import pyotp

    click.echo(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())


@main.command("create-staff")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in RoleCode])
)
@click.password_option()
@_friendly_errors
def create_staff(email: str, display_name: str, roles: tuple[str, ...], password: str) -> None:
    """Create a staff account."""
    _check_password(password, display_name, email)
    with transaction(_sessions(load_settings())) as session:
        _create(session, email, display_name, roles, password)
    click.echo(f"created {email} ({', '.join(roles)})")


def _check_password(password: str, display_name: str, email: str) -> None:
    """The same rules as the set-password page: long enough, and not easy to guess."""
    if len(password) < staff_sign_in.PASSWORD_MIN_LENGTH:
        raise click.ClickException(
            f"the password must be {staff_sign_in.PASSWORD_MIN_LENGTH} characters or more"
        )
    kind = password_strength.weakness(password, user_inputs=(display_name, email))
    if kind is not None:
        raise click.ClickException(
            f"that password is too easy to guess ({kind}): use three or four random words"
        )


def _create(
    session: Session, email: str, display_name: str, roles: tuple[str, ...], password: str
) -> None:
    staff.create_staff_user(
        session,
        email=email,
        display_name=display_name,
        password=password,
        roles=[RoleCode(r) for r in roles],
    )


@main.command("feedback")
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
@_friendly_errors
def feedback_command(limit: int) -> None:
    """Print the newest feedback on the service (until the back office shows it)."""
    with _sessions(load_settings())() as session:
        rows = feedback.recent_feedback(session, limit=limit)
        if not rows:
            click.echo("no feedback yet")
        for row in rows:
            when = row.created_at.strftime("%Y-%m-%d %H:%M")
            page = row.from_page or "-"
            click.echo(f"{when}  {row.satisfaction.value:<17} {row.locale:<7} {page}")
            if row.improvement:
                click.echo("    " + row.improvement.replace("\n", "\n    "))


@main.command("health")
@_friendly_errors
def health_command() -> None:
    """Check the database, Redis and clamd; exit 1 if the database is down."""
    settings = load_settings()
    body, can_serve = health.report(
        make_engine(settings.database_url), settings.redis_url, settings.clamd_url
    )
    for name, check in body["checks"].items():  # type: ignore[attr-defined]
        click.echo(f"{name:<9} {check['status']:<5} {check['detail']}")
    sys.exit(0 if can_serve else 1)


@main.group()
def i18n() -> None:
    """Translation catalogs (see TRANSLATING.md)."""


@i18n.command("extract")
def i18n_extract() -> None:
    """Collect every translatable string into translations/messages.pot."""
    catalogs.extract()
    click.echo(f"extracted into {catalogs.TEMPLATE}")


@i18n.command("update")
def i18n_update() -> None:
    """Merge messages.pot into each shipped locale's catalog (creating missing ones)."""
    for line in catalogs.update():
        click.echo(line)


@i18n.command("compile")
def i18n_compile() -> None:
    """Compile the catalogs to .mo files the apps read."""
    catalogs.compile_catalogs()
    click.echo("catalogs compiled")


@i18n.command("status")
def i18n_status() -> None:
    """Per locale and app: translated, fuzzy, missing; exit 1 below a threshold."""
    rows = catalogs.status()
    click.echo(
        f"{'locale':<8} {'app':<11} {'translated':>10} {'fuzzy':>6} {'missing':>8} "
        f"{'done':>7} {'needed':>7}"
    )
    for row in rows:
        needed = f"{row.threshold}%" if row.threshold is not None else "-"
        flag = "  BELOW" if row.is_below else ""
        click.echo(
            f"{row.locale:<8} {row.app:<11} {row.counts.translated:>10} "
            f"{row.counts.fuzzy:>6} {row.counts.missing:>8} "
            f"{row.counts.percent:>6.1f}% {needed:>7}{flag}"
        )
    sys.exit(1 if any(row.is_below for row in rows) else 0)


@main.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queue", "queues", multiple=True, type=click.Choice(ALL_QUEUES))
@_friendly_errors
def worker(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker (with RQ's scheduler, for retries) on Caseway's queues."""
    from shared.jobs.worker import run_worker

    run_worker(load_settings(), queues=queues or ALL_QUEUES, burst=burst)


@main.command("mail-in")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8026, show_default=True, type=click.IntRange(1, 65535))
@_friendly_errors
def mail_in(host: str, port: int) -> None:
    """Take residents' emailed replies (SMTP for the reply domain) onto their cases."""
    import threading

    from shared.mail_in.server import controller

    settings = load_settings()
    server = controller(settings, host=host, port=port)
    server.start()
    click.echo(f"mail-in: taking replies to *@{settings.reply_domain} on {host}:{port}")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@main.command("scheduler")
@_friendly_errors
def scheduler() -> None:
    """Run RQ's cron scheduler for Caseway's periodic jobs (one per deployment)."""
    from shared.jobs.schedule import build_scheduler

    build_scheduler(load_settings()).start()  # type: ignore[no-untyped-call]


@main.group("notices")
def notices_group() -> None:
    """Outgoing notices."""


@notices_group.command("status")
@_friendly_errors
def notices_status() -> None:
    """Count notices by delivery state and show the oldest still pending."""
    with _sessions(load_settings())() as session:
        summary = notices.summary(session)
    for state, count in summary.counts.items():
        click.echo(f"{state:<17} {count}")
    if summary.oldest_pending_at is not None:
        click.echo(
            f"oldest pending since {summary.oldest_pending_at.isoformat(timespec='seconds')}"
        )
    for notice_id, attempts, due_at, reason in summary.retrying:
        due = due_at.isoformat(timespec="seconds") if due_at else "now"
        click.echo(
            f"retrying: notice {notice_id}: attempt {attempts + 1} of "
            f"{notices.MAX_ATTEMPTS} at {due}: {reason}"
        )
    for notice_id, state, reason in summary.needing_attention:
        click.echo(f"needs attention: notice {notice_id} ({state}): {reason}")
    if summary.needing_attention:
        click.echo("check each with the mail server's log, then: caseway notices resend ID")


@notices_group.command("resend")
@click.argument("notice_id", type=int)
@_friendly_errors
def notices_resend(notice_id: int) -> None:
    """Send a notice again (after checking it was not delivered), with a new Message-ID."""
    with transaction(_sessions(load_settings())) as session:
        notice = session.get(Notice, notice_id)
        if notice is None:
            raise click.ClickException(f"there is no notice {notice_id}")
        try:
            notices.resend(session, notice=notice, actor=None)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"notice {notice_id} queued to be sent again")


@main.group("documents")
def documents_group() -> None:
    """Uploaded documents and their virus scans."""


@documents_group.command("status")
@_friendly_errors
def documents_status() -> None:
    """Count documents by scan state (what is waiting, held, or could not be checked)."""
    with _sessions(load_settings())() as session:
        for state, count in documents.scan_summary(session).items():
            click.echo(f"{state:<14} {count}")


@documents_group.command("sweep")
@_friendly_errors
def documents_sweep() -> None:
    """Enqueue a scan for every document still waiting for one (the scheduler does this
    every two minutes; run it by hand after bringing Redis or clamd back)."""
    from shared.jobs.scans import sweep_scans

    enqueued = sweep_scans()
    click.echo(f"{enqueued} scan{'s' if enqueued != 1 else ''} enqueued")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--portal-port", default=5000, show_default=True)
@click.option("--backoffice-port", default=5001, show_default=True)
@click.option("--no-worker", is_flag=True, help="Do not start a worker alongside.")
@click.option("--debug", is_flag=True, help="Reload on code changes and show the debugger.")
@_friendly_errors
def serve(host: str, portal_port: int, backoffice_port: int, no_worker: bool, debug: bool) -> None:
    """Development: the portal, the back office and a worker in one command."""
    settings = load_settings()  # fail here, once, on bad configuration
    flask = [sys.executable, "-m", "flask", "--app"]
    extra = ["--debug"] if debug else []
    commands = [
        [*flask, "wsgi:portal", "run", "--host", host, "--port", str(portal_port), *extra],
        [*flask, "wsgi:backoffice", "run", "--host", host, "--port", str(backoffice_port), *extra],
    ]
    if not no_worker:
        commands.append([sys.executable, "-m", "shared.cli", "worker"])
        commands.append([sys.executable, "-m", "shared.cli", "scheduler"])
    commands.extend(_development_mail_catcher(settings))
    click.echo(f"portal:      http://{host}:{portal_port}/")
    click.echo(f"back office: http://{host}:{backoffice_port}/")
    _run_together(commands)


def _development_mail_catcher(settings: Settings) -> list[list[str]]:
    """Outside production, with no mail server configured, print each email to the console."""
    from shared.notices.mail import SmtpSettings

    smtp = SmtpSettings.from_url(settings.smtp_url)
    if settings.is_production or smtp.host not in ("127.0.0.1", "localhost"):
        return []
    if health.port_is_open(smtp.host, smtp.port):
        return []
    click.echo(f"mail:        printed here (a catcher on {smtp.host}:{smtp.port})")
    return [[sys.executable, "-m", "shared.notices.catcher", f"{smtp.host}:{smtp.port}"]]


def _run_together(commands: list[list[str]]) -> None:
    processes = [subprocess.Popen(command, cwd=PROJECT_ROOT) for command in commands]  # noqa: S603

    def stop(*_: object) -> None:
        for process in processes:
            process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes):
            try:
                processes[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            process.wait(timeout=10)
        click.echo(
            "\nStopped the apps, the worker, the scheduler and the mail catcher. Redis and "
            "clamd keep running for next time: scripts/services.sh stop ends them."
        )


main.add_command(keys_group)  # shared/cli_keys.py: `caseway keys new | rotate`


if __name__ == "__main__":
    main()
