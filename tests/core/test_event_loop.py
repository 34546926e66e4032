"""Long-running commands run on uvloop (installed for them), as uvicorn would pick it."""

from __future__ import annotations

import asyncio

from app.infra.stopping import run_until_signal


def test_commands_run_on_uvloop() -> None:
    seen: list[str] = []

    async def main(stop: asyncio.Event) -> None:
        seen.append(type(asyncio.get_running_loop()).__module__)

    run_until_signal("test", main)
    assert seen and seen[0].startswith("uvloop"), seen
