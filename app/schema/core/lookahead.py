"""What a document asks of a connection's rows, read from the field's own nodes: a page loads
(or computes) a relation of its rows only when some row field asks for it."""

from __future__ import annotations

from collections.abc import Iterable

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode
from graphql.language import SelectionSetNode

from app.schema.core.context import Info


def _fields(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterable[FieldNode]:
    """The fields of ``selection_set``, fragments spread and inlined (whatever their
    ``@include``/``@skip``: asking too much only costs a load that is not shown)."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in seen and name in fragments:
                seen.add(name)
                yield from _fields(fragments[name].selection_set, fragments, seen)


def node_fields(info: Info) -> frozenset[str]:
    """The names (as in the document) of the fields asked of ``edges { node { … } }`` under
    this connection field."""
    raw = info._raw_info
    fragments = raw.fragments
    names: set[str] = set()
    for field in raw.field_nodes:
        for edges in _fields(field.selection_set, fragments, set()):
            if edges.name.value != "edges":
                continue
            for node in _fields(edges.selection_set, fragments, set()):
                if node.name.value == "node":
                    names.update(
                        f.name.value for f in _fields(node.selection_set, fragments, set())
                    )
    return frozenset(names)
