"""Key rotation: every encrypted column re-encrypted, and every document's data key
re-wrapped, under the newest master key, in batches, while the apps run.

Each batch reads by keyset (id order) only the rows not yet under the newest key, which
the database tells from the key id every sealed value starts with: so a rotation cut
short resumes where it stopped, and running it again once done finds nothing to do.

Each row is written with a compare-and-set on the value read: a row a request changed
in between is left alone (that request wrote it under the newest key already, since
the apps were restarted with it first) and is found again by the next pass if not.
Rows from before encryption (plain values) are encrypted on the way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.encryption import keys
from shared.encryption.columns import date_of_birth_hash

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class Target:
    """An encrypted column: `table.column`, JSON or text."""

    table: str
    column: str
    is_json: bool

    @property
    def label(self) -> str:
        return f"{self.table}.{self.column}"

    @property
    def quoted_table(self) -> str:
        return f'"{self.table}"'


TARGETS = (
    Target("party", "date_of_birth", is_json=False),
    Target("case", "answers", is_json=True),
    Target("draft", "answers", is_json=True),
    Target("document", "wrapped_key", is_json=False),
    Target("staff_user", "totp_secret", is_json=False),
)


@dataclass(frozen=True)
class Batch:
    last_id: int | None  # None: no row left after the one started from
    rewritten: int  # rows now under the newest key
    changed_meanwhile: int  # rows a request wrote between the read and the write


def rotate_batch(
    session: Session, target: Target, *, after_id: int, limit: int = DEFAULT_BATCH
) -> Batch:
    """Re-encrypt up to `limit` rows of `target` after `after_id` not under the newest key.
    Flushes nothing through the ORM and never commits: the caller's short transaction."""
    keyring = keys.current()
    raw = f"CAST({target.column} AS TEXT)"
    current = f"{keys.PREFIX}{keyring.primary_id}:%"
    rows = session.execute(
        text(
            f"SELECT id, {raw} FROM {target.quoted_table} "  # noqa: S608 - names from TARGETS
            f"WHERE id > :after AND {target.column} IS NOT NULL AND {raw} NOT LIKE :current "
            "ORDER BY id LIMIT :limit"
        ),
        {"after": after_id, "current": f'"{current}' if target.is_json else current,
         "limit": limit},
    ).all()  # fmt: skip
    if not rows:
        return Batch(None, 0, 0)
    updates = [_resealed(target, keyring, row_id, stored) for row_id, stored in rows]
    extra = ", date_of_birth_hash = :hash" if target.table == "party" else ""
    result = session.execute(
        text(
            f"UPDATE {target.quoted_table} SET {target.column} = :new{extra} "  # noqa: S608
            f"WHERE id = :id AND {raw} = :old"
        ),
        updates,
    )
    rewritten = result.rowcount if result.rowcount >= 0 else len(updates)  # type: ignore[attr-defined]
    return Batch(int(rows[-1][0]), rewritten, len(updates) - rewritten)


def _resealed(target: Target, keyring: keys.Keyring, row_id: int, stored: str) -> dict[str, Any]:
    value = json.loads(stored) if target.is_json else stored
    if keys.is_sealed(value):
        plain = keyring.open(value)
    elif target.is_json:
        plain = json.dumps(value, separators=(",", ":")).encode()  # from before encryption
    else:
        plain = stored.encode()
    sealed = keyring.seal(plain)
    update: dict[str, Any] = {"id": row_id, "old": stored,
                              "new": json.dumps(sealed) if target.is_json else sealed}  # fmt: skip
    if target.table == "party":
        update["hash"] = date_of_birth_hash(date.fromisoformat(plain.decode()))
    return update


def remaining(session: Session, target: Target) -> int:
    """Rows of `target` not yet under the newest key."""
    raw = f"CAST({target.column} AS TEXT)"
    current = f"{keys.PREFIX}{keys.current().primary_id}:%"
    return int(
        session.execute(
            text(
                f"SELECT count(*) FROM {target.quoted_table} "  # noqa: S608
                f"WHERE {target.column} IS NOT NULL AND {raw} NOT LIKE :current"
            ),
            {"current": f'"{current}' if target.is_json else current},
        ).scalar_one()
    )


def rotate_all(
    run_batch: Callable[[Target, int], Batch],
    report: Callable[[Target, Batch, int], None],
) -> int:
    """Every target, batch after batch, until a pass finds nothing left under an older key.
    `run_batch` runs one batch in its own transaction (the caller's); returns the rows
    rewritten in all."""
    total = 0
    for target in TARGETS:
        while True:  # passes: a row changed meanwhile is looked at again by the next one
            after, rewritten_this_pass = 0, 0
            while (batch := run_batch(target, after)).last_id is not None:
                after = batch.last_id
                rewritten_this_pass += batch.rewritten
                report(target, batch, rewritten_this_pass)
            total += rewritten_this_pass
            if rewritten_this_pass == 0:
                break
    return total
