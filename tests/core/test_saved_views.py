"""Saved views: staff save named list filters and sorts, see them with counts scoped by the
policy, rename and delete their own; admins share theirs with a department (its members see
them and cannot change them); clients and the anonymous reach none of it."""

from __future__ import annotations

import pytest
from helpers import UPDATE, open_as

from app.infra import clock
from app.models import SavedView, Ticket, TicketPriority, TicketStatus
from app.services import tags as tag_service
from app.services.saved_views import COUNT_CAP, MAX_VIEWS_PER_USER

PERSONAS = ["anonymous", "client_a", "client_b", "staff_x", "staff_y", "admin"]

VIEW_FIELDS = """id name editable count countCapped department { id name } owner { name }
  filter { status priority departmentId assigneeId assignedToMe unassigned search tags
           tagsMatch clientId }
  sort { field direction }"""
RESULT = f"""__typename ... on SavedView {{ {VIEW_FIELDS} }}
  ... on Error {{ message code field }} ... on ValidationError {{ fieldErrors {{ field message }} }}"""
SAVE = f"mutation($input: SaveViewInput!) {{ saveView(input: $input) {{ {RESULT} }} }}"
DELETE = f"mutation($id: ID!) {{ deleteView(id: $id) {{ {RESULT} }} }}"
VIEWS = f"{{ savedViews {{ {VIEW_FIELDS} }} }}"
LIST = """query($filter: TicketFilter, $sort: TicketSort) {
  tickets(filter: $filter, sort: $sort, first: 100) { totalCount edges { node { number } } } }"""


def token_of(world, persona: str) -> str | None:
    return None if persona == "anonymous" else getattr(world, persona).token


async def save(gql, person, **input_) -> dict:
    return (await gql.data(SAVE, {"input": input_}, token=person.token))["saveView"]


async def views_of(gql, person) -> list[dict]:
    return (await gql.data(VIEWS, token=person.token))["savedViews"]


@pytest.fixture
async def tickets(world) -> dict[str, Ticket]:
    """Two open tickets in X (one urgent), one in Y, and a closed one in X."""
    found = {
        "x_open": await open_as(world.client_a, world.dept_x, subject="Printer jam"),
        "x_urgent": await open_as(world.client_b, world.dept_x, subject="Server down"),
        "y_open": await open_as(world.client_a, world.dept_y, subject="Invoice wrong"),
        "x_closed": await open_as(world.client_a, world.dept_x, subject="Old printer"),
    }
    await Ticket.filter(id=found["x_urgent"].id).update(priority=TicketPriority.URGENT)
    await Ticket.filter(id=found["x_closed"].id).update(status=TicketStatus.CLOSED)
    return found


# Saving and seeing -----------------------------------------------------------------------------


async def test_staff_save_a_view_and_see_it_with_the_lists_count(gql, world, tickets):
    flt = {"status": ["OPEN", "CUSTOMER_REPLY"], "search": "printer"}
    sort = {"field": "NUMBER", "direction": "ASC"}
    saved = await save(gql, world.staff_x, name=" Printers ", filter=flt, sort=sort)
    assert saved["__typename"] == "SavedView", saved
    assert saved["name"] == "Printers"
    assert saved["filter"]["status"] == ["OPEN", "CUSTOMER_REPLY"]
    assert saved["filter"]["search"] == "printer"
    assert saved["sort"] == sort
    assert saved["editable"] is True
    assert saved["department"] is None
    # The count is what the list shows for the same filter: the open printer ticket only.
    listed = await gql.data(LIST, {"filter": flt, "sort": sort}, token=world.staff_x.token)
    assert listed["tickets"]["totalCount"] == 1
    assert (saved["count"], saved["countCapped"]) == (1, False)
    [seen] = await views_of(gql, world.staff_x)
    assert (seen["id"], seen["name"], seen["count"]) == (saved["id"], "Printers", 1)
    # Another staff member does not see it.
    assert await views_of(gql, world.staff_y) == []


async def test_a_view_without_filter_counts_what_each_viewer_sees(gql, world, tickets):
    for person, expected in [(world.staff_x, 3), (world.staff_y, 1), (world.admin, 4)]:
        saved = await save(gql, person, name="Everything")
        assert saved["count"] == expected, person.user.name
        assert saved["sort"] == {"field": "LAST_ACTIVITY", "direction": "DESC"}


async def test_the_count_follows_ticket_changes(gql, world, tickets):
    saved = await save(gql, world.staff_x, name="Urgent", filter={"priority": ["URGENT"]})
    assert saved["count"] == 1
    await gql.data(
        UPDATE,
        {"input": {"number": tickets["x_open"].number, "priority": "URGENT"}},
        token=world.staff_x.token,
    )
    [seen] = await views_of(gql, world.staff_x)
    assert seen["count"] == 2


async def test_rename_change_and_delete_own_view(gql, world, tickets):
    saved = await save(gql, world.staff_x, name="Mine", filter={"assignedToMe": True})
    assert saved["count"] == 0
    renamed = await save(gql, world.staff_x, id=saved["id"], name="My tickets")
    assert renamed["name"] == "My tickets"
    assert renamed["filter"]["assignedToMe"] is True  # the filter stays when left out
    changed = await save(gql, world.staff_x, id=saved["id"], filter={"unassigned": True})
    assert (changed["name"], changed["filter"]["unassigned"], changed["count"]) == (
        "My tickets",
        True,
        3,
    )
    deleted = (await gql.data(DELETE, {"id": saved["id"]}, token=world.staff_x.token))["deleteView"]
    assert deleted["__typename"] == "SavedView"
    assert await views_of(gql, world.staff_x) == []
    assert await SavedView.all().count() == 0


async def test_the_count_is_capped_like_the_list(gql, world):
    now = clock.now()
    await Ticket.bulk_create(
        [
            Ticket(
                number=5000 + i,
                subject=f"Bulk {i}",
                department_id=world.dept_x.id,
                client_id=world.client_a.id,
                created_at=now,
                last_activity_at=now,
            )
            for i in range(COUNT_CAP + 1)
        ]
    )
    saved = await save(gql, world.staff_x, name="All")
    assert (saved["count"], saved["countCapped"]) == (COUNT_CAP, True)
    await Ticket.filter(number=5000).delete()
    [seen] = await views_of(gql, world.staff_x)
    assert (seen["count"], seen["countCapped"]) == (COUNT_CAP, False)


# Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
async def test_who_lists_saved_views(gql, world, tickets, persona):
    await save(gql, world.staff_x, name="X view")
    await save(gql, world.staff_y, name="Y view")
    admin_view = await save(gql, world.admin, name="Admin view")
    await save(gql, world.admin, id=admin_view["id"], departmentId=str(world.dept_x.id))
    data = await gql.data(VIEWS, token=token_of(world, persona))
    names = [v["name"] for v in data["savedViews"]]
    assert (
        names
        == {
            "anonymous": [],
            "client_a": [],
            "client_b": [],
            "staff_x": ["X view", "Admin view"],
            "staff_y": ["Y view"],
            "admin": ["Admin view"],
        }[persona]
    )


@pytest.mark.parametrize("persona", ["anonymous", "client_a", "client_b"])
async def test_clients_and_the_anonymous_cannot_save_or_delete_views(gql, world, persona):
    view = await save(gql, world.staff_x, name="X view")
    token = token_of(world, persona)
    code = "NOT_AUTHENTICATED" if persona == "anonymous" else "PERMISSION_DENIED"
    made = (await gql.data(SAVE, {"input": {"name": "Mine"}}, token=token))["saveView"]
    assert (made["__typename"], made["code"]) == ("PermissionDenied", code)
    renamed = (await gql.data(SAVE, {"input": {"id": view["id"], "name": "Z"}}, token=token))[
        "saveView"
    ]
    assert renamed["__typename"] == "PermissionDenied"
    deleted = (await gql.data(DELETE, {"id": view["id"]}, token=token))["deleteView"]
    assert deleted["__typename"] == "PermissionDenied"
    assert [(v.name, v.owner_id) for v in await SavedView.all()] == [("X view", world.staff_x.id)]


async def test_staff_cannot_touch_another_members_view(gql, world):
    view = await save(gql, world.staff_x, name="X view")
    for person in (world.staff_y, world.admin):
        renamed = await save(gql, person, id=view["id"], name="Taken over")
        assert (renamed["__typename"], renamed["field"]) == ("NotFound", "id")
        deleted = (await gql.data(DELETE, {"id": view["id"]}, token=person.token))["deleteView"]
        assert deleted["__typename"] == "NotFound"
    missing = await save(gql, world.staff_y, id="999999", name="Nothing")
    assert missing["__typename"] == "NotFound"
    assert [v.name for v in await SavedView.all()] == ["X view"]


async def test_an_admin_shares_a_view_with_a_department(gql, world, tickets):
    view = await save(gql, world.admin, name="Open work", filter={"status": ["OPEN"]})
    assert view["count"] == 3  # every open ticket
    shared = await save(gql, world.admin, id=view["id"], departmentId=str(world.dept_x.id))
    assert shared["department"] == {"id": str(world.dept_x.id), "name": "Support"}
    # Members of X see it, counted within what they see, and cannot change it.
    [seen] = await views_of(gql, world.staff_x)
    assert (seen["name"], seen["editable"], seen["count"]) == ("Open work", False, 2)
    assert seen["owner"] == {"name": "Ada Admin"}
    refused = await save(gql, world.staff_x, id=view["id"], name="Mine now")
    assert (refused["__typename"], refused["code"]) == ("PermissionDenied", "PERMISSION_DENIED")
    refused = (await gql.data(DELETE, {"id": view["id"]}, token=world.staff_x.token))["deleteView"]
    assert refused["__typename"] == "PermissionDenied"
    # Staff of another department do not see it, and it answers them as missing.
    assert await views_of(gql, world.staff_y) == []
    missing = await save(gql, world.staff_y, id=view["id"], name="Mine now")
    assert missing["__typename"] == "NotFound"
    # Unsharing takes it away from the members.
    await save(gql, world.admin, id=view["id"], departmentId=None)
    assert await views_of(gql, world.staff_x) == []
    assert (await SavedView.get(id=int(view["id"]))).name == "Open work"


async def test_only_admins_share_views(gql, world):
    refused = await save(gql, world.staff_x, name="Mine", departmentId=str(world.dept_x.id))
    assert (refused["__typename"], refused["code"]) == ("PermissionDenied", "PERMISSION_DENIED")
    view = await save(gql, world.staff_x, name="Mine")
    refused = await save(gql, world.staff_x, id=view["id"], departmentId=str(world.dept_x.id))
    assert refused["__typename"] == "PermissionDenied"
    assert [v.department_id for v in await SavedView.all()] == [None]
    assert await views_of(gql, world.staff_y) == []


async def test_a_client_filter_in_a_view_counts_only_what_the_viewer_sees(gql, world, tickets):
    view = await save(gql, world.admin, name="Alice", filter={"clientId": str(world.client_a.id)})
    assert view["count"] == 3
    await save(gql, world.admin, id=view["id"], departmentId=str(world.dept_y.id))
    [seen] = await views_of(gql, world.staff_y)
    assert (seen["filter"]["clientId"], seen["count"]) == (str(world.client_a.id), 1)


# Bad input and caps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("input_", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 61}, "name"),
        ({"name": "taken"}, "name"),  # "Taken" exists: names ignore case
        ({"name": "Fine", "sort": {"field": "RELEVANCE"}}, "sort"),
        ({"name": "Fine", "filter": {"search": "x" * 201}}, "filter.search"),
        ({"name": "Fine", "filter": {"tags": [str(i) for i in range(1, 60)]}}, "filter.tags"),
        ({"name": "Fine", "departmentId": "999999"}, "departmentId"),
        ({"name": "Fine", "filter": {"departmentId": "abc"}}, "departmentId"),
    ],
)
async def test_bad_views_are_refused_and_change_nothing(gql, world, input_, field):
    await save(gql, world.admin, name="Taken")
    refused = await save(gql, world.admin, **input_)
    assert refused["__typename"] == "ValidationError", refused
    assert field in {e["field"] for e in refused["fieldErrors"]}
    assert [v.name for v in await SavedView.all()] == ["Taken"]


async def test_a_staff_member_keeps_at_most_the_limit_of_views(gql, world):
    now = clock.now()
    await SavedView.bulk_create(
        [
            SavedView(
                owner_id=world.staff_x.id,
                name=f"View {i}",
                name_key=f"view {i}",
                filters={},
                sort_field="last_activity",
                created_at=now,
                updated_at=now,
            )
            for i in range(MAX_VIEWS_PER_USER)
        ]
    )
    refused = await save(gql, world.staff_x, name="One more")
    assert (refused["code"], refused["field"]) == ("VALIDATION_ERROR", "name")
    assert f"{MAX_VIEWS_PER_USER} views" in refused["message"]
    assert await SavedView.filter(owner_id=world.staff_x.id).count() == MAX_VIEWS_PER_USER
    # Renaming one is not a new view; another member is not held back.
    first = (await views_of(gql, world.staff_x))[0]
    renamed = await save(gql, world.staff_x, id=first["id"], name="Renamed")
    assert renamed["__typename"] == "SavedView"
    assert (await save(gql, world.staff_y, name="Mine"))["__typename"] == "SavedView"


async def test_a_view_of_a_deleted_tag_counts_nothing(gql, world, tickets):
    tag = await tag_service.create_tag(actor=world.admin.actor, name="Hot", color="#ff0000")
    await tag_service.change_ticket_tags(
        actor=world.staff_x.actor, number=tickets["x_open"].number, add=[tag.id]
    )
    view = await save(gql, world.staff_x, name="Hot", filter={"tags": [str(tag.id)]})
    assert view["count"] == 1
    await tag_service.delete_tag(actor=world.admin.actor, tag_id=tag.id)
    [seen] = await views_of(gql, world.staff_x)
    assert seen["count"] == 0
