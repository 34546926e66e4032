"""Writing: the composer's Markdown preview."""

from __future__ import annotations

import strawberry

from app.schema.core.errors import result_union


@strawberry.type(description="Markdown rendered as the thread and the mail will show it.")
class RenderedMarkdown:
    html: str = strawberry.field(description="Sanitised HTML (the same as Message.bodyHtml).")


RenderMarkdownResult = result_union("RenderMarkdownResult", RenderedMarkdown)
