"""Canned responses: global or per department, rendered for a ticket on insert."""

from __future__ import annotations

import strawberry
from strawberry import Private

from app import models
from app.schema.core.context import Info
from app.schema.core.errors import result_union
from app.schema.core.resolving import later
from app.schema.core.text_guard import MULTILINE
from app.schema.directory import Department
from app.services import canned
from app.services.markdown import render_markdown_async, rendered_now


@strawberry.type
class CannedResponse:
    id: strawberry.ID
    title: str
    body: str
    version: int = strawberry.field(
        description="Bumped by every save; pass it back as expectedVersion when saving."
    )
    _model: Private[models.CannedResponse]

    @strawberry.field
    async def department(self, info: Info) -> Department | None:
        if self._model.department_id is None:
            return None
        department = await info.context.loaders.departments.load(self._model.department_id)
        return Department.of(department) if department else None

    @strawberry.field(description="The body with placeholders filled in for a ticket.")
    async def rendered(self, info: Info, ticket_number: int) -> str:
        return await canned.render_canned(
            actor=info.context.actor, canned=self._model, number=ticket_number
        )

    @strawberry.field(description="body (Markdown) as sanitised HTML, placeholders as written.")
    def body_html(self) -> str:
        html = rendered_now(self.body)
        return html if html is not None else later(render_markdown_async(self.body))

    @strawberry.field(description="A personal response: only its owner sees and edits it.")
    def personal(self) -> bool:
        return self._model.owner_id is not None

    @classmethod
    def of(cls, row: models.CannedResponse) -> CannedResponse:
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            body=row.body,
            version=row.version,
            _model=row,
        )


@strawberry.input
class CannedResponseInput:
    title: str
    body: str = strawberry.field(metadata=MULTILINE)
    department_id: strawberry.ID | None = None
    personal: bool = strawberry.field(
        default=False,
        description="The caller's own response (any staff member); else a shared one (admins).",
    )


@strawberry.input
class UpdateCannedResponseInput:
    id: strawberry.ID
    title: str | None = None
    body: str | None = strawberry.field(default=None, metadata=MULTILINE)
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version this edit was made on; if it changed since, the answer is "
        "Conflict (field expectedVersion) and nothing is changed. Leave out to save anyway.",
    )


CannedResponseResult = result_union("CannedResponseResult", CannedResponse)
DeleteCannedResponseResult = result_union("DeleteCannedResponseResult", CannedResponse)
