"""Uploads over real HTTP by the GraphQL multipart request spec, and a look at the file store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.models import Attachment, Message, Ticket

OPEN = """
mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename
  ... on Ticket { number messages { edges { node { id attachments {
    id filename contentType size url } } } } }
  ... on Error { message code field }
} }
"""
REPLY = """
mutation($input: ReplyInput!) { replyToTicket(input: $input) {
  __typename
  ... on Message { id internal attachments { id filename contentType size url } }
  ... on Error { message code field }
} }
"""
NOTE = """
mutation($input: NoteInput!) { addInternalNote(input: $input) {
  __typename
  ... on Message { id internal attachments { id filename contentType size url } }
  ... on Error { message code field }
} }
"""

FileSpec = tuple[str, bytes] | tuple[str, bytes, str]


@dataclass
class Uploader:
    base: str
    http: httpx.AsyncClient

    async def post(
        self,
        query: str,
        variables: dict[str, Any],
        files: list[FileSpec],
        *,
        token: str | None = None,
        csrf_header: bool = True,
    ) -> httpx.Response:
        """One multipart request: ``operations``, ``map``, then the files, in that order."""
        variables = json.loads(json.dumps(variables))
        variables["input"]["attachments"] = [None] * len(files)
        mapping = {str(i): [f"variables.input.attachments.{i}"] for i in range(len(files))}
        headers = {"GraphQL-Preflight": "1"} if csrf_header else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if not files:
            return await self.http.post(
                f"{self.base}/graphql",
                json={"query": query, "variables": variables},
                headers=headers,
            )
        parts = [
            (str(i), (spec[0], spec[1], spec[2] if len(spec) > 2 else "application/octet-stream"))
            for i, spec in enumerate(files)
        ]
        return await self.http.post(
            f"{self.base}/graphql",
            data={
                "operations": json.dumps({"query": query, "variables": variables}),
                "map": json.dumps(mapping),
            },
            files=parts,
            headers=headers,
        )

    async def result(
        self, query: str, variables: dict[str, Any], files: list[FileSpec], *, token: str
    ) -> dict[str, Any]:
        """The mutation's single result field (payload or typed error)."""
        response = await self.post(query, variables, files, token=token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body
        return next(iter(body["data"].values()))

    async def open_ticket(self, person: Any, department: Any, files: list[FileSpec]) -> dict:
        return await self.result(
            OPEN,
            {
                "input": {
                    "departmentId": str(department.id),
                    "subject": "Files",
                    "body": "See attached",
                }
            },
            files,
            token=person.token,
        )

    async def reply(self, person: Any, number: int, files: list[FileSpec]) -> dict:
        variables = {"input": {"number": number, "body": "More files"}}
        return await self.result(REPLY, variables, files, token=person.token)

    async def note(self, person: Any, number: int, files: list[FileSpec]) -> dict:
        variables = {"input": {"number": number, "body": "For staff"}}
        return await self.result(NOTE, variables, files, token=person.token)

    async def download(
        self, url: str, *, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        return await self.http.get(url, headers=headers, **kwargs)


@dataclass
class Store:
    """What is on disk under var/files."""

    root: Path

    def has(self, data: bytes) -> bool:
        digest = hashlib.sha256(data).hexdigest()
        return (self.root / digest[:2] / digest[2:4] / digest).is_file()

    def blobs(self) -> set[str]:
        """The names (content hashes) of every stored file."""
        return {p.name for p in self.root.glob("??/??/*") if p.is_file()}

    def leftovers(self) -> list[str]:
        """Partial uploads and pins: empty whenever no request is in flight."""
        return [
            p.name
            for folder in ("tmp", "pins")
            if (self.root / folder).is_dir()
            for p in (self.root / folder).iterdir()
        ]


async def saved_counts() -> tuple[int, int, int]:
    """(tickets, messages, attachments) in the database."""
    return (await Ticket.all().count(), await Message.all().count(), await Attachment.all().count())


def attachments_of_opened(result: dict) -> list[dict]:
    return result["messages"]["edges"][0]["node"]["attachments"]
