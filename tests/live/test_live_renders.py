"""Subscribers that would see an event identically share one execution; anyone whose view
depends on who they are gets their own (app/schema/core/executor.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Hashable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry import Private

from app.auth.actor import Actor
from app.models import Role
from app.schema.core.executor import HelpdeskExecutor
from app.schema.core.renders import SharedRenders


@strawberry.type
class Event:
    shared_renders: Private[SharedRenders]
    payload_key: Private[Hashable] = None

    @strawberry.field
    def can_see_notes(self, info: strawberry.Info) -> bool:
        return bool(info.context.actor.is_staff)

    @strawberry.field
    def viewer_id(self, info: strawberry.Info) -> int:
        return int(info.context.actor.user_id)

    @strawberry.field
    def request_path(self, info: strawberry.Info) -> str:
        return str(info.context.path)


@dataclass
class FakeContext:
    actor: Actor
    event: Event
    path: str
    settings: Any = None
    loaders: Any = None


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self, info: strawberry.Info) -> AsyncGenerator[Event, None]:
        yield info.context.event


schema = strawberry.Schema(
    query=Query, subscription=Subscription, execution_context_class=HelpdeskExecutor
)


def staff(user_id: int) -> Actor:
    return Actor(
        user_id=user_id,
        role=Role.STAFF,
        name=f"S{user_id}",
        email="",
        department_ids=frozenset({1}),
    )


async def render_for(actors: list[Actor], query: str) -> tuple[list[Any], int]:
    """The data each viewer gets for one shared event, and how many executions it took."""
    event = Event(shared_renders=SharedRenders())
    results = []
    for index, actor in enumerate(actors):
        context = FakeContext(actor=actor, event=event, path=f"/socket/{index}")
        stream = await schema.subscribe(query, context_value=context)
        result = await anext(stream)  # type: ignore[arg-type]
        assert not result.errors, result.errors
        results.append(result.data["events"])
        await stream.aclose()  # type: ignore[union-attr]
    return results, event.shared_renders.executions


async def test_viewers_of_the_same_class_share_one_execution():
    data, executions = await render_for(
        [staff(1), staff(2), staff(3)], "subscription { events { canSeeNotes } }"
    )
    assert data == [{"canSeeNotes": True}] * 3
    assert executions == 1


async def test_a_field_that_reads_who_is_viewing_is_executed_per_viewer():
    data, _ = await render_for(
        [staff(1), staff(2), staff(3)], "subscription { events { viewerId } }"
    )
    assert data == [{"viewerId": 1}, {"viewerId": 2}, {"viewerId": 3}]


async def test_a_field_that_reads_more_of_the_context_is_executed_per_viewer():
    data, _ = await render_for([staff(1), staff(2)], "subscription { events { requestPath } }")
    assert data == [{"requestPath": "/socket/0"}, {"requestPath": "/socket/1"}]


async def test_viewers_of_another_role_or_departments_get_their_own_execution():
    other_department = Actor(
        user_id=4, role=Role.STAFF, name="S4", email="", department_ids=frozenset({2})
    )
    client = Actor(user_id=5, role=Role.CLIENT, name="C", email="")
    data, executions = await render_for(
        [staff(1), other_department, client], "subscription { events { canSeeNotes } }"
    )
    assert data == [{"canSeeNotes": True}, {"canSeeNotes": True}, {"canSeeNotes": False}]
    assert executions == 3


async def test_two_operations_of_one_document_do_not_share_an_execution():
    event = Event(shared_renders=SharedRenders())
    document = """subscription Notes { events { canSeeNotes } }
                  subscription Path { events { requestPath } }"""
    data = []
    for index, name in enumerate(["Notes", "Path"]):
        context = FakeContext(actor=staff(1), event=event, path=f"/socket/{index}")
        stream = await schema.subscribe(document, context_value=context, operation_name=name)
        result = await anext(stream)  # type: ignore[arg-type]
        assert not result.errors, result.errors
        data.append(result.data["events"])
        await stream.aclose()  # type: ignore[union-attr]
    assert data == [{"canSeeNotes": True}, {"requestPath": "/socket/1"}]
