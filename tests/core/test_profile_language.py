"""A user's language and time zone: set by themselves and by admins, validated (a bad value is a
ValidationError naming the field and changes nothing), shown only to the user and admins, and a
sign-up takes the browser's language."""

from __future__ import annotations

from app.models import Role, User
from tests.conftest import make_person

ME = "{ me { id language timeZone } }"
UPDATE_PROFILE = """mutation($l: String, $z: String) { updateProfile(language: $l, timeZone: $z) {
  __typename ... on User { language timeZone } ... on Error { code field message } } }"""
UPDATE_USER = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on User { language timeZone } ... on Error { code field message } } }"""
USERS = "{ users(role: STAFF) { edges { node { email language timeZone } } } }"
SIGN_UP = """mutation($n: String!, $e: String!, $p: String!) { signUp(name: $n, email: $e, password: $p) {
  __typename } }"""


async def test_a_user_sets_their_language_and_time_zone(gql, world):
    me = (await gql.data(ME, token=world.client_a.token))["me"]
    assert (me["language"], me["timeZone"]) == ("en", None)  # DEFAULT_LANGUAGE, no zone chosen
    data = await gql.data(
        UPDATE_PROFILE, {"l": "de", "z": "Europe/Berlin"}, token=world.client_a.token
    )
    assert data["updateProfile"] == {
        "__typename": "User",
        "language": "de",
        "timeZone": "Europe/Berlin",
    }
    me = (await gql.data(ME, token=world.client_a.token))["me"]
    assert (me["language"], me["timeZone"]) == ("de", "Europe/Berlin")
    stored = await User.get(id=world.client_a.id)
    assert (stored.language, stored.time_zone) == ("de", "Europe/Berlin")
    # One argument alone changes only that one; an empty zone returns to the default.
    data = await gql.data(UPDATE_PROFILE, {"z": ""}, token=world.client_a.token)
    assert data["updateProfile"] == {"__typename": "User", "language": "de", "timeZone": None}


async def test_bad_values_are_refused_by_field_and_change_nothing(gql, world):
    await gql.data(UPDATE_PROFILE, {"l": "de", "z": "Asia/Tokyo"}, token=world.staff_x.token)
    for values, field in (
        ({"l": "fr"}, "language"),
        ({"l": ""}, "language"),
        ({"z": "Mars/Olympus"}, "timeZone"),
        ({"z": "localtime"}, "timeZone"),
        ({"z": "posix/Europe/Berlin"}, "timeZone"),
        ({"z": "x" * 500}, "timeZone"),
        ({"l": "en", "z": "Berlin"}, "timeZone"),  # one bad value: the good one is not saved
    ):
        result = (await gql.data(UPDATE_PROFILE, values, token=world.staff_x.token))[
            "updateProfile"
        ]
        assert (result["__typename"], result["code"], result["field"]) == (
            "ValidationError",
            "VALIDATION_ERROR",
            field,
        ), values
        assert result["message"]
    stored = await User.get(id=world.staff_x.id)
    assert (stored.language, stored.time_zone) == ("de", "Asia/Tokyo")
    # Signed out: refused.
    result = (await gql.data(UPDATE_PROFILE, {"l": "de"}))["updateProfile"]
    assert result["code"] == "NOT_AUTHENTICATED"


async def test_admins_set_them_in_the_user_editor_and_nobody_else(gql, world):
    target = {"id": str(world.client_a.id), "language": "de", "timeZone": "America/New_York"}
    for person in (world.staff_x, world.staff_y, world.client_a, world.client_b):
        result = (await gql.data(UPDATE_USER, {"input": target}, token=person.token))["updateUser"]
        assert result["code"] == "PERMISSION_DENIED", person.user.email
    assert (await User.get(id=world.client_a.id)).language is None
    result = (await gql.data(UPDATE_USER, {"input": target}, token=world.admin.token))["updateUser"]
    assert (result["language"], result["timeZone"]) == ("de", "America/New_York")
    bad = {"id": str(world.client_a.id), "language": "xx", "timeZone": "Nowhere/Town"}
    result = (await gql.data(UPDATE_USER, {"input": bad}, token=world.admin.token))["updateUser"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "language")
    stored = await User.get(id=world.client_a.id)
    assert (stored.language, stored.time_zone) == ("de", "America/New_York")


async def test_only_the_user_and_admins_see_them(gql, world):
    colleague = await make_person("Xena Staff", "xena@example.com", Role.STAFF, [world.dept_x])
    await gql.data(UPDATE_PROFILE, {"l": "de", "z": "Europe/Berlin"}, token=world.staff_x.token)

    async def xavier_as(person) -> dict:
        edges = (await gql.data(USERS, token=person.token))["users"]["edges"]
        return next(e["node"] for e in edges if e["node"]["email"] == "xavier@example.com")

    seen = await xavier_as(world.admin)
    assert (seen["language"], seen["timeZone"]) == ("de", "Europe/Berlin")
    seen = await xavier_as(colleague)  # a colleague sees Xavier, not his settings
    assert (seen["language"], seen["timeZone"]) == (None, None)


async def test_languages_lists_what_ships(gql, world):
    data = await gql.data("{ languages { code name } }")
    assert data["languages"] == [
        {"code": "en", "name": "English"},
        {"code": "de", "name": "Deutsch"},
    ]


async def test_a_sign_up_takes_the_browsers_language(gql, world):
    for email, header, expected in (
        ("dora@example.com", "de-DE,de;q=0.9,en;q=0.8", "de"),
        ("emil@example.com", "fr-FR,fr;q=0.9,de;q=0.5,en;q=0.7", "en"),
        ("fay@example.com", "ja", "en"),  # nothing shipped: DEFAULT_LANGUAGE
    ):
        response = await gql.http.post(
            f"{gql.base}/graphql",
            json={"query": SIGN_UP, "variables": {"n": "New", "e": email, "p": "long-password"}},
            headers={"Accept-Language": header},
        )
        assert response.json()["data"]["signUp"]["__typename"] == "Accepted"
        assert (await User.get(email=email)).language == expected, header
