from __future__ import annotations

OPEN = """
mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename ... on Ticket { number status subject department { name } client { name } }
  ... on Error { message code field } } }
"""


async def test_client_opens_ticket_and_staff_sees_it(gql, world):
    data = await gql.data(
        OPEN,
        {"input": {"departmentId": str(world.dept_x.id), "subject": "Help", "body": "It broke"}},
        token=world.client_a.token,
    )
    ticket = data["openTicket"]
    assert ticket["__typename"] == "Ticket"
    assert ticket["number"] == 1000
    assert ticket["status"] == "OPEN"
    seen = await gql.data(
        "{ tickets { totalCount edges { node { number } } } }", token=world.staff_x.token
    )
    assert seen["tickets"]["totalCount"] == 1
    hidden = await gql.data("{ tickets { totalCount } }", token=world.staff_y.token)
    assert hidden["tickets"]["totalCount"] == 0
