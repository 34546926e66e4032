"""Where the time goes: a text summary of py-spy's raw (collapsed) stacks of a server under load.

    python bench/profile_summary.py STACKS.txt [--top 25]

Each sample is put in one area by its innermost frame that belongs to a known area, looking
outwards past frames of the standard library that serve whoever calls them (datetime, enum,
typing, asyncio's futures and tasks...): ``datetime.fromisoformat`` called by Tortoise is
row decoding, ``asyncio.gather`` called by graphql-core is GraphQL execution. A sample whose
innermost frames are the event loop's dispatch (uvloop's C code runs under ``Runner.run``) is
"event loop". Samples are of threads that were running
(py-spy leaves idle ones out). Areas and functions are shares of the event loop's thread
(MainThread), which serves every request; other threads (aiosqlite's worker) are shown by the
line their samples stand on: aiosqlite's worker waiting on its queue (``tx.get()``) is idle
time that py-spy counts as running now and then, and SQLite itself runs in C under the line
that calls ``function()``.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# (area, path prefixes of the frame's file as py-spy prints it: relative to sys.path).
AREAS: list[tuple[str, tuple[str, ...]]] = [
    ("auth (policy checks, token -> actor)", ("app/auth/", "app/context.py")),
    ("live updates: dispatcher, mailboxes, prepared sends", ("app/live/",)),
    ("WebSocket: framing and writes", ("websockets/", "app/infra/websocket.py")),
    ("app: resolvers, loaders, services", ("app/schema/types.py", "app/resolvers/")),
    ("GraphQL: the app's extensions, executor and limits", ("app/schema/",)),
    ("GraphQL parsing and validation", ("graphql/validation/", "graphql/language/")),
    ("GraphQL execution (graphql-core, Strawberry)", ("graphql/", "strawberry/", "cross_web/")),
    ("ORM: datetime decoding (iso8601)", ("iso8601/",)),
    ("ORM: query building, row decoding", ("tortoise/", "pypika_tortoise/", "pypika/")),
    ("DB driver (aiosqlite thread, sqlite3, asyncpg)", ("aiosqlite/", "sqlite3/", "asyncpg/")),
    ("JSON encoding/decoding", ("json/", "orjson")),
    (
        "HTTP server (uvicorn, Starlette, httptools)",
        ("uvicorn/", "starlette/", "httptools/", "h11/"),
    ),
    ("logging (access log)", ("logging/",)),
    ("Redis (publish, jobs)", ("redis/", "arq/", "broadcaster/")),
    ("app: resolvers, loaders, services", ("app/",)),
    ("bench (the bare app's own code)", ("bare_server.py",)),
]
LOOP = ("asyncio/", "uvloop/", "selectors.py", "threading.py", "concurrent/", "queue.py")
# The loop's own dispatch: a frame of these between the leaf and the first frame of a known
# area means the time was the loop's (uvloop's C code runs under Runner.run).
DISPATCH = ("asyncio/runners.py", "asyncio/base_events.py", "asyncio/events.py")
EVENT_LOOP = "event loop, tasks and threads (asyncio, uvloop)"
OTHER = "other"
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?):(?P<line>\d+)\)$")


MAIN = "MainThread"


@dataclass
class Profile:
    """Samples of every thread; areas and functions of the event loop's thread (MainThread),
    where requests are served; the other threads by the line their samples stand on."""

    samples: int = 0
    threads: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)
    self_time: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)
    other_lines: Counter[str] = field(default_factory=Counter)


def area_of(path: str) -> str | None:
    for area, prefixes in AREAS:
        if path.startswith(prefixes):
            return area
    return None


def classify(frames: list[tuple[str, str]]) -> str:
    """The area of one stack (outermost frame first)."""
    in_loop = False
    for _function, path in reversed(frames):
        if path.startswith(DISPATCH):
            return EVENT_LOOP
        area = area_of(path)
        if area is not None:
            return area
        in_loop = in_loop or path.startswith(LOOP)
    return EVENT_LOOP if in_loop else OTHER


def parse(lines: Iterable[str]) -> Profile:
    profile = Profile()
    for line in lines:
        line = line.rstrip("\n")
        if not line or " " not in line:
            continue
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        parts = stack.split(";")
        thread = "?"
        if parts and parts[0].startswith("thread ("):
            head = parts.pop(0)
            thread = head.split(": ", 1)[1] if ": " in head else "unnamed thread"
            thread = re.sub(r"-\d+", "-N", thread)
        if parts and parts[0].startswith("process "):
            parts.pop(0)
        frames = []
        leaf = ""
        for part in parts:
            match = FRAME.match(part)
            if match:
                frames.append((match["function"], match["file"]))
                leaf = part
        if not frames:
            continue
        profile.samples += count
        profile.threads[thread] += count
        if thread != MAIN:
            profile.other_lines[f"{thread}: {leaf}"] += count
            continue
        profile.areas[classify(frames)] += count
        leaf_function, leaf_file = frames[-1]
        profile.self_time[f"{leaf_function} ({leaf_file})"] += count
        for name in {f"{function} ({path})" for function, path in frames}:
            profile.inclusive[name] += count
    return profile


def render(profile: Profile, *, top: int = 25, title: str = "") -> str:
    total = max(profile.samples, 1)
    main = max(profile.threads[MAIN], 1)
    lines = [title] if title else []
    lines.append(f"samples: {profile.samples} (of threads py-spy saw running)")
    lines.append("")
    lines.append("by thread:")
    for thread, count in profile.threads.most_common():
        lines.append(f"  {100 * count / total:5.1f}%  {thread}")
    lines.append("")
    lines.append("the event loop's thread (MainThread) by area, innermost frame of a known area:")
    for area, count in profile.areas.most_common():
        lines.append(f"  {100 * count / main:5.1f}%  {area}")
    if profile.other_lines:
        lines.append("")
        lines.append("the other threads' samples by the line they stand on (% of all samples):")
        for name, count in profile.other_lines.most_common(5):
            lines.append(f"  {100 * count / total:5.1f}%  {name}")
    lines.append("")
    lines.append(f"top {top} functions of the event loop's thread by own time:")
    for name, count in profile.self_time.most_common(top):
        lines.append(f"  {100 * count / main:5.1f}%  {name}")
    lines.append("")
    lines.append(f"top {top} functions of the app and Strawberry by time including callees")
    lines.append("(a task resumed by the loop shows only its own frames: DataLoader batches and")
    lines.append("awaited resolvers are not under the request's frames, so these undercount):")
    inclusive = [
        (name, count)
        for name, count in profile.inclusive.most_common()
        if re.search(r"\((app|strawberry|bare_server)[/.]", name)
        and "(app/cli.py)" not in name
        and not name.startswith(("main (bare_server", "<module> (bare_server"))
    ]
    for name, count in inclusive[:top]:
        lines.append(f"  {100 * count / main:5.1f}%  {name}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stacks", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with args.stacks.open() as file:
        print(render(parse(file), top=args.top), end="")


if __name__ == "__main__":
    main()
