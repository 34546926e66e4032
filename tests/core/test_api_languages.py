"""The API speaks the actor's language: a typed error's ``message`` (and its field errors) and
the notices of account mutations are in the user's profile language, else the request's
``Accept-Language``, else DEFAULT_LANGUAGE; ``code``, ``field`` and the type never change."""

from __future__ import annotations

import httpx
from helpers import open_as

from app.i18n import Msg, Translator, translate

OPEN = """mutation($d: ID!, $s: String!, $b: String!) {
  openTicket(input: {departmentId: $d, subject: $s, body: $b}) {
    __typename ... on Error { code field message } ... on ValidationError { fieldErrors { field message } } } }"""
CLOSE = """mutation($n: Int!) { closeTicket(number: $n) {
  __typename ... on Error { code field message } } }"""
LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Error { code message } } }"""
RESET = """mutation($e: String!) { requestPasswordReset(email: $e) {
  __typename ... on Accepted { message } } }"""
PROFILE = """mutation($l: String) { updateProfile(language: $l) { __typename } }"""


async def _german(gql, person) -> None:
    await gql.data(PROFILE, {"l": "de"}, token=person.token)


async def test_a_german_users_errors_are_german_and_codes_stay(gql, world):
    await _german(gql, world.client_a)
    data = await gql.data(
        OPEN, {"d": str(world.dept_x.id), "s": " ", "b": ""}, token=world.client_a.token
    )
    error = data["openTicket"]
    assert (error["__typename"], error["code"], error["field"]) == (
        "ValidationError",
        "VALIDATION_ERROR",
        "subject",
    )
    assert error["message"] == "Betreff darf nicht leer sein."  # the label is translated too
    assert {e["field"]: e["message"] for e in error["fieldErrors"]} == {
        "subject": "Betreff darf nicht leer sein.",
        "body": "Die Nachricht darf nicht leer sein.",
    }
    missing = (await gql.data(CLOSE, {"n": 999}, token=world.client_a.token))["closeTicket"]
    assert missing == {
        "__typename": "NotFound",
        "code": "NOT_FOUND",
        "field": "number",
        "message": "Ticket #999 wurde nicht gefunden.",
    }
    # An English user asking the same meets the same codes, in English.
    english = (await gql.data(CLOSE, {"n": 999}, token=world.client_b.token))["closeTicket"]
    assert english == {**missing, "message": "Ticket #999 was not found."}


async def test_refusals_are_german_too(gql, world):
    await _german(gql, world.staff_y)
    refused = await gql.data(
        """mutation { createTag(input: {name: "x", color: "#000000"}) {
          __typename ... on Error { code message } } }""",
        token=world.staff_y.token,
    )
    assert refused["createTag"] == {
        "__typename": "PermissionDenied",
        "code": "PERMISSION_DENIED",
        "message": "Nur Administratoren dürfen Schlagwörter verwalten.",
    }


async def test_signed_out_the_request_language_decides(gql, world):
    async def login(language: str | None) -> dict:
        headers = {"Accept-Language": language} if language else {}
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{gql.base}/graphql",
                json={"query": LOGIN, "variables": {"e": "alice@example.com", "p": "wrong1234"}},
                headers=headers,
            )
        return response.json()["data"]["login"]

    german = await login("de-DE,de;q=0.9,en;q=0.5")
    assert german == {
        "__typename": "PermissionDenied",
        "code": "PERMISSION_DENIED",
        "message": "E-Mail oder Passwort ist falsch.",
    }
    assert (await login(None))["message"] == "Email or password is wrong."  # DEFAULT_LANGUAGE
    assert (await login("fr-FR"))["message"] == "Email or password is wrong."  # not shipped
    async with httpx.AsyncClient() as http:
        reset = await http.post(
            f"{gql.base}/graphql",
            json={"query": RESET, "variables": {"e": "nobody@example.com"}},
            headers={"Accept-Language": "de"},
        )
    assert reset.json()["data"]["requestPasswordReset"]["message"].startswith("Falls ein Konto")


async def test_the_profile_wins_over_the_request_language(gql, world):
    await _german(gql, world.client_a)
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{gql.base}/graphql",
            json={"query": CLOSE, "variables": {"n": 5}},
            headers={"Authorization": f"Bearer {world.client_a.token}", "Accept-Language": "en"},
        )
    assert response.json()["data"]["closeTicket"]["message"] == "Ticket #5 wurde nicht gefunden."


def test_a_message_is_its_english_text_and_translates_its_parts():
    summary = Msg.joined("; ", [Msg("{who} replied", who="Ada"), Msg("it was changed")])
    text = Msg("Ticket #{number} changed since you loaded it: {summary}. "
               "Your change was not applied.", number=7, summary=summary)  # fmt: skip
    assert text == (
        "Ticket #7 changed since you loaded it: Ada replied; it was changed. "
        "Your change was not applied."
    )
    assert translate(Translator("de"), text) == (
        "Ticket #7 hat sich geändert, seit Sie es geladen haben: Ada hat geantwortet; "
        "es wurde geändert. Ihre Änderung wurde nicht übernommen."
    )
    # What people wrote is never looked up: a plain value stays as it is.
    assert translate(Translator("de"), Msg("{who} replied", who="Closed")) == (
        "Closed hat geantwortet"
    )


async def test_business_hours_complaints_are_german_for_a_german_admin(gql, world):
    await _german(gql, world.admin)
    answer = await gql.data(
        """mutation($input: BusinessHoursInput!) { setBusinessHours(input: $input) {
          __typename ... on ValidationError { fieldErrors { field message } } } }""",
        {
            "input": {
                "departmentId": str(world.dept_x.id),
                "timezone": "Mars/Olympus",
                "windows": [
                    {"weekday": 1, "opens": "09:00", "closes": "13:00"},
                    {"weekday": 1, "opens": "12:00", "closes": "17:00"},
                ],
            }
        },
        token=world.admin.token,
    )
    refused = answer["setBusinessHours"]
    assert refused["__typename"] == "ValidationError"
    assert {e["field"]: e["message"] for e in refused["fieldErrors"]} == {
        "timezone": "'Mars/Olympus' ist keine Zeitzone (verwenden Sie einen IANA-Namen wie "
        "Europe/Berlin).",
        "windows": "mon: Zeitfenster überschneiden sich.",
    }


async def test_conflicts_cc_refusals_and_control_characters_are_german(gql, world):
    """The sentences the server writes name fields and values by their labels, and each CC
    refusal reason, like the control-character refusal of a search, is a catalogue entry."""
    await _german(gql, world.staff_x)
    ticket = await open_as(world.client_a, world.dept_x)
    update = """mutation($input: UpdateTicketInput!) { updateTicket(input: $input) {
      __typename ... on Ticket { version } ... on Error { message code field } } }"""
    await gql.data(
        update, {"input": {"number": ticket.number, "priority": "URGENT"}}, token=world.admin.token
    )
    stale = await gql.data(
        update,
        {"input": {"number": ticket.number, "priority": "LOW", "expectedVersion": 1}},
        token=world.staff_x.token,
    )
    assert stale["updateTicket"]["code"] == "CONFLICT"
    assert (
        "Ada Admin hat Priorität von Mittel auf Dringend geändert"
        in (stale["updateTicket"]["message"])
    )

    ccs = """mutation($n: Int!, $a: [String!]!) { setTicketCcs(number: $n, addresses: $a) {
      __typename ... on Error { message code field } } }"""
    refused = (
        await gql.data(
            ccs,
            {"n": ticket.number, "a": ["alice@example.com", "admin@example.com"]},
            token=world.staff_x.token,
        )
    )["setTicketCcs"]
    assert (refused["code"], refused["field"]) == ("VALIDATION_ERROR", "addresses")
    assert refused["message"] == (
        "Diese können nicht in Kopie gesetzt werden: alice@example.com ist der Kunde des "
        "Tickets; admin@example.com kann nicht in Kopie gesetzt werden."
    )

    search = await gql(
        "query($search: String) { tickets(filter: {search: $search}) { totalCount } }",
        {"search": "a\x07b"},
        token=world.staff_x.token,
    )
    error = search["errors"][0]
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "filter.search"}
    assert error["message"] == "Steuerzeichen sind hier nicht erlaubt."
