"""The housekeeping job: upload leftovers of a crashed process and orphaned contents go (after
their grace periods), anything an attachment or an upload in flight uses stays, and raw
inbound mail is emptied per INBOUND_MAIL_RETENTION_DAYS once done with, never before."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path

from app.config import Settings
from app.infra.clock import clock
from app.infra.storage import local_store
from app.models import InboundMail, InboundStatus
from app.services import tickets
from app.services.attachments import BytesFile, prepare
from app.services.housekeeping import sweep_uploads
from app.workers.housekeeping import run_housekeeping
from app.workers.settings import WorkerSettings
from tests.attachments import samples


def content_path(settings: Settings, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    return settings.var_dir / "files" / digest[:2] / digest[2:4] / digest


def stamp_now(path: Path) -> None:
    """The file was (re)written at the clock's now (an upload in flight touches its pin)."""
    moment = clock.now().timestamp()
    os.utime(path, (moment, moment))


async def test_leftovers_and_orphans_go_after_their_grace_and_used_contents_stay(
    world, settings, frozen_clock, tmp_path
):
    settings = settings.model_copy(update={"helpdesk_var": tmp_path})  # a store of its own
    store = local_store(settings)
    attached = samples.text("attached to a ticket")
    await tickets.open_ticket(
        actor=world.client_a.actor,
        settings=settings,
        department_id=world.dept_x.id,
        subject="Kept",
        body="see file",
        files=[BytesFile("kept.txt", attached)],
    )
    # A process that crashed mid-request: a partial upload, and a stored file still pinned
    # that no message ever referenced.
    store.tmp.mkdir(parents=True, exist_ok=True)
    partial = store.tmp / "crashed.part"
    partial.write_bytes(b"half an upload")
    orphan = samples.text("stored, then the process died")
    await prepare([BytesFile("orphan.txt", orphan)], settings)
    crashed_pins = list(store.pins.iterdir())
    assert crashed_pins and content_path(settings, orphan).is_file()

    frozen_clock.advance(timedelta(minutes=50))
    assert await run_housekeeping({"settings": settings}) == {
        "leftovers": 0,
        "orphans": 0,
        "inbound_emptied": 0,
    }
    assert partial.exists()

    frozen_clock.advance(timedelta(minutes=20))  # past the hour
    result = await run_housekeeping({"settings": settings})
    assert result["leftovers"] == 1 + len(crashed_pins) and result["orphans"] == 0
    assert not partial.exists() and not any(p.exists() for p in crashed_pins)
    assert content_path(settings, orphan).is_file()  # within UPLOAD_ORPHAN_HOURS (24)

    # An upload of the same content is in flight when the grace period ends: its pin is fresh.
    in_flight = samples.text("being uploaded right now")
    await prepare([BytesFile("new.txt", in_flight)], settings)
    frozen_clock.advance(timedelta(hours=24))
    for pin in store.pins.iterdir():
        stamp_now(pin)
    result = await run_housekeeping({"settings": settings})
    assert result["orphans"] == 1
    assert not content_path(settings, orphan).exists()
    assert content_path(settings, attached).read_bytes() == attached
    assert content_path(settings, in_flight).read_bytes() == in_flight


async def test_a_large_store_is_swept_a_shard_at_a_time_resuming_where_it_stopped(
    clean_db, settings, frozen_clock, tmp_path
):
    """With no time to spare, each run sweeps one first-level shard and the next run goes on
    from the one after it, so every orphan goes in turn and no run outlasts its job."""
    settings = settings.model_copy(update={"helpdesk_var": tmp_path})
    orphans: dict[str, Path] = {}
    n = 0
    while len(orphans) < 3:
        data = f"orphan {n}".encode()
        path = content_path(settings, data)
        if path.parent.parent.name not in orphans and path.parent.parent.name > "00":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            stamp_now(path)
            orphans[path.parent.parent.name] = path
        n += 1
    frozen_clock.advance(timedelta(hours=25))
    shards = sorted(orphans)

    # Up to the first orphan's shard, then one shard per run: each run removes one orphan.
    removed = 0
    for _ in range(int(shards[0], 16) + 1):
        removed += (await sweep_uploads(settings, budget_seconds=0))[1]
    assert removed == 1 and not orphans[shards[0]].exists()
    assert orphans[shards[1]].exists() and orphans[shards[2]].exists()
    assert (tmp_path / "housekeeping-shard").read_text() == str(int(shards[0], 16) + 1)

    # The job's own budget covers a small store in one run, from where the last one stopped.
    assert (await run_housekeeping({"settings": settings}))["orphans"] == 2
    assert not any(path.exists() for path in orphans.values())


def test_the_worker_runs_housekeeping_every_hour():
    jobs = {job.name: job for job in WorkerSettings.cron_jobs}
    job = jobs["cron:housekeeping"]
    assert job.minute == 23 and job.unique


STATUSES = [
    ("processed", InboundStatus.PROCESSED, False),
    ("ignored", InboundStatus.IGNORED, False),
    ("rejected", InboundStatus.REFUSED, True),
    ("refused", InboundStatus.REFUSED, False),  # an admin may still re-run it
    ("received", InboundStatus.RECEIVED, False),
    ("held", InboundStatus.HELD, False),
    ("failed", InboundStatus.FAILED, False),
]


async def _inbound_mail() -> None:
    for key, status, rejected in STATUSES:
        raw = f"From: a@example.com\r\nSubject: {key}\r\n\r\nbody".encode()
        await InboundMail.create(
            dedupe_key=key,
            transport="smtp",
            raw_bytes=raw,
            size=len(raw),
            status=status,
            rejected=rejected,
            received_at=clock.now(),
            processed_at=None if status == InboundStatus.RECEIVED else clock.now(),
        )


async def _raw_by_key() -> dict[str, bytes]:
    return {m.dedupe_key: bytes(m.raw_bytes) for m in await InboundMail.all()}


async def test_raw_mail_is_emptied_after_the_retention_once_done_with(
    clean_db, settings, frozen_clock
):
    await _inbound_mail()
    keeping = settings.model_copy(update={"inbound_mail_retention_days": 30})

    frozen_clock.advance(timedelta(days=29, hours=23))
    assert (await run_housekeeping({"settings": keeping}))["inbound_emptied"] == 0
    assert all(await _raw_by_key())

    frozen_clock.advance(timedelta(hours=2))
    assert (await run_housekeeping({"settings": keeping}))["inbound_emptied"] == 3
    raw = await _raw_by_key()
    assert {key for key, data in raw.items() if not data} == {"processed", "ignored", "rejected"}
    assert all(raw[key] for key in ("refused", "received", "held", "failed"))
    # The rows stay: a redelivery still meets its dedupe key, the admin still sees the status.
    assert await InboundMail.filter(dedupe_key="processed", status="processed").exists()
    assert (await run_housekeeping({"settings": keeping}))["inbound_emptied"] == 0


async def test_raw_mail_is_kept_for_ever_by_default(clean_db, settings, frozen_clock):
    assert settings.inbound_mail_retention_days == 0
    await _inbound_mail()
    frozen_clock.advance(timedelta(days=3650))
    assert (await run_housekeeping({"settings": settings}))["inbound_emptied"] == 0
    assert all(await _raw_by_key())
