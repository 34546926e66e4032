"""Plain HTTP routes beside GraphQL; each module exposes ``routes``."""

from __future__ import annotations

from starlette.routing import BaseRoute


def all_routes() -> list[BaseRoute]:
    from app.routes import downloads, inbound, report_csv, unsubscribe, web

    # The web UI's catch-all must come last.
    return [
        *downloads.routes,
        *report_csv.routes,
        *inbound.routes,
        *unsubscribe.routes,
        *web.routes,
    ]
