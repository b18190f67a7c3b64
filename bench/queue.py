"""The back office's lists at a million cases: server time of each page, as a ratio to a
bare keyset SELECT of the same rows rendered by a minimal template, in the same run.

    .venv/bin/python -m bench.queue [--cases 1000000] [--requests 200] [--sqlite] [--keep]
    .venv/bin/python -m bench.queue --cases 20000 --requests 50     # a quick smoke run

Needs Redis and PostgreSQL (`eval "$(scripts/services.sh start)"`; the admin URL is
CASEWAY_TEST_POSTGRES_URL). A fresh database `caseway_bench_<pid>` gets the schema by the
project's migrations and the cases by COPY (bench/queue_seed.py), is VACUUMed and
ANALYZEd (as autovacuum keeps a live database), and is
dropped at the end unless --keep. With --sqlite: 100,000 cases in a temporary SQLite file.

Each page is asked for by the Flask test client of the real back office, signed in as
the person who uses it (an intake clerk for the queue, a caseworker for My work, the
team's supervisor for the team and case pages); server time is the time around
`client.get`. The baseline is a route added to the same app for the benchmark that runs
one hand-written keyset SELECT of the same rows (checked to be the same ids as the
page's) and renders them with a ten-line template. Page and baseline requests alternate,
so a busy moment of a shared machine falls on both. Then every SELECT a page ran is
EXPLAINed (ANALYZE, BUFFERS on PostgreSQL) and any sequential scan of a large table or
sort of more than a page of rows is reported.
"""

from __future__ import annotations

import argparse
import gc
import html
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from flask import Flask, render_template_string, request
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import Engine, bindparam, event, text
from sqlalchemy.engine import make_url

from bench.queue_seed import BENCH_PASSWORD, TEAMS, Seeded, seed
from shared.config import load_settings
from shared.db import make_engine
from shared.models.base import UtcDateTime
from shared.services.staff import OPEN_CASE_EXCLUDED_STATES

BENCH_REDIS_DB = 10
WARM_UP = 20
DEEP_PAGES = 50
PAGE_SIZE = 25  # the queue's and My work's page
TARGET_MS = 25.0
TARGET_RATIO = 3.0
# A plan reading more rows than this from a table, or sorting more, is reported.
LARGE = 5_000
NEXT_LINK = re.compile(r'<a[^>]*href="([^"]+)"[^>]*rel="next"|rel="next"[^>]*href="([^"]+)"')
BASELINE_TEMPLATE = """<!doctype html><title>{{ name }}</title><table>
{% for row in rows %}<tr><td><a href="/cases/{{ row.reference }}">{{ row.reference }}</a></td>
<td>{{ row.summary }}</td><td>{{ row.state }}</td><td>{{ row.priority }}</td>
<td>{{ row.submitted_at }}</td><td>{{ row.due_at or "" }}</td></tr>{% endfor %}</table>"""
OPEN = ", ".join(f"'{state}'" for state in OPEN_CASE_EXCLUDED_STATES)
RUNNING = "due_at IS NOT NULL AND closed_at IS NULL AND clock_stopped_at IS NULL"


@dataclass
class Page:
    name: str
    url: str
    who: str  # key into the signed-in clients
    baseline: str | None = None  # SQL of the bare keyset SELECT
    params: dict[str, Any] = field(default_factory=dict)
    target: bool = False
    rotate: list[str] = field(default_factory=list)  # other URLs taken in turn
    failed: str = ""  # why it could not be measured


@dataclass
class Figures:
    page: Page
    times: list[float]
    baseline: list[float]
    statements: list[tuple[str, Any]] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def postgres_database(keep: bool) -> Iterator[str]:
    admin = make_url(os.environ["CASEWAY_TEST_POSTGRES_URL"]).set(drivername="postgresql")
    name = f"caseway_bench_{os.getpid()}"
    admin_url = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        if keep:
            print(f"kept: database {name}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextmanager
def sqlite_database(keep: bool) -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="caseway-bench-queue-"))
    try:
        yield f"sqlite:///{directory / 'caseway.db'}"
    finally:
        if keep:
            print(f"kept: {directory / 'caseway.db'}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def analyze(engine: Engine) -> float:
    """Statistics for the planner and, on PostgreSQL, the visibility map a live database's
    autovacuum keeps: rows just copied in are not yet known to be visible to everyone, so
    without VACUUM an index-only scan (the capped counts) still reads every row's page."""
    began = time.perf_counter()
    command = "VACUUM (ANALYZE)" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(command)
    return time.perf_counter() - began


def back_office(database_url: str, work: Path) -> Flask:
    from backoffice import create_backoffice
    from backoffice.auth import requires
    from shared.permissions import Permission
    from shared.web import db_session

    redis_url = os.environ["CASEWAY_REDIS_URL"].rsplit("/", 1)[0] + f"/{BENCH_REDIS_DB}"
    Redis.from_url(redis_url).flushdb()
    settings = load_settings({
        "CASEWAY_ENV": "test", "CASEWAY_DATABASE_URL": database_url,
        "CASEWAY_REDIS_URL": redis_url, "CASEWAY_INSTANCE_DIR": str(work),
        "CASEWAY_STORAGE_DIR": str(work / "storage"),
    })  # fmt: skip
    app = create_backoffice(settings)

    def bare(name: str) -> str:
        """The baseline: one SELECT (its SQL and parameters registered by the bench),
        rendered by a minimal template; the ids go in a header for the check."""
        sql, params = app.config["BENCH_BASELINES"][name]
        # The request's own session, as the pages' (on SQLite a second connection would
        # wait for the write lock every transaction takes there).
        query = text(sql).bindparams(*(
            bindparam(key, type_=UtcDateTime()) for key, value in params.items()
            if isinstance(value, datetime)
        ))  # fmt: skip
        rows = db_session().execute(query, params).mappings().all()
        page = render_template_string(BASELINE_TEMPLATE, name=name, rows=rows[:PAGE_SIZE])
        ids = ",".join(str(row["id"]) for row in rows[:PAGE_SIZE])
        return page + f"<!-- ids {ids} -->"

    @requires(Permission.SEE_CASES)  # signed in and allowed, as the pages are
    def bare_view() -> str:
        return bare(request.args["name"])

    app.add_url_rule("/_bench/bare", "bench_bare", bare_view)
    app.config["BENCH_BASELINES"] = {}
    return app


def signed_in(app: Flask, email: str) -> FlaskClient:
    from tests.staff_signing_in import sign_in_staff

    client = app.test_client()
    reply = sign_in_staff(client, email, BENCH_PASSWORD)
    assert reply.status_code == 302, f"{email} could not sign in ({reply.status_code})"
    return client


def next_url(page: str) -> str | None:
    found = NEXT_LINK.search(page)
    return html.unescape(found.group(1) or found.group(2)) if found else None


def pages_to_measure(app: Flask, clients: dict[str, FlaskClient], seeded: Seeded) -> list[Page]:
    """The pages, with the SQL of each one's bare keyset SELECT."""
    from shared.services.queue import Cursor

    world = seeded.world
    now = datetime.now(UTC)
    # Two index range reads, one per state, merged: the fastest plain SQL for the page
    # (SQLite takes no parenthesised members of a UNION, hence the nesting).
    queue_sql = (
        "SELECT * FROM (SELECT * FROM (SELECT * FROM \"case\" WHERE state = 'submitted' "
        "{where} ORDER BY submitted_at, id LIMIT 26) AS s UNION ALL SELECT * FROM "
        "(SELECT * FROM \"case\" WHERE state = 'triage' {where} "
        "ORDER BY submitted_at, id LIMIT 26) AS t) AS page ORDER BY submitted_at, id LIMIT 26"
    )
    complaint = world.case_type_ids["complaint"]
    pages = [
        Page("queue: first page", "/queue", "clerk", queue_sql.format(where=""), target=True),
        Page("queue: case type", "/queue?case_type=complaint", "clerk",
             queue_sql.format(where=f"AND case_type_id = {complaint}"), target=True),
        Page("queue: priority urgent", "/queue?priority=urgent", "clerk",
             queue_sql.format(where="AND priority = 'urgent'"), target=True),
        Page("queue: overdue", "/queue?sla=overdue", "clerk",
             queue_sql.format(where=f"AND {RUNNING} AND due_at < :now"), {"now": now},
             target=True),
    ]  # fmt: skip
    pages.append(Page("queue: first page (a supervisor)", "/queue", "supervisor"))
    # A deep page: Next followed from the first page, as a person paging would.
    client, url = clients["clerk"], "/queue"
    for _ in range(DEEP_PAGES):
        found = next_url(client.get(url).get_data(as_text=True))
        if found is None:
            break
        url = found
    cursor = Cursor.decode(re.sub(r".*cursor=([^&]+).*", r"\1", url)) if "cursor=" in url else None
    if cursor is not None:
        deep_sql = queue_sql.format(where="AND (submitted_at, id) > (:key, :id)")
        pages.append(Page(f"queue: page {DEEP_PAGES + 1} by cursor", url, "clerk", deep_sql,
                          {"key": cursor.key, "id": cursor.case_id}, target=True))  # fmt: skip
    pages.append(Page(
        "My work", "/my-work", "caseworker",
        f'SELECT * FROM "case" WHERE assignee_id = :me AND state NOT IN ({OPEN}) '  # noqa: S608
        "AND due_at IS NOT NULL ORDER BY due_at, id LIMIT 26",
        {"me": app.config["BENCH_CASEWORKER"]}, target=True,
    ))  # fmt: skip
    team_code = TEAMS[0][0]
    pages.append(Page(
        "team page (overdue list as baseline)", f"/teams/{team_code}", "supervisor",
        f'SELECT * FROM "case" WHERE team_id = :team AND state NOT IN ({OPEN}) '  # noqa: S608
        f"AND {RUNNING} AND due_at < :now ORDER BY due_at, id LIMIT 25",
        {"team": world.teams[team_code], "now": now},
    ))  # fmt: skip
    references = app.config["BENCH_CASE_REFERENCES"]
    pages.append(Page("case page (50 in turn, half closed)", f"/cases/{references[-1]}",
                      "supervisor", rotate=[f"/cases/{r}" for r in references]))  # fmt: skip
    return pages


def check_same_rows(client: FlaskClient, app: Flask, page: Page) -> str:
    """The baseline's ids against the page's (reference links in the page's table)."""
    if page.baseline is None:
        return ""
    bare = client.get("/_bench/bare?" + urlencode({"name": page.name})).get_data(as_text=True)
    if re.search(r"<!-- ids [\d,]+ -->", bare) is None:
        return "NO ROWS in the baseline"
    references = re.findall(r'href="/cases/([A-Z0-9-]{11})"', bare)
    shown = re.findall(
        r'href="/cases/([A-Z0-9-]{11})"', client.get(page.url).get_data(as_text=True)
    )
    in_order = list(dict.fromkeys(shown))
    if page.who == "clerk":
        return "same rows" if in_order[: len(references)] == references else (
            f"DIFFERENT rows: page {in_order[:3]}..., bare {references[:3]}..."
        )  # fmt: skip
    return "same rows" if set(references) <= set(in_order) else "rows differ (see the plans)"


def measure(app: Flask, clients: dict[str, FlaskClient], pages: list[Page],
            requests: int) -> list[Figures]:  # fmt: skip
    """Each page's times, and its baseline's, alternating. A page that answers anything
    but 200 is reported as failing and left out; the others are still measured."""
    for page in pages:
        if page.baseline is not None:
            app.config["BENCH_BASELINES"][page.name] = (page.baseline, page.params)
    results = []
    for page in pages:
        client = clients[page.who]
        urls = page.rotate or [page.url]
        bare_url = "/_bench/bare?" + urlencode({"name": page.name})
        times: list[float] = []
        baseline: list[float] = []
        for number in range(WARM_UP + requests):
            url = urls[number % len(urls)]
            began = time.perf_counter()
            reply = client.get(url)
            took = time.perf_counter() - began
            if reply.status_code != 200:
                print(f"{page.name}: {url} answered {reply.status_code}; not measured")
                page.failed = f"HTTP {reply.status_code} from {url}"
                break
            if page.baseline is not None:
                began = time.perf_counter()
                assert client.get(bare_url).status_code == 200, bare_url
                if number >= WARM_UP:
                    baseline.append(time.perf_counter() - began)
            if number >= WARM_UP:
                times.append(took)
        results.append(Figures(page, times, baseline))
    return results


def capture_statements(app: Flask, client: FlaskClient, url: str) -> list[tuple[str, Any]]:
    """Every SELECT one request of the page runs, with its parameters as sent."""
    engine: Engine = app.extensions["caseway"].engine
    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def explain(engine: Engine, statement: str, parameters: Any) -> tuple[list[str], list[str]]:
    """The plan as text, and what in it reads or sorts more than a page should."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
            (found,) = cursor.fetchone() or ([{}],)
            plan: dict[str, Any] = found[0]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [row[0] for row in cursor.fetchall()]
            return lines, list(_postgres_problems(plan["Plan"]))
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        lines = [f"{'  ' * (row[1] > 0)}{row[3]}" for row in cursor.fetchall()]
        return lines, _sqlite_problems(statement, lines)
    finally:
        connection.close()


BIG_TABLES = ("case", "event", "party", "decision", "task", "document", "message")


def _sqlite_problems(statement: str, lines: list[str]) -> list[str]:
    """Full scans of the big tables; a sort (temp b-tree) in a list query, where the
    order should come off an index."""
    problems = []
    for line in (line.strip() for line in lines):
        scanned = re.fullmatch(r"SCAN (\w+)", line)
        if scanned and scanned.group(1) in BIG_TABLES:
            problems.append(line)
        is_list = re.search(r'FROM "case"', statement) is not None and "LIMIT" in statement
        if "TEMP B-TREE FOR ORDER BY" in line and is_list:
            problems.append(line)
    return problems


def _postgres_problems(node: dict[str, Any]) -> Iterator[str]:
    rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    kind = node.get("Node Type", "")
    if kind == "Seq Scan":
        read = rows + node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1)
        if read > LARGE:
            yield f"Seq Scan on {node.get('Relation Name')}: {read:,} rows read"
    if kind == "Sort":
        child = node.get("Plans", [{}])[0]
        sorted_rows = child.get("Actual Rows", 0) * child.get("Actual Loops", 1)
        if sorted_rows > LARGE:
            yield f"Sort of {sorted_rows:,} rows ({node.get('Sort Key')})"
    if kind in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"):
        removed = node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1)
        if removed > LARGE:
            where = node.get("Relation Name") or ""
            yield f"{kind} on {where} ({node.get('Index Name', '')}): {removed:,} rows filtered out"
    for child in node.get("Plans", []):
        yield from _postgres_problems(child)


def report(figures: list[Figures], engine_name: str) -> None:
    print()
    print(f"| page ({engine_name}) | p50 ms | p95 ms | bare p50 | bare p95 | p95 ratio | target |")
    print("|---|---|---|---|---|---|---|")
    for result in figures:
        if result.page.failed:
            print(f"| {result.page.name} | — | — | — | — | — | **failed**: {result.page.failed} |")
            continue
        p50, p95 = percentile(result.times, 0.5) * 1000, percentile(result.times, 0.95) * 1000
        if result.baseline:
            b50 = percentile(result.baseline, 0.5) * 1000
            b95 = percentile(result.baseline, 0.95) * 1000
            ratio = p95 / b95
            bare = f"{b50:.1f} | {b95:.1f} | {ratio:.1f}"
        else:
            ratio, bare = 0.0, "— | — | —"
        verdict = "—"
        if result.page.target:
            met = p95 <= TARGET_MS and ratio <= TARGET_RATIO
            verdict = "met" if met else (
                "**not met**" + (f" (p95 > {TARGET_MS:.0f} ms)" if p95 > TARGET_MS else "")
                + (f" (ratio > {TARGET_RATIO:.0f})" if ratio > TARGET_RATIO else "")
            )  # fmt: skip
        print(f"| {result.page.name} | {p50:.1f} | {p95:.1f} | {bare} | {verdict} |")


def print_plans(app: Flask, clients: dict[str, FlaskClient], pages: list[Page]) -> None:
    engine: Engine = app.extensions["caseway"].engine
    print("\nEXPLAIN of every SELECT each page runs (first request after the measurements)")
    for page in pages:
        if page.failed:
            print(f"\n## {page.name}: not measured ({page.failed})")
            continue
        statements = capture_statements(app, clients[page.who], page.url)
        times: dict[str, int] = {}
        for statement, _ in statements:
            times[statement] = times.get(statement, 0) + 1
        print(f"\n## {page.name}: {page.url[:80]} ({len(statements)} SELECTs, "
              f"{len(times)} different)")  # fmt: skip
        distinct = dict(reversed(statements))  # the first parameters of each
        for number, statement in enumerate(times, start=1):
            parameters = distinct[statement]
            lines, problems = explain(engine, statement, parameters)
            flat = " ".join(statement.split())
            timing = next((line for line in lines if "Execution Time" in line), "")
            runs = times[statement]
            repeated = f" (run {runs} times: once per row?)" if runs > 2 else ""
            print(f"[{number}]{repeated} {flat[:150]}{'…' if len(flat) > 150 else ''}")
            verdict = "PROBLEM: " + "; ".join(problems) if problems else "ok"
            print(f"    {timing.strip()}  {verdict}")
            if problems or ' FROM "case"' in flat:
                for line in lines:
                    if "Planning" in line or "Execution" in line:
                        continue
                    print(f"      {line}")


def choose_people(app: Flask, seeded: Seeded) -> dict[str, str]:
    """The clerk, the caseworker with a caseload nearest the typical one (about 45 open
    cases), and the first team's supervisor; and 50 of that team's cases to open."""
    world = seeded.world
    active = {member.id: member for member in world.staff if member.active}
    loads = {who: n for who, n in world.open_cases_of.items() if who in active}
    typical = statistics.median(loads.values()) if loads else 0
    caseworker = min(loads, key=lambda who: (abs(loads[who] - typical), who))
    team_id = world.teams[TEAMS[0][0]]
    supervisor = world.supervisors[team_id][0]
    app.config["BENCH_CASEWORKER"] = caseworker
    # Cases of the team to open: 25 open ones and 25 decided or closed, spread over time.
    ended = ("decided", "closed", "withdrawn")
    ongoing = [i for i, c in enumerate(world.cases, 1) if c[4] == team_id and c[1] not in ended]
    done = [i for i, c in enumerate(world.cases, 1) if c[4] == team_id and c[1] in ended]
    chosen = ongoing[:: max(1, len(ongoing) // 25)][:25] + done[:: max(1, len(done) // 25)][:25]
    engine: Engine = app.extensions["caseway"].engine
    with engine.connect() as connection:
        app.config["BENCH_CASE_REFERENCES"] = list(connection.execute(
            text('SELECT reference FROM "case" WHERE id IN :ids ORDER BY '
                 "state IN ('decided', 'closed', 'withdrawn'), id").bindparams(
                bindparam("ids", expanding=True)), {"ids": chosen}).scalars())  # fmt: skip
    low, high = min(loads.values()), max(loads.values())
    print(f"caseworker for My work: {active[caseworker].email}, {loads[caseworker]} open cases "
          f"(caseloads: {low} to {high}, median {typical:.0f})")  # fmt: skip
    return {
        "clerk": active[world.clerks[0]].email,
        "caseworker": active[caseworker].email,
        "supervisor": active[supervisor].email,
    }


def run(database_url: str, cases: int, requests: int) -> None:
    engine = make_engine(database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"seeding {cases:,} cases into {engine.dialect.name}")
    seeded = seed(engine, cases, now)
    total = sum(seeded.rows.values())
    print(f"seeded in {seeded.seconds:.1f} s ({total:,} rows, migrations included)")
    print(f"VACUUM and ANALYZE: {analyze(engine):.1f} s")
    engine.dispose()
    work = Path(tempfile.mkdtemp(prefix="caseway-bench-queue-app-"))
    app = back_office(database_url, work)
    try:
        emails = choose_people(app, seeded)
        clients = {who: signed_in(app, email) for who, email in emails.items()}
        pages = pages_to_measure(app, clients, seeded)
        for page in pages:
            if page.baseline is not None:
                app.config["BENCH_BASELINES"][page.name] = (page.baseline, page.params)
        for page in pages:
            check = check_same_rows(clients[page.who], app, page)
            if check:
                print(f"{page.name}: baseline vs page: {check}")
        # The seed's plan of every case stays in this process, where a server would hold
        # nothing of it: left alone, each full collection of the garbage collector walks
        # those millions of objects in the middle of some request (tens of ms at 1M).
        # Frozen out of its way, as a pre-forking server freezes what it loaded (wsgi.py).
        gc.collect()
        gc.freeze()
        print(f"measuring: {WARM_UP} warm-up then {requests} requests per page (and baseline)")
        figures = measure(app, clients, pages, requests)
        report(figures, f"{engine.dialect.name}, {cases:,} cases")
        print_plans(app, clients, pages)
    finally:
        app.extensions["caseway"].engine.dispose()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, help="default 1,000,000 (SQLite: 100,000)")
    parser.add_argument("--requests", type=int, default=200, help="per page, after warm-up")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress as it goes
    cases = args.cases or (100_000 if args.sqlite else 1_000_000)
    database = sqlite_database if args.sqlite else postgres_database
    with database(args.keep) as database_url:
        run(database_url, cases, args.requests)


if __name__ == "__main__":
    main()
