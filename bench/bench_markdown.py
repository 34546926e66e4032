"""Markdown render times: 100 KB texts (the message limit) through markdown-it-py and nh3
unbounded, as every read did before messages stored their HTML, against the renderer now
(``app.services.markdown``: texts past ``RENDER_LIMIT_CHARS`` are shown as written), and the
slowest texts just under that limit. Best of three runs each.
Usage: .venv/bin/python bench/bench_markdown.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services import markdown
from bench.benchlib import load_average

PROSE = "Hello **world**, see <https://example.com> and [the guide](https://example.com/g).\n"
TEXTS: dict[str, Callable[[int], str]] = {
    "prose": lambda n: (PROSE * (n // len(PROSE) + 1))[:n],
    "log lines": lambda n: "".join(f"line {i} of the log\n" for i in range(n))[:n],
    "table": lambda n: ("| a | b |\n|---|---|\n" + "| x | y |\n" * n)[:n],
    "[ only": lambda n: "[" * n,
    "![ only": lambda n: "![" * (n // 2),
    "*_ only": lambda n: "*_" * (n // 2),
}


def best(render: Callable[[str], str], text: str) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        render(text)
        times.append(time.perf_counter() - start)
    return min(times)


def unbounded(text: str) -> str:
    return markdown._CLEANER.clean(markdown._PARSER.render(text))


def main() -> None:
    limit = markdown.RENDER_LIMIT_CHARS
    print(f"load average {load_average()}; limit {limit:,} characters")
    print(f"{'text':10} {'100 KB unbounded':>17} {'100 KB now':>11} {f'{limit:,} now':>11}")
    for name, make in TEXTS.items():
        big, edge = make(100_000), make(limit)
        print(
            f"{name:10} {best(unbounded, big):16.3f}s {best(markdown._render, big):10.4f}s"
            f" {best(markdown._render, edge):10.3f}s"
        )


if __name__ == "__main__":
    main()
