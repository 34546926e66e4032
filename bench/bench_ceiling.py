"""Benchmark: the product against the ceiling, the bare stack answering the same documents.

    .venv/bin/python bench/bench_ceiling.py [--rounds 3] [--seconds 10] [--connections 16]
        [--db sqlite|postgres] [--database-url URL] [--redis-url URL] [--profile SECONDS]
        [--documents list,staff,ticket,my,reply] [--bare-no-document-cache]
        [--statements-only] [--count-calls N]

Needs ``wrk`` (Debian: ``apt-get install wrk``). In one run:

1. Seeds a product database (a fresh SQLite file, or the PostgreSQL database of
   ``--database-url``, which is emptied first) through the product's services: see
   ``bench/ceiling_seed.py``. Redis is a private redis-server (the binary the product ships) on
   a spare port unless ``--redis-url`` is given.
2. Counts the SQL statements one request of each document makes in the product, at three page
   sizes (they must be the same at each): the real app in this process, see
   ``bench/sql_count.py``. With ``--count-calls N``, also the function calls (cProfile's
   count), SQL statements and Redis commands per request of each document on both sides, the
   product and the bare app in this process (``bench/call_count.py``): counts the machine's
   load does not move, printed with their ratio.
3. Starts the product as an operator does (``helpdesk serve``, one process) and the bare app
   (``bench/bare_server.py``, one process): Strawberry + Starlette + uvicorn of the same
   installed versions, plain types, no auth, no extensions but Strawberry's own ParserCache and
   ValidationCache (parsing and validation once per document text, as the product does;
   ``--bare-no-document-cache`` leaves them out), answering the read documents from
   objects in memory built from the product's own answers (same rows, same values), and
   ``replyToTicket`` by writing the same rows with Tortoise to the same database. Both answers
   to each read document are checked to be equal before any load.
4. Loads them in turn with ``wrk -t1`` (one thread: the load generator takes at most one of the
   two cores), a short warm-up each, then ``--rounds`` rounds of ``--seconds`` per document
   and side, alternating sides and swapping which goes first every round (product, bare; bare,
   product; ...) so that a change in the machine's load falls on both alike.
5. Prints per document the median req/s of each side, the ratio product/bare (of the medians,
   and the spread of the per-round ratios), the same ratio of requests per CPU-second of each
   server (what a request costs, whatever share of the cores the machine's other load left
   each side), p50/p99 latency, bad answers and the server's CPU use. With ``--profile S``, afterwards a py-spy profile of the product (``--profile-side``)
   under the admin list's load (``--profile-document list,ticket,...``) for S seconds each,
   summarised by area and function (``bench/profile_summary.py``; saved with ``--profile-out``,
   py-spy's stacks beside it). ``--rounds 0 --profile S`` profiles without the comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import (  # noqa: E402
    VENV_BIN,
    PrivateRedis,
    ServerProcess,
    cpu_seconds,
    free_port,
    helpdesk_serve,
    machine_lines,
)
from call_count import count_work  # noqa: E402
from call_count import report as report_work  # noqa: E402
from ceiling_documents import (  # noqa: E402
    ADMIN_LIST,
    DOCUMENTS,
    MY_TICKETS,
    REPLY_TO_TICKET,
    STAFF_LIST,
    STAFF_LIST_PAGE,
    STAFF_TICKET,
    Document,
)
from ceiling_seed import THREAD_SIZES, Seeded, seed  # noqa: E402
from sql_count import counting_app  # noqa: E402

WRK_SCRIPT = ROOT / "bench" / "wrk_graphql.lua"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/test_bench"
TARGETS = {"list": 0.8, "staff": 0.8, "ticket": 0.8, "my": 0.8, "reply": 0.5}


@dataclass
class Run:
    document: str
    side: str
    round: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int
    socket_errors: int
    cpu_percent: float


def wrk_version() -> str | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    result = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).splitlines()[0].split(" Copyright")[0].strip()


def run_wrk(
    url: str,
    body: Path,
    authorization: str,
    *,
    seconds: float,
    connections: int,
    pid: int,
) -> tuple[dict[str, Any], float]:
    """One wrk run; its summary and the server's CPU use over it (percent of one core)."""
    env = {**os.environ, "WRK_BODY": str(body), "WRK_AUTHORIZATION": authorization}
    cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
    result = subprocess.run(
        [
            "wrk",
            *("-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s"),
            *("-s", str(WRK_SCRIPT), url),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    cpu = 100 * (cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
    wait_until_idle(pid)
    for line in result.stdout.splitlines():
        if line.startswith("WRK_SUMMARY "):
            return json.loads(line.removeprefix("WRK_SUMMARY ")), cpu
    raise RuntimeError(f"wrk printed no summary:\n{result.stdout}\n{result.stderr}")


def wait_until_idle(pid: int, limit: float = 30) -> None:
    """Until the server has finished what wrk left in flight (it goes on with requests whose
    client went away), so that it neither takes CPU from the next run nor holds SQLite's write
    lock: under 5% of a core over 0.2 s."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.2)
        if cpu_seconds(pid) - before < 0.015:
            return


def as_run(document: str, side: str, round_: int, summary: dict[str, Any], cpu: float) -> Run:
    seconds = summary["duration_us"] / 1e6
    return Run(
        document=document,
        side=side,
        round=round_,
        rps=summary["requests"] / seconds,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        requests=summary["requests"],
        bad=summary["bad"],
        socket_errors=sum(
            summary[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
        cpu_percent=cpu,
    )


COUNT_REPEATS = 3  # DataLoader batches can split by timing: each count is taken 3 times


async def settle_outbox() -> int:
    """Do what the notification worker (which the benchmark does not run) would have done with
    the outbox: mark every event sent and handled. Without this the product's relay enqueued
    the seed's and the reply runs' unhandled notification jobs again every 15 s, a tenth of the
    read documents' CPU that a deployment with a worker does not spend."""
    from datetime import UTC, datetime

    from app.config import get_settings
    from app.infra import db
    from app.models import OutboxEvent

    await db.connect(get_settings())
    try:
        stamp = datetime.now(UTC)
        await OutboxEvent.filter(sent_at=None).update(sent_at=stamp)
        return await OutboxEvent.filter(handled_at=None).update(handled_at=stamp)
    finally:
        await db.disconnect()


async def count_statements(seeded: Seeded, show: bool = False) -> dict[str, dict[str, list[int]]]:
    """SQL statements per request of each document, at three page sizes, in the product, each
    counted COUNT_REPEATS times; ``show`` prints those of the middle size's first request."""
    admin = {"Authorization": f"Bearer {seeded.admin_token}"}
    client = {"Authorization": f"Bearer {seeded.client_token}"}
    counts: dict[str, dict[str, list[int]]] = {}
    async with counting_app() as app:

        async def count(
            payload: dict[str, Any], headers: dict[str, str], rows: Any, label: str = ""
        ) -> list[int]:
            found = []
            for repeat in range(COUNT_REPEATS):
                answer, statements = await app.post(payload, headers)
                assert "errors" not in answer, answer
                assert rows(answer["data"]), answer
                if show and label and repeat == 0:
                    print(f"statements of one {label}:")
                    for statement in statements:
                        print(f"    {statement[:300]}")
                found.append(len(statements))
            return found

        def edges(path: str, n: int) -> Any:
            def check(data: dict[str, Any]) -> bool:
                for key in path.split("."):
                    data = data[key]
                return len(data["edges"]) == n

            return check

        await app.post({"query": ADMIN_LIST, "variables": {"first": 1}}, admin)  # connect
        counts["list"] = {
            f"first={n}": await count(
                {"query": ADMIN_LIST, "variables": {"first": n}},
                admin,
                edges("tickets", n),
                "admin list (first=50)" if n == 50 else "",
            )
            for n in (10, 50, 100)
        }
        counts["staff"] = {
            f"first={n}": await count(
                {"query": STAFF_LIST, "variables": {"first": n}},
                admin,
                edges("tickets", n),
                f"staff list (first={STAFF_LIST_PAGE})" if n == STAFF_LIST_PAGE else "",
            )
            for n in (10, STAFF_LIST_PAGE, 100)
        }
        counts["ticket"] = {
            f"{n} messages": await count(
                {"query": STAFF_TICKET, "variables": {"number": number, "isAdmin": True}},
                admin,
                edges("ticket.messages", n),
                "staff ticket page (50 messages)" if n == 50 else "",
            )
            for n, number in sorted(seeded.threads.items())
        }
        counts["my"] = {
            f"first={n}": await count(
                {"query": MY_TICKETS, "variables": {"first": n}},
                client,
                edges("tickets", n),
                "My Tickets (first=50)" if n == 50 else "",
            )
            for n in (10, 50, 100)
        }
        reply = {"input": {"number": seeded.reply_ticket, "body": "Counting statements."}}
        counts["reply"] = {
            "one reply": await count(
                {"query": REPLY_TO_TICKET, "variables": reply},
                admin,
                lambda data: data["replyToTicket"]["__typename"] == "Message",
                "replyToTicket",
            )
        }
    return counts


NOISE = 2


def growth(by_size: list[list[int]]) -> str:
    """Whether the counts at growing page sizes stay the same."""
    if len({n for found in by_size for n in found}) == 1:
        return "constant"
    # The first request of each size is a cold read (its thread page not yet kept, old
    # messages' HTML not yet stored), the later ones warm: cold is compared with cold and the
    # fewest with the fewest. A request now and then makes one or two more (a token's actor
    # read again, a DataLoader batch split by timing): counts may differ by that much.
    small, large = by_size[0], by_size[-1]
    if large[0] > small[0] + NOISE or min(large) > min(small) + NOISE:
        return "GROWS WITH THE PAGE"
    return "does not grow with the page (a first read makes more: cold caches)"


def ask(server: ServerProcess, document: Document, seeded: Seeded) -> tuple[Any, int]:
    """One request of ``document``: its ``data`` (it must have no errors) and its size."""
    response = httpx.post(
        server.url,
        json=document.payload(seeded),
        headers={"Authorization": authorization(document, seeded)},
        timeout=30,
    )
    body = response.json()
    if response.status_code != 200 or "errors" in body:
        raise RuntimeError(f"{server.name} failed {document.key}: {response.text[:2000]}")
    return body["data"], len(response.content)


def start_bare(
    env: dict[str, str],
    workdir: Path,
    data: Path,
    database_url: str,
    *,
    no_document_cache: bool = False,
) -> ServerProcess:
    """The bare stack (bench/bare_server.py) on a spare port, answering from ``data``;
    ``no_document_cache``: parsing and validating every request (Strawberry's default)."""
    port = free_port()
    return ServerProcess(
        "bare",
        [
            sys.executable,
            str(ROOT / "bench" / "bare_server.py"),
            *("--port", str(port), "--data", str(data), "--database-url", database_url),
            *(["--no-document-cache"] if no_document_cache else []),
        ],
        env=env,
        port=port,
        log=workdir / "bare.log",
    )


def bare_data_of(answers: dict[str, Any], seeded: Seeded) -> dict[str, Any]:
    """The bare app's data from the product's answers to the read documents (by key)."""
    return {
        "viewers": {
            f"Bearer {seeded.admin_token}": "admin",
            f"Bearer {seeded.client_token}": "client",
        },
        "lists": {
            "admin": {"50": answers["list"]["tickets"], "25": answers["staff"]["tickets"]},
            "client": {"25": answers["my"]["tickets"]},
        },
        "ticket": answers["ticket"]["ticket"],
        "departments": answers["ticket"]["departments"],
        "admins": answers["ticket"]["admins"],
        "move_targets": answers["ticket"]["moveTargets"],
        "author_id": seeded.admin_id,
    }


def bare_data(product: ServerProcess, seeded: Seeded, workdir: Path) -> Path:
    """The product's answers to the read documents, as the bare app's data file."""
    answers = {d.key: ask(product, d, seeded)[0] for d in DOCUMENTS if d.key != "reply"}
    data = bare_data_of(answers, seeded)
    path = workdir / "bare-data.json"
    path.write_text(json.dumps(data))
    return path


def authorization(document: Document, seeded: Seeded) -> str:
    token = seeded.admin_token if document.token == "admin" else seeded.client_token
    return f"Bearer {token}"


def check_same_answers(
    product: ServerProcess, bare: ServerProcess, seeded: Seeded
) -> dict[str, int]:
    """Both sides answer every document without errors, the reads with equal data; returns
    the product's response size per document."""
    sizes = {}
    for document in DOCUMENTS:
        answers = []
        for server in (product, bare):
            data, size = ask(server, document, seeded)
            answers.append(data)
            if server is product:
                sizes[document.key] = size
        if document.key == "reply":
            assert all(a["replyToTicket"]["__typename"] == "Message" for a in answers), answers
        elif answers[0] != answers[1]:
            raise RuntimeError(
                f"the bare app's answer to {document.key} differs from the product's"
            )
    return sizes


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: list[float], fmt: str = "{:.0f}") -> str:
    return f"{fmt.format(min(values))}-{fmt.format(max(values))}" if values else "-"


def report(runs: list[Run], sizes: dict[str, int], documents: list[Document]) -> list[str]:
    lines = [
        "document                              product req/s   bare req/s   product/bare"
        "   (per round)  target   per CPU-second",
    ]
    detail = []
    for document in documents:
        mine = [r for r in runs if r.document == document.key]
        product = [r for r in mine if r.side == "product"]
        bare = [r for r in mine if r.side == "bare"]
        if not product or not bare:
            continue
        p, b = median([r.rps for r in product]), median([r.rps for r in bare])
        by_round = [
            pr.rps / br.rps for pr in product for br in bare if br.round == pr.round and br.rps > 0
        ]
        # Requests per CPU-second of the server: on a machine others load, a side that gets
        # less of a core serves fewer requests whatever its cost; this ratio is of the cost.
        per_cpu = median([100 * r.rps / r.cpu_percent for r in product if r.cpu_percent > 0])
        per_cpu /= median([100 * r.rps / r.cpu_percent for r in bare if r.cpu_percent > 0])
        lines.append(
            f"{document.title:<37} {p:8.1f} ({spread([r.rps for r in product])})"
            f" {b:8.1f} ({spread([r.rps for r in bare])})"
            f"  {p / b:5.2f}  ({spread(by_round, '{:.2f}')})  >= {TARGETS[document.key]:.1f}"
            f"   {per_cpu:5.2f}"
        )
        for side, side_runs in (("product", product), ("bare", bare)):
            detail.append(
                f"  {document.key:<6} {side:<7} p50 {median([r.p50_ms for r in side_runs]):7.1f} ms"
                f"  p99 {median([r.p99_ms for r in side_runs]):7.1f} ms"
                f"  server CPU {median([r.cpu_percent for r in side_runs]):4.0f}%"
                f"  requests {sum(r.requests for r in side_runs):6d}"
                f"  bad {sum(r.bad for r in side_runs)}"
                f"  socket errors {sum(r.socket_errors for r in side_runs)}"
                + (f"  answer {sizes[document.key]} B" if side == "product" else "")
            )
    return [
        *lines,
        "",
        "latency (median of rounds), server CPU (% of one core) and answers:",
        *detail,
    ]


def profile(
    server: ServerProcess,
    document: Document,
    seeded: Seeded,
    body: Path,
    args: argparse.Namespace,
    workdir: Path,
) -> str:
    """py-spy on ``server`` while wrk loads it with ``document``; the summary's text."""
    from profile_summary import parse, render

    py_spy = VENV_BIN / "py-spy"
    if not py_spy.exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install -e '.[dev]'")
    stacks = workdir / f"profile-{server.name}-{document.key}.stacks"
    spy = subprocess.Popen(
        [
            str(py_spy),
            *("record", "--pid", str(server.pid), "--rate", str(args.profile_rate)),
            *("--duration", str(int(args.profile)), "--format", "raw", "--threads"),
            *("--output", str(stacks)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1)  # py-spy attaches
    summary, cpu = run_wrk(
        server.url,
        body,
        authorization(document, seeded),
        seconds=args.profile,
        connections=args.connections,
        pid=server.pid,
    )
    _, err = spy.communicate(timeout=args.profile + 60)
    if spy.returncode != 0 or not stacks.exists():
        raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')}")
    run = as_run(document.key, server.name, 0, summary, cpu)
    who = "`helpdesk serve`" if server.name == "product" else "the bare app"
    title = (
        f"py-spy profile of {who} under wrk -t1 -c{args.connections}: "
        f"{document.title}, {args.profile:g}s at {args.profile_rate} samples/s "
        f"({run.rps:.1f} req/s while sampled; server CPU {cpu:.0f}% of one core)"
    )
    if args.profile_out:  # py-spy's stacks, for a flame graph
        shutil.copyfile(stacks, args.profile_out.with_suffix(f".{document.key}.stacks"))
    with stacks.open() as file:
        return render(parse(file), top=args.profile_top, title=title)


def main() -> None:
    warnings.filterwarnings("ignore", message=".*different event loop.*")
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10, help="per wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument("--warmup", type=float, default=3, help="seconds per side and document")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--database-url",
        help=f"PostgreSQL database to EMPTY and use (default {DEFAULT_POSTGRES})",
    )
    parser.add_argument("--redis-url", help="default: a private redis-server on a spare port")
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument(
        "--documents",
        default=",".join(d.key for d in DOCUMENTS),
        help="comma-separated subset of: " + ", ".join(d.key for d in DOCUMENTS),
    )
    parser.add_argument(
        "--bare-no-document-cache",
        action="store_true",
        help="the bare stack parses and validates every request (before 30 November 2026)",
    )
    parser.add_argument("--statements-only", action="store_true", help="seed and count; no load")
    parser.add_argument("--show-sql", action="store_true", help="print the statements counted")
    parser.add_argument(
        "--count-calls",
        type=int,
        metavar="N",
        help="also count function calls, SQL statements and Redis commands per request of "
        "each document, product and bare stack in this process (mean of N requests)",
    )
    parser.add_argument("--profile", type=float, metavar="SECONDS", help="then profile a server")
    parser.add_argument(
        "--profile-document", default="list", help="whose load to profile (comma-separated)"
    )
    parser.add_argument("--profile-side", choices=("product", "bare"), default="product")
    parser.add_argument("--profile-rate", type=int, default=200, help="py-spy samples/s")
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--profile-out", type=Path, help="also write the profile summary here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and its logs")
    args = parser.parse_args()

    documents = [d for d in DOCUMENTS if d.key in args.documents.split(",")]
    version = wrk_version()
    if version is None and not args.statements_only:
        raise SystemExit(
            "bench_ceiling: wrk is not installed; install it (Debian: apt-get install wrk)"
        )
    workdir = Path(tempfile.mkdtemp(prefix="bench-ceiling-"))
    if args.db == "postgres":
        database_url = args.database_url or DEFAULT_POSTGRES
    else:
        database_url = f"sqlite://{workdir / 'helpdesk.sqlite3'}"
    redis = None if args.redis_url else PrivateRedis(workdir)
    redis_url = args.redis_url or redis.url  # type: ignore[union-attr]
    env = {
        **os.environ,
        "HELPDESK_VAR": str(workdir / "var"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-ceiling",
    }
    os.environ.update(env)
    servers: list[ServerProcess] = []
    try:
        print("\n".join(machine_lines({"wrk": version or "not installed"})))
        print(
            "web documents (read from web/src): "
            + ", ".join(d.web_name for d in DOCUMENTS if d.web_name)
        )
        print(f"database: {args.db}; tickets: {args.tickets}; work folder: {workdir}")
        print(
            "bare stack: "
            + (
                "parses and validates every request"
                if args.bare_no_document_cache
                else "parsing and validation cached per document text (ParserCache, "
                "ValidationCache)"
            )
        )
        started = time.monotonic()
        seeded = asyncio.run(seed(args.tickets))
        print(f"seeded in {time.monotonic() - started:.0f}s")
        # Before counting: a relay sending the seed's events would add its statements.
        asyncio.run(settle_outbox())

        counts = asyncio.run(count_statements(seeded, show=args.show_sql))
        print(
            "SQL statements per request in the product (must not grow with the page; "
            f"each counted {COUNT_REPEATS} times):"
        )
        for key, by_size in counts.items():
            values = " / ".join(
                f"{size}: " + (str(n[0]) if len(set(n)) == 1 else ",".join(map(str, n)))
                for size, n in by_size.items()
            )
            print(f"  {key:<6} {values}  {growth(list(by_size.values()))}")
        assert set(seeded.threads) == set(THREAD_SIZES)
        if args.count_calls:
            found = asyncio.run(
                count_work(
                    documents, seeded, database_url, redis_url, args.count_calls, bare_data_of
                )
            )
            print("\n".join(report_work(found, args.count_calls)))
            asyncio.run(settle_outbox())
        if args.statements_only:
            return

        product = helpdesk_serve(env, workdir)
        servers.append(product)
        product.wait_ready()
        data = bare_data(product, seeded, workdir)
        bare = start_bare(
            env, workdir, data, database_url, no_document_cache=args.bare_no_document_cache
        )
        servers.append(bare)
        bare.wait_ready()
        sizes = check_same_answers(product, bare, seeded)
        print("answers: the bare app's equal the product's for every read document")

        bodies = {}
        for document in DOCUMENTS:
            bodies[document.key] = workdir / f"{document.key}.json"
            bodies[document.key].write_text(json.dumps(document.payload(seeded)))
        sides = {"product": product, "bare": bare}

        def load(document: Document, side: str, seconds: float) -> tuple[dict[str, Any], float]:
            server = sides[side]
            return run_wrk(
                server.url,
                bodies[document.key],
                authorization(document, seeded),
                seconds=seconds,
                connections=args.connections,
                pid=server.pid,
            )

        print(
            f"load: wrk -t1 -c{args.connections}, warm-up {args.warmup:g}s, "
            f"{args.rounds} rounds x {args.seconds:g}s per document and side"
        )
        for document in documents:
            for side in sides:
                load(document, side, args.warmup)
        asyncio.run(settle_outbox())
        runs: list[Run] = []
        for round_ in range(args.rounds):
            order = ("product", "bare") if round_ % 2 == 0 else ("bare", "product")
            for document in documents:
                for side in order:
                    summary, cpu = load(document, side, args.seconds)
                    if document.key == "reply":
                        asyncio.run(settle_outbox())
                    runs.append(as_run(document.key, side, round_, summary, cpu))
                    r = runs[-1]
                    print(
                        f"  round {round_ + 1} {document.key:<6} {side:<7} {r.rps:8.1f} req/s"
                        f"  p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:6.1f} ms  CPU {r.cpu_percent:3.0f}%"
                        + (f"  BAD {r.bad}" if r.bad else ""),
                        flush=True,
                    )
        print()
        print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print("\n".join(report(runs, sizes, documents)))
        (workdir / "runs.json").write_text(json.dumps([asdict(r) for r in runs], indent=1))

        for server in servers:
            log = server.log.read_text(errors="replace")
            print(
                f"{server.name} log: {log.count('Exception in ASGI application')} tracebacks "
                f"of which {log.count('starlette.requests.ClientDisconnect')} a ClientDisconnect "
                "(clients that wrk closed while their request waited)"
            )

        if args.profile:
            server = sides[args.profile_side]
            texts = []
            for key in args.profile_document.split(","):
                chosen = next(d for d in DOCUMENTS if d.key == key)
                texts.append(profile(server, chosen, seeded, bodies[chosen.key], args, workdir))
                print()
                print(texts[-1], end="")
            if args.profile_out:
                head = "\n".join(machine_lines({"wrk": version or ""}))
                body = "\n".join(texts)
                args.profile_out.write_text(f"{head}\ndatabase: {args.db}\n\n{body}")
                print(f"profile summary written to {args.profile_out}")
    finally:
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()
        if args.keep:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
