"""Benchmark: server CPU per request, the product against the bare stack, without a load generator.

    .venv/bin/python bench/bench_cpu_per_request.py [--requests 200] [--rounds 3]
        [--documents list,ticket,my] [--db sqlite|postgres] [--database-url URL]

What ``bench/bench_ceiling.py`` measures as req/s, measured as CPU: on a machine whose other
load makes wrk's figures noise, the CPU time a server spends on a request hardly changes. Seeds
like the ceiling benchmark (``bench/ceiling_seed.py``), starts the product (``helpdesk serve``)
and the bare app (``bench/bare_server.py``) and checks their answers are equal, then sends
``--requests`` requests of each read document to each side one after the other (one keep-alive
connection), alternating sides every round, and reads each server's user + system CPU time
(every thread, so SQLite's worker thread counts) before and after. Prints the milliseconds of
CPU per request of each side (the lowest of the rounds: other load only ever adds) and the
ratio bare/product, which is the share of the ceiling a CPU-bound server reaches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ceiling import (  # noqa: E402
    DEFAULT_POSTGRES,
    ask,
    authorization,
    bare_data,
    settle_outbox,
    start_bare,
)
from benchlib import (  # noqa: E402
    PrivateRedis,
    ServerProcess,
    cpu_seconds,
    helpdesk_serve,
    machine_lines,
)
from ceiling_documents import DOCUMENTS, Document  # noqa: E402
from ceiling_seed import Seeded, seed  # noqa: E402


def cpu_per_request(
    server: ServerProcess, document: Document, seeded: Seeded, requests: int
) -> float:
    """Milliseconds of the server's CPU per request of ``document``, sent one at a time."""
    body = json.dumps(document.payload(seeded))
    headers = {"Authorization": authorization(document, seeded), "Content-Type": "application/json"}
    with httpx.Client(timeout=30) as client:
        for _ in range(5):  # warm: caches, the connection
            client.post(server.url, content=body, headers=headers).raise_for_status()
        before = cpu_seconds(server.pid)
        for _ in range(requests):
            response = client.post(server.url, content=body, headers=headers)
            if response.status_code != 200 or b'"errors"' in response.content[:20]:
                raise RuntimeError(f"{server.name} failed {document.key}: {response.text[:500]}")
        return (cpu_seconds(server.pid) - before) * 1000 / requests


def main() -> None:
    warnings.filterwarnings("ignore", message=".*different event loop.*")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per document, side and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--documents", default="list,staff,ticket,my")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--database-url", help=f"PostgreSQL database to EMPTY and use (default {DEFAULT_POSTGRES})"
    )
    parser.add_argument("--tickets", type=int, default=300)
    args = parser.parse_args()

    documents = [d for d in DOCUMENTS if d.key in args.documents.split(",") and d.key != "reply"]
    workdir = Path(tempfile.mkdtemp(prefix="bench-cpu-"))
    if args.db == "postgres":
        database_url = args.database_url or DEFAULT_POSTGRES
    else:
        database_url = f"sqlite://{workdir / 'helpdesk.sqlite3'}"
    redis = PrivateRedis(workdir)
    env = {
        **os.environ,
        "HELPDESK_VAR": str(workdir / "var"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "SECRET_KEY": "bench-cpu",
    }
    os.environ.update(env)
    servers: list[ServerProcess] = []
    try:
        print("\n".join(machine_lines()))
        print(f"database: {args.db}; tickets: {args.tickets}; work folder: {workdir}")
        seeded = asyncio.run(seed(args.tickets))
        asyncio.run(settle_outbox())
        product = helpdesk_serve(env, workdir)
        servers.append(product)
        product.wait_ready()
        data = bare_data(product, seeded, workdir)
        bare = start_bare(env, workdir, data, database_url)
        servers.append(bare)
        bare.wait_ready()
        for document in DOCUMENTS:  # the reads only: this benchmark writes nothing
            if (
                document.key != "reply"
                and ask(product, document, seeded)[0] != ask(bare, document, seeded)[0]
            ):
                raise RuntimeError(f"the bare app's answer to {document.key} differs")
        print("answers: the bare app's equal the product's for every read document")
        print(
            f"{args.requests} sequential requests per document, side and round; "
            f"{args.rounds} rounds; ms of server CPU per request (lowest of the rounds)"
        )
        for document in documents:
            found: dict[str, list[float]] = {"product": [], "bare": []}
            for round_ in range(args.rounds):
                order = (product, bare) if round_ % 2 == 0 else (bare, product)
                for server in order:
                    found[server.name].append(
                        cpu_per_request(server, document, seeded, args.requests)
                    )
            mine, ceiling = min(found["product"]), min(found["bare"])
            print(
                f"  {document.title:<38} product {mine:6.2f} ms  bare {ceiling:6.2f} ms  "
                f"bare/product {ceiling / mine:4.2f}   (rounds: product "
                + " ".join(f"{v:.2f}" for v in found["product"])
                + "; bare "
                + " ".join(f"{v:.2f}" for v in found["bare"])
                + ")"
            )
    finally:
        for server in servers:
            server.stop()
        redis.stop()


if __name__ == "__main__":
    main()
