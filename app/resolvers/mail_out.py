"""Outbound mail log for admins."""

from __future__ import annotations

import strawberry


@strawberry.type
class MailOutQueries:
    pass
