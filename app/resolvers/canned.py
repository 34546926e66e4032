"""Canned responses: staff list them and keep personal ones; admins manage the shared ones."""

from __future__ import annotations

import strawberry

from app.schema.canned import (
    CannedResponse,
    CannedResponseInput,
    CannedResponseResult,
    DeleteCannedResponseResult,
    UpdateCannedResponseInput,
)
from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.core.ids import optional_id, parse_id
from app.services import canned


@strawberry.type
class CannedQueries:
    @strawberry.field(
        description="Staff only: global ones, those of their departments and their personal ones."
    )
    async def canned_responses(
        self, info: Info, department_id: strawberry.ID | None = None
    ) -> list[CannedResponse]:
        rows = await canned.list_canned(
            actor=info.context.actor, department_id=optional_id(department_id, "departmentId")
        )
        return [CannedResponse.of(row) for row in rows]


@strawberry.type
class CannedMutations:
    @mutation()
    async def create_canned_response(
        self, info: Info, input: CannedResponseInput
    ) -> CannedResponseResult:
        row = await canned.create_canned(
            actor=info.context.actor,
            title=input.title,
            body=input.body,
            department_id=optional_id(input.department_id, "departmentId"),
            personal=input.personal,
        )
        return CannedResponse.of(row)

    @mutation(description="Shared responses: admins. Personal ones: their owner.")
    async def update_canned_response(
        self, info: Info, input: UpdateCannedResponseInput
    ) -> CannedResponseResult:
        row = await canned.update_canned(
            actor=info.context.actor,
            canned_id=parse_id(input.id, "id"),
            title=input.title,
            body=input.body,
            expected_version=input.expected_version,
        )
        return CannedResponse.of(row)

    @mutation()
    async def delete_canned_response(
        self, info: Info, id: strawberry.ID
    ) -> DeleteCannedResponseResult:
        row = await canned.delete_canned(actor=info.context.actor, canned_id=parse_id(id, "id"))
        return CannedResponse.of(row)
