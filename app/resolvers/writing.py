"""Writing: the composer's preview, from the one renderer that messages and mail use."""

from __future__ import annotations

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import ErrorsAsData
from app.schema.writing import RenderedMarkdown, RenderMarkdownResult
from app.services import markdown


@strawberry.type
class WritingQueries:
    @strawberry.field(
        description="body (Markdown) as sanitised HTML, for a preview before sending: any "
        "signed-in user; a body too long to send is a ValidationError on body.",
        extensions=[ErrorsAsData()],
    )
    async def render_markdown(self, info: Info, body: str) -> RenderMarkdownResult:
        html = await markdown.preview(actor=info.context.actor, text=body)
        return RenderedMarkdown(html=html)
