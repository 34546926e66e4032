"""The GraphQL schema: the roots assembled from every domain's resolvers, with the limits and
extensions the settings ask for. ``app.main`` builds it for the ASGI view; ``make schema``
exports ``app.api:schema``, built from the default settings when first asked for."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from app.config import Settings
from app.resolvers.accounts import AccountMutations, AccountQueries
from app.resolvers.canned import CannedMutations, CannedQueries
from app.resolvers.ccs import CcMutations
from app.resolvers.clients import ClientQueries
from app.resolvers.devmail import DevMailMutations, DevMailQueries
from app.resolvers.directory import DirectoryMutations, DirectoryQueries
from app.resolvers.drafts import DraftMutations
from app.resolvers.mail_in import MailInMutations, MailInQueries
from app.resolvers.mail_out import MailOutQueries
from app.resolvers.presence import PresenceMutations, PresenceSubscriptions
from app.resolvers.ratings import RatingMutations, RatingQueries
from app.resolvers.reports import ReportQueries
from app.resolvers.settings import SettingsMutations, SettingsQueries
from app.resolvers.sla import SlaMutations, SlaQueries
from app.resolvers.tags import TagMutations, TagQueries
from app.resolvers.tickets import TicketMutations, TicketQueries, TicketSubscriptions
from app.resolvers.views import ViewMutations, ViewQueries
from app.resolvers.writing import WritingQueries
from app.schema.core.cost import query_cost_rule
from app.schema.core.documents import DocumentCache, Documents
from app.schema.core.errors import ERROR_TYPES
from app.schema.core.executor import HelpdeskExecutor
from app.schema.core.extensions import (
    HideSuggestions,
    LogOperation,
    MaskUnexpectedErrors,
    RecordMetrics,
)
from app.schema.core.text_guard import RefuseControlCharactersInQueries


@strawberry.type
class Query(
    TicketQueries,
    AccountQueries,
    DirectoryQueries,
    CannedQueries,
    TagQueries,
    SlaQueries,
    ViewQueries,
    ClientQueries,
    RatingQueries,
    SettingsQueries,
    MailOutQueries,
    MailInQueries,
    DevMailQueries,
    ReportQueries,
    WritingQueries,
):
    pass


@strawberry.type
class Mutation(
    TicketMutations,
    DraftMutations,
    AccountMutations,
    DirectoryMutations,
    CannedMutations,
    TagMutations,
    CcMutations,
    SlaMutations,
    ViewMutations,
    RatingMutations,
    SettingsMutations,
    PresenceMutations,
    MailInMutations,
    DevMailMutations,
):
    pass


@strawberry.type
class Subscription(TicketSubscriptions, PresenceSubscriptions):
    pass


class HelpdeskSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Strawberry logs every error; domain errors are answers, not faults, and unexpected
        ones are logged once, with the request id, by MaskUnexpectedErrors."""


def build_schema(settings: Settings) -> strawberry.Schema:
    # Every rule is built once here, so that a document's validation can be cached: parsing
    # (with the token limit) and validation run once per distinct document text.
    rules = [
        query_cost_rule(settings.query_cost_limit),
        *QueryDepthLimiter(max_depth=settings.query_depth_limit).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.query_alias_limit).validation_rules,
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    documents = Documents(rules, max_tokens=settings.query_token_limit, maxsize=256)
    extensions: list[Any] = [
        RecordMetrics,
        lambda: DocumentCache(documents),
        MaskUnexpectedErrors,
        RefuseControlCharactersInQueries,
        LogOperation,
    ]
    if not settings.debug:
        extensions.append(HideSuggestions)
    return HelpdeskSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(ERROR_TYPES),
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=HelpdeskExecutor,
    )


def __getattr__(name: str) -> Any:
    """``app.api:schema`` (what ``make schema`` exports): the schema of the default settings,
    built on first use rather than when this module is imported."""
    if name == "schema":
        return build_schema(Settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
