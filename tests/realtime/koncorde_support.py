"""
Shared helpers for the Koncorde tests: match one filter against one document
through the whole engine, and check that the index agrees with a plain
evaluation of the filter, condition by condition.
"""

from __future__ import annotations

from typing import Any

from kuzzle_tx.realtime.koncorde import Koncorde
from kuzzle_tx.realtime.koncorde.conditions import Condition
from kuzzle_tx.realtime.koncorde.dnf import And, Node, Not, Or
from kuzzle_tx.realtime.koncorde.regexps import HAVE_RE2
from kuzzle_tx.realtime.koncorde.standardize import Standardizer
from kuzzle_tx.realtime.koncorde.values import flatten

INDEX = "index"
COLLECTION = "collection"
#: The engine Koncorde uses by default here.
DEFAULT_ENGINE = "re2" if HAVE_RE2 else "python"


def evaluate_tree(node: Node, flat: dict[str, Any]) -> bool:
    """A reference evaluation of a standardized tree, without any DNF."""
    if isinstance(node, And):
        return all(evaluate_tree(item, flat) for item in node.items)
    if isinstance(node, Or):
        return any(evaluate_tree(item, flat) for item in node.items)
    if isinstance(node, Not):
        return not evaluate_tree(node.item, flat)
    assert isinstance(node, Condition)
    return node.matches(flat)


def matches(
    filters: dict[str, Any] | None,
    document: dict[str, Any],
    document_id: str | None = None,
    engine: str = DEFAULT_ENGINE,
) -> bool:
    """
    Whether ``filters`` matches ``document`` once stored in a Koncorde, after
    checking that the indexed matching agrees with the reference evaluation.
    """
    koncorde = Koncorde(regexp_engine=engine)
    room_id = koncorde.store(koncorde.normalize(INDEX, COLLECTION, filters))
    indexed = koncorde.test(INDEX, COLLECTION, document, document_id) == [room_id]
    flat = flatten(document)
    if document_id is not None:
        flat["_id"] = document_id
    reference = evaluate_tree(Standardizer(engine).standardize(filters), flat)
    if indexed != reference:
        raise AssertionError(
            f"index says {indexed}, reference says {reference} for {filters} on {document}"
        )
    return indexed


def room_id(
    filters: dict[str, Any] | None, index: str = INDEX, collection: str = COLLECTION
) -> str:
    """The room id of a filter."""
    return Koncorde().normalize(index, collection, filters).id
