"""
What the tests of the mapping modules share: the fields Elasticsearch infers and Kuzzle
adds, and two shortcuts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.mappings import (
    KUZZLE_META_MAPPING,
    validate_mappings,
)

TEXT = {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
META = KUZZLE_META_MAPPING["_kuzzle_info"]


def raised(call: Callable[..., Any], *args: Any) -> KuzzleError:
    """The KuzzleError ``call(*args)`` raises."""
    try:
        call(*args)
    except KuzzleError as error:
        return error
    raise AssertionError(f"no error from {call.__name__}{args!r}")


def mapping_with(properties: dict[str, Any], dynamic: str = "false") -> dict[str, Any]:
    """A validated mapping of ``properties`` under the ``dynamic`` policy."""
    return validate_mappings({"dynamic": dynamic, "properties": properties})
