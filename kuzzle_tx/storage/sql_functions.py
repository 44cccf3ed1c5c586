# -*- test-case-name: tests.storage.test_sql_conditions -*-
"""
The Python functions that SQL compiled by `kuzzle_tx.storage.sql_query` calls, for
the two conditions SQLite cannot spell: full-text matching (``kz_text``) and
Koncorde's regexps (``kz_regexp``). `register_functions` gives them to a connection;
`text_match` and `regexp_search` are the rules themselves, the same as the Python
evaluator's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from kuzzle_tx import codec
from kuzzle_tx.realtime.koncorde.regexps import compile_regexp

from .fields import tokenize
from .geo_match import geo_matches


def register_functions(connection: sqlite3.Connection) -> None:
    """
    Give ``connection`` the functions compiled queries call (``kz_text``, ``kz_regexp``,
    ``kz_geo``).
    """
    connection.create_function("kz_text", 4, _kz_text, deterministic=True)
    connection.create_function("kz_regexp", 3, _kz_regexp, deterministic=True)
    connection.create_function("kz_geo", 2, _kz_geo, deterministic=True)


def _kz_geo(clause: str, source: bytes | str) -> bool:
    try:
        return geo_matches(clause, codec.loads(source))
    except Exception:
        # A function that raises aborts the whole statement: a broken row matches nothing.
        return False


def text_match(value: str, tokens: Sequence[str], operator: str, phrase: bool) -> bool:
    """
    Whether one text value satisfies a `TextMatch`: any token ("or"), all of them
    ("and"), or all of them contiguously and in order (``phrase``). No token: no match.
    Public so that the Python evaluator can use the very same rule.
    """
    if not tokens:
        return False
    words = tuple(tokenize(value))
    if phrase:
        wanted = tuple(tokens)
        size = len(wanted)
        return any(words[i : i + size] == wanted for i in range(len(words) - size + 1))
    present = set(words)
    if operator == "and":
        return all(token in present for token in tokens)
    return any(token in present for token in tokens)


def regexp_search(pattern: str, flags: str, value: str) -> bool:
    """
    Whether ``pattern`` matches ``value`` as Koncorde's regexps do with Python's `re`
    (JavaScript's ``RegExp.test``: searched, not anchored; flags i, m, s and y apply,
    g and u change nothing), exactly as the Python evaluator tests it. An invalid
    pattern or invalid flags match nothing rather than failing the statement.
    """
    return _regexp_tester(pattern, flags)(value)


@lru_cache(maxsize=256)
def _tokens(tokens_json: str) -> tuple[str, ...]:
    return tuple(json.loads(tokens_json))


@lru_cache(maxsize=256)
def _regexp_tester(pattern: str, flags: str) -> Callable[[str], bool]:
    try:
        return compile_regexp(pattern, flags or None, "python")
    except ValueError:
        return _never


def _never(value: str) -> bool:
    return False


def _kz_text(value: Any, tokens_json: str, operator: str, phrase: int) -> int:
    if not isinstance(value, str):
        return 0
    return int(text_match(value, _tokens(tokens_json), operator, bool(phrase)))


def _kz_regexp(pattern: str, flags: str, value: Any) -> int:
    return int(isinstance(value, str) and regexp_search(pattern, flags or "", value))
