"""Customer satisfaction: rating from the portal and through a mailed link."""

from __future__ import annotations

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import ErrorsAsData, mutation
from app.schema.ratings import (
    RateTicketResult,
    Rating,
    RatingLink,
    RatingLinkResult,
    RatingScore,
)
from app.services import ratings


@strawberry.type
class RatingQueries:
    @strawberry.field(
        description="What a mailed rating link shows, changing nothing (no sign-in needed).",
        extensions=[ErrorsAsData()],
    )
    async def rating_link(self, info: Info, token: str) -> RatingLinkResult:
        return RatingLink.of(await ratings.link_state(settings=info.context.settings, token=token))


@strawberry.type
class RatingMutations:
    @mutation(
        description="The signed-in client rates their own closed ticket; rating again "
        "replaces the rating (the earlier ones are kept in its history)."
    )
    async def rate_ticket(
        self, info: Info, number: int, score: RatingScore, comment: str | None = None
    ) -> RateTicketResult:
        row = await ratings.rate_ticket(
            actor=info.context.actor, number=number, score=score, comment=comment
        )
        return Rating.of(row)

    @mutation(
        description="Follow a mailed rating link (no sign-in): records the score if the close "
        "it names is not rated yet, and adds the comment once. Idempotent: repeating it "
        "changes nothing and answers the rating as it stands."
    )
    async def rate_by_link(
        self,
        info: Info,
        token: str,
        score: RatingScore | None = None,
        comment: str | None = None,
    ) -> RatingLinkResult:
        outcome = await ratings.rate_by_link(
            settings=info.context.settings, token=token, score=score, comment=comment
        )
        return RatingLink.of(outcome)
