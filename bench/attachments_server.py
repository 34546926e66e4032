"""The server for bench_attachments.py: uvicorn running ``create_app`` in one process.

``python bench/attachments_server.py PORT`` (environment as for ``helpdesk serve``). The
database is connected in the task that serves, so every request shares its ORM context.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from app.config import get_settings
from app.infra import db
from app.main import create_app


async def serve(port: int) -> None:
    settings = get_settings()
    await db.connect(settings)
    try:
        app = create_app(settings, manage_db=False)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        await uvicorn.Server(config).serve()
    finally:
        await db.disconnect()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
