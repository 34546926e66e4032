"""Parsing and validation done once per distinct document text.

A document's parse tree and its validation errors depend only on its text (and the schema and
limits, fixed when the schema is built): the depth, alias and token limits, the query cost and
graphql-core's own rules all read the document alone. So ``DocumentCache`` keeps, per text, the
parsed document and its validation errors in a bounded LRU, and a request whose text was seen
before neither parses nor validates. The web UI sends a handful of texts; a client that sends
endless distinct texts only evicts entries (the cache is bounded) and pays what it paid before.

The limit rules are built once, with the schema: Strawberry's limiter extensions build a new
rule class per instance, which made every request's rules differ and its validation cache miss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse, specified_rules
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document


class Documents:
    """One schema's cache: text -> (document, validation errors), or (None, None) when the
    text does not parse (Strawberry then parses again inside its own error handling and answers
    the syntax or token-limit error as before)."""

    def __init__(
        self, rules: Sequence[type[ASTValidationRule]], *, max_tokens: int, maxsize: int = 256
    ) -> None:
        self.rules = (*specified_rules, *rules)
        self.max_tokens = max_tokens
        self.prepared: Callable[
            [object, str], tuple[DocumentNode | None, list[GraphQLError] | None]
        ] = lru_cache(maxsize=maxsize)(self._prepare)

    def _prepare(
        self, schema: object, text: str
    ) -> tuple[DocumentNode | None, list[GraphQLError] | None]:
        try:
            document = parse(text, max_tokens=self.max_tokens)
        except GraphQLError:
            return None, None
        return document, validate_document(schema, document, self.rules)  # type: ignore[arg-type]


class DocumentCache(SchemaExtension):
    """Parse and validate through the schema's ``Documents``."""

    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    def on_operation(self) -> Iterator[None]:
        # Strawberry's own parse (of a text that failed here) keeps the token limit, and its
        # validation, if it ever ran, the same rules.
        self.execution_context.parse_options["max_tokens"] = self.documents.max_tokens
        self.execution_context.validation_rules = self.documents.rules
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        self._errors = None
        if context.query and context.graphql_document is None:
            document, self._errors = self.documents.prepared(context.schema._schema, context.query)
            context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self._errors is not None:
            context.pre_execution_errors = list(self._errors)
        yield
