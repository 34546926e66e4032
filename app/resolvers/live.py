"""Live-update mutations (presence)."""

from __future__ import annotations

import strawberry


@strawberry.type
class LiveMutations:
    pass
