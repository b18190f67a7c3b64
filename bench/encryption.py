"""Encryption at rest, measured: rows a second `caseway keys rotate` re-encrypts, and what
decrypting costs the back office's case page.

Seeds N cases as bench/queue.py does (COPY on PostgreSQL), written as a database from
before encryption holds them (plain answers and dates of birth). Then, in one run:

1. rotation from plain to key A (what the first `keys rotate` after 0025 does);
2. the case page (50 cases in turn, half of them closed), in rounds that alternate
   between the 50 cases' rows (answers, and the date of birth of everyone on them)
   encrypted and the same rows written back plain, so the machine's load drifting
   during the run (it is shared) falls on both alike: the ratio of the medians is the
   cost of decryption; the decryptions a page does are also counted and timed;
3. rotation from key A to key B, with both configured (an ordinary rotation).

    python -m bench.encryption                  # PostgreSQL, 1,000,000 cases
    python -m bench.encryption --cases 100000   # fewer
    python -m bench.encryption --sqlite --cases 100000
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.queue import (
    analyze,
    back_office,
    choose_people,
    postgres_database,
    signed_in,
    sqlite_database,
)
from bench.queue_seed import seed
from shared.config import load_settings
from shared.db import make_engine, transaction
from shared.encryption import keys
from shared.models import Case, CaseParty, Party
from shared.services import key_rotation

WARM_UP = 10


class CountingKeyring(keys.Keyring):
    """Counts and times the decryptions, so the page's cost is also known directly (the
    ratio of two medians on a shared machine is noisy when the cost is small)."""

    opened, seconds = 0, 0.0

    def open(self, sealed: str) -> bytes:
        began = time.perf_counter()
        try:
            return super().open(sealed)
        finally:
            CountingKeyring.opened += 1
            CountingKeyring.seconds += time.perf_counter() - began


def keyring(*fernet_keys: str) -> keys.Keyring:
    environ = {"CASEWAY_ENV": "test", "CASEWAY_ENCRYPTION_KEYS": ",".join(fernet_keys)}
    made = keys.keyring_for(load_settings(environ))
    return CountingKeyring(fernet_keys, made._lookup_key)  # noqa: SLF001 - the same lookup key


def rotate(engine: Engine, label: str, batch: int) -> float:
    """One `keys rotate`, as the command runs it (a transaction a batch); rows a second."""
    sessions = sessionmaker(bind=engine)

    def run_batch(target: key_rotation.Target, after: int) -> key_rotation.Batch:
        with transaction(sessions) as session:
            return key_rotation.rotate_batch(session, target, after_id=after, limit=batch)

    shown = [time.perf_counter()]

    def report(target: key_rotation.Target, done: key_rotation.Batch, so_far: int) -> None:
        if time.perf_counter() - shown[0] > 10:
            print(f"    {target.label}: {so_far:,} (up to id {done.last_id:,})")
            shown[0] = time.perf_counter()

    began = time.perf_counter()
    rows = key_rotation.rotate_all(run_batch, report)
    seconds = time.perf_counter() - began
    with sessions() as session:
        left = sum(key_rotation.remaining(session, t) for t in key_rotation.TARGETS)
    rate = rows / seconds if seconds else 0.0
    print(f"rotation {label}: {rows:,} values in {seconds:.1f} s = {rate:,.0f} rows/s "
          f"(batches of {batch}; {left} left under older keys)")  # fmt: skip
    return rate


@dataclass
class PageRows:
    """The rows the case pages of `references` decrypt, in both forms."""

    plain: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sealed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def page_rows(engine: Engine, references: list[str]) -> PageRows:
    keyring = keys.current()
    rows = PageRows()
    with Session(engine) as session:
        cases = session.scalars(select(Case).where(Case.reference.in_(references))).all()
        case_ids = [case.id for case in cases]
        party_ids = {case.applicant_id for case in cases} | set(session.scalars(
            select(CaseParty.party_id).where(CaseParty.case_id.in_(case_ids))))  # fmt: skip
        for case in cases:
            answers = json.dumps(case.answers, separators=(",", ":"))
            update = 'UPDATE "case" SET answers = :value WHERE id = :id'
            rows.plain.append((update, {"id": case.id, "value": answers}))
            sealed = json.dumps(keyring.seal(answers.encode()))
            rows.sealed.append((update, {"id": case.id, "value": sealed}))
        for party in session.scalars(select(Party).where(Party.id.in_(party_ids))):
            if party.date_of_birth is None:
                continue
            update = "UPDATE party SET date_of_birth = :value WHERE id = :id"
            born = party.date_of_birth.isoformat()
            rows.plain.append((update, {"id": party.id, "value": born}))
            rows.sealed.append((update, {"id": party.id, "value": keyring.seal(born.encode())}))
    return rows


def write(engine: Engine, statements: list[tuple[str, dict[str, Any]]]) -> None:
    with engine.begin() as connection:
        for statement, parameters in statements:
            connection.execute(text(statement), parameters)


def case_page_cost(
    engine: Engine, client: FlaskClient, references: list[str], rounds: int
) -> tuple[float, float]:
    """Median ms of the case page with its rows plain, and with them encrypted."""
    rows = page_rows(engine, references)
    urls = [f"/cases/{reference}" for reference in references]
    for url in urls[:WARM_UP]:
        assert client.get(url).status_code == 200
    times: dict[bool, list[float]] = {False: [], True: []}
    CountingKeyring.opened, CountingKeyring.seconds = 0, 0.0
    for number in range(2 * rounds):
        encrypted = number % 2 == 1
        write(engine, rows.sealed if encrypted else rows.plain)
        opened_before = CountingKeyring.opened, CountingKeyring.seconds
        for url in urls:
            began = time.perf_counter()
            reply = client.get(url)
            times[encrypted].append(time.perf_counter() - began)
            assert reply.status_code == 200, reply.status_code
        if not encrypted:  # count only what the encrypted rounds decrypt
            CountingKeyring.opened, CountingKeyring.seconds = opened_before
    pages = len(times[True])
    print(f"  decryptions on an encrypted case page: {CountingKeyring.opened / pages:.1f}, "
          f"taking {CountingKeyring.seconds * 1000 / pages:.3f} ms")  # fmt: skip
    return statistics.median(times[False]) * 1000, statistics.median(times[True]) * 1000


def run(database_url: str, cases: int, rounds: int, batch: int) -> None:
    engine = make_engine(database_url)
    print(f"seeding {cases:,} cases into {engine.dialect.name}")
    seeded = seed(engine, cases, datetime.now(UTC).replace(microsecond=0))
    print(f"seeded in {seeded.seconds:.1f} s; VACUUM and ANALYZE: {analyze(engine):.1f} s")
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    work = Path(tempfile.mkdtemp(prefix="caseway-bench-encryption-"))
    app = back_office(database_url, work)
    keys.configure(keyring(first))  # after the app, which configured its own
    gc.collect()
    gc.freeze()  # the seed's plan of every case stays out of the collector's way
    try:
        people = choose_people(app, seeded)
        client = signed_in(app, people["supervisor"])
        references = app.config["BENCH_CASE_REFERENCES"]
        rotate(engine, "plain -> key A", batch)
        analyze(engine)
        plain, sealed = case_page_cost(engine, client, references, rounds)
        pages = rounds * len(references)
        print(f"case page: median {plain:.2f} ms plain, {sealed:.2f} ms encrypted ({pages} "
              f"pages each): x{sealed / plain:.3f} ({sealed - plain:+.2f} ms)")  # fmt: skip
        keys.configure(keyring(second, first))
        rotate(engine, "key A -> key B", batch)
        with engine.connect() as connection:
            counted = connection.execute(text('SELECT count(*) FROM "case"')).scalar_one()
        print(f"({counted:,} cases)")
    finally:
        app.extensions["caseway"].engine.dispose()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10,
                        help="rounds of the 50 case pages, plain, encrypted by turns")  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=key_rotation.DEFAULT_BATCH)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    database = sqlite_database if args.sqlite else postgres_database
    with database(args.keep) as database_url:
        run(database_url, args.cases, args.rounds, args.batch_size)


if __name__ == "__main__":
    main()
