"""``policy.viewer_key``: the live dispatcher decides an event once per key and reuses the
answer for every socket of that key, so two viewers with the same key must get the same answer
from every ticket and message check, and two clients never share a key."""

from __future__ import annotations

from itertools import product
from types import SimpleNamespace

from app.auth import policy
from app.auth.actor import Actor
from app.models import Role

DEPARTMENTS = (frozenset(), frozenset({1}), frozenset({2}), frozenset({1, 2}))


def actors() -> list[Actor]:
    every = []
    for user_id, role, departments in product((10, 11, 12), Role, DEPARTMENTS):
        if role is not Role.STAFF and departments:
            continue  # only staff have departments (actor_for)
        every.append(
            Actor(user_id=user_id, role=role, name="", email="", department_ids=departments)
        )
    return every


def answers(actor: Actor) -> tuple[bool, ...]:
    """Every ticket and message check, on tickets of either department and any client."""
    found = []
    for department, client, internal in product((1, 2, 3), (10, 11, 12), (False, True)):
        ticket = SimpleNamespace(department_id=department, client_id=client)
        message = SimpleNamespace(internal=internal)
        found += [
            policy.can_view_ticket_fields(actor, department, client),
            policy.can_view_ticket(actor, ticket),  # type: ignore[arg-type]
            policy.can_view_message_fields(actor, department, client, internal),
            policy.can_view_message(actor, ticket, message),  # type: ignore[arg-type]
        ]
    return tuple(found)


def test_viewers_with_one_key_get_the_same_answers_and_clients_never_share_one():
    by_key: dict[object, set[tuple[bool, ...]]] = {}
    for actor in actors():
        by_key.setdefault(policy.viewer_key(actor), set()).add(answers(actor))
    assert all(len(found) == 1 for found in by_key.values())
    clients = [a for a in actors() if a.role is Role.CLIENT]
    assert len({policy.viewer_key(a) for a in clients}) == len(clients) == 3
    # Staff and admins share keys across users (that is what makes deciding once pay).
    staff = [a for a in actors() if a.role is Role.STAFF]
    assert len({policy.viewer_key(a) for a in staff}) == len(DEPARTMENTS)


def test_actors_with_one_ticket_scope_key_get_the_same_scope_and_clients_never_share_one():
    """A statement built from one actor's ``ticket_scope`` is kept under ``ticket_scope_key``
    (the ticket page's client panel): actors with one key must get the same filter."""
    by_key: dict[object, set[str]] = {}
    for actor in actors():
        scope = policy.ticket_scope(actor)
        shown = repr([getattr(scope, slot) for slot in scope.__slots__])
        by_key.setdefault(policy.ticket_scope_key(actor), set()).add(shown)
    assert all(len(found) == 1 for found in by_key.values()), by_key
    clients = [a for a in actors() if a.role is Role.CLIENT]
    assert len({policy.ticket_scope_key(a) for a in clients}) == len(clients) == 3
    staff = [a for a in actors() if a.role is Role.STAFF]
    assert len({policy.ticket_scope_key(a) for a in staff}) == len(DEPARTMENTS)
    assert policy.ticket_scope_key(None) != policy.ticket_scope_key(actors()[0])
