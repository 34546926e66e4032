"""Shared by the rating tests: an SMTP server, an arq worker running the real notification
job, and the rating links read out of the mail that arrived."""

from __future__ import annotations

import asyncio
import re

from tests.mail_out.mailout_support import Received, SmtpServer

CLOSE = """mutation($n: Int!) { closeTicket(number: $n) {
  __typename ... on Ticket { status } ... on Error { code message } } }"""
RATE = """mutation($n: Int!, $s: RatingScore!, $c: String) {
  rateTicket(number: $n, score: $s, comment: $c) {
    __typename ... on Rating { score comment source } ... on Error { code field message } } }"""
BY_LINK = """mutation($t: String!, $s: RatingScore, $c: String) {
  rateByLink(token: $t, score: $s, comment: $c) {
    __typename
    ... on RatingLink { ticketNumber recorded canComment rating { score comment source } }
    ... on Error { code field message } } }"""
LINK_STATE = """query($t: String!) { ratingLink(token: $t) {
    __typename
    ... on RatingLink { ticketNumber recorded canComment rating { score comment } }
    ... on Error { code field message } } }"""
RATING = """query($n: Int!) { ticket(number: $n) { rating { score comment ratedAt source } } }"""


async def closing_mail(smtp: SmtpServer, address: str, count: int = 1) -> Received:
    """The ``count``-th mail to ``address`` saying a ticket was closed (waiting, bounded;
    mails about one ticket may arrive in any order)."""

    def closing() -> list[Received]:
        return [r for r in smtp.to(address) if "was closed" in r.part("plain")]

    async with asyncio.timeout(15):
        while len(closing()) < count:
            await smtp.wait_for(len(smtp.received) + 1)
    return closing()[count - 1]


def rating_links(mail: Received) -> dict[str, str]:
    """The mail's rating links by label ("Good", "Bad"), from the text part; the HTML part
    must carry the same ones."""
    text = mail.part("plain")
    links = dict(re.findall(r"^- (Good|Bad): (\S+)\r?$", text, re.MULTILINE))
    assert links, text
    html = mail.part("html")
    for url in links.values():
        assert url.replace("&", "&amp;") in html
    return links


def fragment(url: str) -> dict[str, str]:
    """The token and score a link's page reads from its fragment."""
    _, _, frag = url.partition("#")
    return dict(part.split("=", 1) for part in frag.split("&"))
