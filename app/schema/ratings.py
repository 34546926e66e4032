"""Customer satisfaction: a ticket's rating, and what a mailed rating link shows."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app import models
from app.schema.core.errors import result_union
from app.services import ratings

RatingScore = models.RatingScore
RatingSource = models.RatingSource
strawberry.enum(RatingScore, name="RatingScore")
strawberry.enum(RatingSource, name="RatingSource")


@strawberry.type(description="A client's satisfaction with a closed ticket.")
class Rating:
    score: RatingScore
    comment: str | None
    rated_at: datetime
    source: RatingSource = strawberry.field(description="PORTAL (signed in) or LINK (mail).")

    @classmethod
    def of(cls, row: models.TicketRating) -> Rating:
        return cls(score=row.score, comment=row.comment, rated_at=row.rated_at, source=row.source)


@strawberry.type(description="What a mailed rating link shows (no sign-in: the link is the proof).")
class RatingLink:
    ticket_number: int
    ticket_subject: str
    rating: Rating | None = strawberry.field(
        description="The rating this close has (null: not rated yet)."
    )
    recorded: bool = strawberry.field(
        description="True when this request recorded the score; false when it was given "
        "before (a second click changes nothing)."
    )
    can_comment: bool = strawberry.field(
        description="Whether this link may still add the comment to its rating."
    )

    @classmethod
    def of(cls, outcome: ratings.LinkOutcome) -> RatingLink:
        return cls(
            ticket_number=outcome.ticket.number,
            ticket_subject=outcome.ticket.subject,
            rating=Rating.of(outcome.rating) if outcome.rating is not None else None,
            recorded=outcome.recorded,
            can_comment=outcome.can_comment,
        )


RateTicketResult = result_union("RateTicketResult", Rating)
RatingLinkResult = result_union("RatingLinkResult", RatingLink)
