"""`caseway keys`: make a new encryption key, and rotate to the newest one.

Rotating, step by step (README, "Encryption at rest"): put the new key FIRST in
CASEWAY_ENCRYPTION_KEYS (or its file) everywhere and restart the apps and workers, so new
writes use it; run `caseway keys rotate` (the apps keep running); once it reports nothing
left under older keys, remove them.
"""

from __future__ import annotations

import time

import click
from cryptography.fernet import Fernet
from sqlalchemy.orm import sessionmaker

from shared.config import ConfigError, load_settings
from shared.db import make_engine, transaction
from shared.encryption import keys
from shared.services import key_rotation
from shared.services.key_rotation import Batch, Target


@click.group("keys")
def keys_group() -> None:
    """Encryption keys: new ones, and rotation to the newest."""


@keys_group.command("new")
def keys_new() -> None:
    """Print a new random key (add it FIRST to CASEWAY_ENCRYPTION_KEYS to use it)."""
    click.echo(Fernet.generate_key().decode("ascii"))


@keys_group.command("rotate")
@click.option("--batch-size", default=key_rotation.DEFAULT_BATCH, show_default=True,
              type=click.IntRange(1, 100_000), help="Rows per transaction.")  # fmt: skip
def keys_rotate(batch_size: int) -> None:
    """Re-encrypt every encrypted value under the newest key, in batches, while the apps
    run; safe to stop and run again (it carries on where it stopped)."""
    try:
        settings = load_settings()
        keyring = keys.configure_from(settings)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    sessions = sessionmaker(bind=make_engine(settings.database_url))
    click.echo(f"rotating to key {keyring.primary_id} ({len(keyring.ids)} keys configured)")
    started = time.monotonic()

    def run_batch(target: Target, after_id: int) -> Batch:
        with transaction(sessions) as session:  # one short transaction a batch
            return key_rotation.rotate_batch(session, target, after_id=after_id,
                                             limit=batch_size)  # fmt: skip

    def report(target: Target, batch: Batch, so_far: int) -> None:
        busy = f", {batch.changed_meanwhile} changed meanwhile" if batch.changed_meanwhile else ""
        click.echo(f"  {target.label}: {so_far} re-encrypted (up to id {batch.last_id}){busy}")

    total = key_rotation.rotate_all(run_batch, report)
    with sessions() as session:
        left = {t.label: key_rotation.remaining(session, t) for t in key_rotation.TARGETS}
    seconds = time.monotonic() - started
    click.echo(f"done: {total} values re-encrypted in {seconds:.1f} s")
    if any(left.values()):
        waiting = ", ".join(f"{label}: {count}" for label, count in left.items() if count)
        raise click.ClickException(
            f"still under older keys ({waiting}): were the apps restarted with the new key "
            "first? Run `caseway keys rotate` again"
        )
    click.echo("every value is under the newest key: older keys may now be removed")
