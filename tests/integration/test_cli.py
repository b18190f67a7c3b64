"""The `caseway` command as an operator runs it: a real process, real exit codes."""

import os
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select

from shared import PROJECT_ROOT
from shared.db import make_engine, make_session_factory
from shared.models import Case, StaffUser
from shared.services import demo, schema


def caseway(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "CASEWAY_DOTENV": "/dev/null", **env},
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://nobody@127.0.0.1:1/caseway", "cannot use the database: connection failed"),
        ("oracle://scott@db/orcl", "Caseway supports sqlite and postgresql"),
        ("::nonsense::", "CASEWAY_DATABASE_URL is not a database URL"),
    ],
)
def test_a_bad_database_url_gives_one_clear_line_not_a_traceback(url: str, message: str) -> None:
    result = caseway("db", "upgrade", env={"CASEWAY_DATABASE_URL": url})
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_then_seed_demo_twice(fresh_database_url: str, tmp_path: Path) -> None:
    env = {"CASEWAY_DATABASE_URL": fresh_database_url, "CASEWAY_INSTANCE_DIR": str(tmp_path)}
    assert (
        caseway("db", "upgrade", env=env).stdout.strip()
        == f"database at revision {schema.head_revision()}"
    )
    first = caseway("seed-demo", env=env)
    second = caseway("seed-demo", env=env)
    assert first.returncode == 0, first.stderr
    count = demo.expected_case_count()
    assert f"{count} cases created, {count} in all" in first.stdout
    assert f"0 cases created, {count} in all" in second.stdout
    assert "password for all: caseway-demo" in second.stdout
    assert "supervisor@caseway.example" in second.stdout
    assert "supervisor2@caseway.example" in second.stdout
    assert demo.DEMO_TOTP_SECRET in second.stdout  # the demo administrator's app key
    code = caseway("demo-code", env=env).stdout.strip()
    assert pyotp.TOTP(demo.DEMO_TOTP_SECRET).verify(code, valid_window=1), code
    engine = make_engine(fresh_database_url)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count(Case.id))) == count
        assert session.scalar(select(func.count(StaffUser.id))) == len(demo.STAFF)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()


def test_seed_demo_refuses_production(tmp_path: Path) -> None:
    result = caseway(
        "seed-demo",
        env={
            "CASEWAY_ENV": "production",
            "CASEWAY_SECRET_KEY": "s" * 40,
            "CASEWAY_LOOKUP_KEY": "l" * 40,
            "CASEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
        },
    )
    assert result.returncode == 1
    assert "will not run in production" in result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = caseway(
        "db",
        "upgrade",
        env={
            "CASEWAY_ENV": "production",
            "CASEWAY_SECRET_KEY": "",
            "CASEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
        },
    )
    assert result.returncode == 1
    assert "CASEWAY_SECRET_KEY" in result.stderr


def test_create_staff(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    assert caseway("db", "upgrade", env={"CASEWAY_DATABASE_URL": url}).returncode == 0
    result = caseway(
        "create-staff",
        "--email",
        "Kim@Council.example",
        "--name",
        "Kim",
        "--role",
        "caseworker",
        "--role",
        "supervisor",
        "--password",
        "lantern orbit cabbage violin",
        env={"CASEWAY_DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        user = session.scalars(select(StaffUser)).one()
        assert user.email == "kim@council.example"
        assert sorted(role.code for role in user.roles) == ["caseworker", "supervisor"]
    engine.dispose()


@pytest.mark.parametrize(
    ("password", "why"),
    [("short pass", "12 characters or more"), ("password1234", "too easy to guess (common)")],
)
def test_create_staff_refuses_a_short_or_guessable_password(
    tmp_path: Path, password: str, why: str
) -> None:
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    assert caseway("db", "upgrade", env={"CASEWAY_DATABASE_URL": url}).returncode == 0
    result = caseway("create-staff", "--email", "kim@council.example", "--name", "Kim",
                     "--role", "administrator", "--password", password,
                     env={"CASEWAY_DATABASE_URL": url})  # fmt: skip
    assert result.returncode == 1
    assert why in result.stderr
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        assert session.scalars(select(StaffUser)).first() is None
    engine.dispose()


def test_serve_says_what_it_leaves_running_when_stopped_with_ctrl_c(
    tmp_path: Path, redis_url: str
) -> None:
    """Ctrl+C stops the apps, the worker, the scheduler and the mail catcher, and says
    that Redis and clamd keep running and how to stop them."""
    import signal
    import socket
    import time

    from tests.ports import free_port

    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert caseway("db", "upgrade", env={"CASEWAY_DATABASE_URL": url}).returncode == 0
    portal_port, backoffice_port, mail_port = free_port(), free_port(), free_port()
    env = {**os.environ, "CASEWAY_DOTENV": "/dev/null", "CASEWAY_DATABASE_URL": url,
           "CASEWAY_REDIS_URL": redis_url, "CASEWAY_SMTP_URL": f"smtp://127.0.0.1:{mail_port}"}  # fmt: skip
    serving = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "serve", "--portal-port", str(portal_port),
         "--backoffice-port", str(backoffice_port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group, as a terminal's Ctrl+C reaches
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", portal_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("caseway serve did not start within 60 s")
        os.killpg(serving.pid, signal.SIGINT)
        output, _ = serving.communicate(timeout=60)
    finally:
        if serving.poll() is None:
            os.killpg(serving.pid, signal.SIGKILL)
            serving.wait()
    assert f"portal:      http://127.0.0.1:{portal_port}/" in output
    assert "Stopped the apps, the worker, the scheduler and the mail catcher." in output
    assert (
        "Redis and clamd keep running for next time: scripts/services.sh stop ends them." in output
    )
