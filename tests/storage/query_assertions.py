"""
What the tests of the search parsers share: the error ids they expect and the
assertions that check them.
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.storage.query import (
    parse_query,
    plain,
)

INVALID = "services.storage.invalid_argument"
UNKNOWN = "services.storage.unknown_query_keyword"
BAD_SEARCH = "services.storage.invalid_search_query"


class ErrorAssertions(SynchronousTestCase):
    def assertError(self, error_id: str, function: Any, *args: Any, **kwargs: Any) -> KuzzleError:
        error = self.assertRaises(KuzzleError, function, *args, **kwargs)
        self.assertEqual(error.id, error_id, error.message)
        return error

    def assertInvalid(self, query: Any, name: str, resolve: Any = plain) -> None:
        error = self.assertError(INVALID, parse_query, query, resolve)
        self.assertEqual(error.props[0], name, error.message)
