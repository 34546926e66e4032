"""Benchmark: notifications sent per second by one arq worker to a local SMTP sink.

Seeds N tickets each with a staff reply (so each reply is one notification to its client),
enqueues the N ``notify_event`` jobs on Redis as the web server would, then runs one worker
(the production WorkerSettings, burst mode) and times it until every job is done. The sink is
the dev sink (aiosmtpd writing .eml files), in its own process. Every notification is checked:
N delivery records SENT and N files in the sink. Target: >= 100 notifications/s.

    .venv/bin/python bench/bench_notifications.py [-n 1000] [--database postgres://...]
        [--redis redis://127.0.0.1:6379/13]

Without --redis a private redis-server (the embedded one) is started under a temporary var/;
without --database the database is SQLite under it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run_sink(directory: str, port: int) -> None:
    from app.mail.sink import start_sink

    server = await start_sink(Path(directory), port=port, keep=10**9)
    async with server:
        await server.serve_forever()


async def wait_for_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def seed(n: int) -> list[str]:
    """N tickets with one staff reply each; returns the reply events as job payloads."""
    from seeding import answered_tickets

    from app.events import EventType, event_for

    rows = await answered_tickets(n, reply_body="Here is the answer to question {i}.\n" * 5)
    return [
        event_for(
            r.ticket,
            EventType.MESSAGE_ADDED,
            message=r.staff_reply.id,
            actor=r.staff_reply.author_id,
        ).to_json()
        for r in rows
    ]


async def main_async(args: argparse.Namespace, var: Path) -> None:
    from arq import create_pool
    from arq.worker import Worker

    from app.config import get_settings
    from app.infra import db
    from app.infra.redis import arq_settings
    from app.models import OutboundMail, OutboundStatus
    from app.workers.settings import worker_settings

    settings = get_settings()
    if settings.db_url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(settings.db_url.replace("postgres://", "postgresql://", 1))
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await conn.close()
    await db.migrate(settings)
    await db.connect(settings)
    payloads = await seed(args.n)
    pool = await create_pool(arq_settings(settings))
    await pool.flushdb()
    for i, payload in enumerate(payloads):
        await pool.enqueue_job("notify_event", payload, _job_id=f"bench:{i}")
    await pool.aclose()
    await db.disconnect()

    config = worker_settings(settings)  # what `helpdesk worker` runs, minus the cron jobs
    worker = Worker(
        functions=config.functions,
        on_startup=config.on_startup,
        on_shutdown=config.on_shutdown,
        max_tries=config.max_tries,
        redis_settings=config.redis_settings,
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    await worker.main()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    await worker.close()

    await db.connect(settings)
    sent = await OutboundMail.filter(status=OutboundStatus.SENT).count()
    other = await OutboundMail.exclude(status=OutboundStatus.SENT).count()
    await db.disconnect()
    files = len(list((var / "sink").glob("*.eml")))
    print(f"database            {settings.db_url.split(':')[0]}")
    print(f"worker max_jobs     {worker.max_jobs}")
    print(
        f"notifications       {args.n} (jobs complete {worker.jobs_complete}, "
        f"failed {worker.jobs_failed})"
    )
    print(f"delivery records    {sent} SENT, {other} other")
    print(f"mails in the sink   {files}")
    print(f"elapsed             {elapsed:.2f} s")
    print(
        f"worker CPU          {cpu * 1000 / max(sent, 1):.1f} ms per notification "
        f"(bound on one free core: {sent / cpu:.0f}/s)"
    )
    print(f"load average        {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"throughput          {sent / elapsed:.0f} notifications/s (target >= 100)")
    if sent != args.n or files != args.n:
        raise SystemExit("not every notification was delivered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="notifications to send")
    parser.add_argument("--database", help="DATABASE_URL (default: SQLite in a temp dir)")
    parser.add_argument("--redis", help="REDIS_URL (default: a private redis-server)")
    parser.add_argument("--sink", nargs=2, metavar=("DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        asyncio.run(run_sink(args.sink[0], int(args.sink[1])))
        return

    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        port = free_port()
        os.environ.update(
            HELPDESK_VAR=str(var),
            SECRET_KEY="bench",
            MAIL_DOMAIN="bench.test",
            SMTP_URL=f"smtp://127.0.0.1:{port}",
            DATABASE_URL=args.database or f"sqlite://{var}/bench.sqlite3",
        )
        if args.redis:
            os.environ["REDIS_URL"] = args.redis
        else:
            os.environ.pop("REDIS_URL", None)
        sink = subprocess.Popen([sys.executable, __file__, "--sink", str(var / "sink"), str(port)])
        private_redis = None
        try:
            from app.config import get_settings

            get_settings.cache_clear()
            if not args.redis:
                from app.infra.embedded import PrivateRedis

                private_redis = PrivateRedis(get_settings())
                private_redis.start()
                asyncio.run(private_redis.wait_ready())
            asyncio.run(wait_for_port(port))
            asyncio.run(main_async(args, var))
        finally:
            sink.terminate()
            sink.wait()
            if private_redis is not None:
                private_redis.stop()


if __name__ == "__main__":
    main()
