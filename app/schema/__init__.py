"""The Strawberry schema: roots merged from app/resolvers, limits from the settings."""

from __future__ import annotations

import importlib
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from app.config import Settings, get_settings
from app.resolvers.admin import AdminMutations, AdminQueries
from app.resolvers.devmail import DevMailMutations, DevMailQueries
from app.resolvers.live import LiveMutations
from app.resolvers.mail_in import MailInMutations, MailInQueries
from app.resolvers.mail_out import MailOutQueries
from app.resolvers.subscriptions import Subscription
from app.resolvers.tickets import TicketMutations, TicketQueries
from app.schema.cost import query_cost_rule
from app.schema.errors import ERROR_TYPES
from app.schema.executor import HelpdeskExecutor
from app.schema.extensions import MaskUnexpectedErrors, ParserCacheAnsweringErrors
from app.schema.text_guard import RefuseControlCharactersInQueries


@strawberry.type
class Query(TicketQueries, AdminQueries, MailOutQueries, MailInQueries, DevMailQueries):
    pass


@strawberry.type
class Mutation(TicketMutations, AdminMutations, LiveMutations, MailInMutations, DevMailMutations):
    pass


class HelpdeskSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Strawberry logs every error; domain errors are answers, not faults, and unexpected
        ones are logged once, with the request id, by MaskUnexpectedErrors."""


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    if not settings.debug:
        # graphql-core reads this when it words an error; 0 turns "Did you mean ...?" off so
        # that error messages do not reveal field names to someone probing without introspection.
        setattr(importlib.import_module("graphql.pyutils.did_you_mean"), "MAX_LENGTH", 0)  # noqa: B010
    cost_rule = query_cost_rule(settings.query_cost_limit)  # one class: validation is cached
    extensions: list = [
        lambda: AddValidationRules([cost_rule]),
        lambda: QueryDepthLimiter(max_depth=settings.query_depth_limit),
        lambda: MaxAliasesLimiter(max_alias_count=settings.query_alias_limit),
        lambda: MaxTokensLimiter(max_token_count=settings.query_token_limit),
        MaskUnexpectedErrors,
        RefuseControlCharactersInQueries,
        # Many sockets send the same few subscription texts: parse and validate each once
        # (bounded LRU caches), which also keeps one document in memory instead of one each.
        lambda: ParserCacheAnsweringErrors(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return HelpdeskSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(ERROR_TYPES),
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=HelpdeskExecutor,
    )


schema = build_schema(Settings())
