"""Inbound mail log and re-run for admins."""

from __future__ import annotations

import strawberry


@strawberry.type
class MailInQueries:
    pass


@strawberry.type
class MailInMutations:
    pass
