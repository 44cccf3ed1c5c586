# -*- test-case-name: tests.storage.test_evaluate,tests.storage.test_query -*-
"""
Documents and queries shared by every storage backend's tests, so that they all find
the same hits: twelve hand-written documents with every awkward shape (arrays of
scalars and of objects, mixed types, null, empty arrays and objects, booleans beside
0/1, strings that look like numbers, wildcard characters in values), and for each
query kind the ids expected, checked by hand, in insertion order.

- `EXPECTED`: ``(name, Elasticsearch query, ids)``, parsed with
  ``parse_query(query)`` (no mapping: no field is full-text);
- `EXPECTED_TEXT`: the same, parsed with ``parse_query(query, resolve_text)``, where
  ``title`` and ``tags`` are full-text fields and ``<field>.keyword`` their exact
  sub-field;
- `EXPECTED_KONCORDE`: ``(name, Koncorde filter, ids)`` for ``koncorde_to_query(filter)``.
"""

from __future__ import annotations

from typing import Any

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    (
        "a1",
        {
            "name": "Alice",
            "age": 31,
            "active": True,
            "tags": ["red", "blue"],
            "title": "The quick brown fox",
            "address": {"city": "Paris", "zip": "75001"},
            "score": 12.5,
        },
    ),
    (
        "b2",
        {
            "name": "Bob",
            "age": 25,
            "active": False,
            "tags": ["green"],
            "title": "Lazy dogs sleep",
            "address": {"city": "Lyon", "zip": "69001"},
            "score": 7,
        },
    ),
    (
        "c3",
        {
            "name": "carol",
            "age": "31",
            "active": 1,
            "tags": [],
            "title": "quick QUICK fox jumps",
            "address": None,
        },
    ),
    (
        "d4",
        {"name": "Dave", "age": 40.0, "active": 0, "tags": "red", "title": None, "address": {}},
    ),
    (
        "e5",
        {
            "name": "Eve",
            "age": [20, 50],
            "tags": ["blue", "yellow"],
            "title": "brown fox",
            "items": [{"sku": "x1", "qty": 2}, {"sku": "y2", "qty": 5}],
        },
    ),
    (
        "f6",
        {
            "name": "Frank*?",
            "age": None,
            "active": "true",
            "items": [{"sku": "x1", "qty": 0}],
            "title": "The brown quick fox",
        },
    ),
    (
        "g7",
        {
            "name": "grace",
            "age": 18,
            "nested": {"deep": {"value": "hit"}},
            "tags": ["Red"],
            "loc": {"lat": 48.8566, "lon": 2.3522},
        },
    ),
    (
        "h8",
        {
            "name": "Heidi",
            "age": 65,
            "score": -3,
            "title": "foxes are quick",
            "loc": "43.6047, 1.4442",
        },
    ),
    (
        "i9",
        {
            "name": "ivan",
            "age": 31,
            "active": True,
            "tags": ["red", 3],
            "meta": {"note": "a\\b*c"},
            "loc": [51.5074, -0.1278],
        },
    ),
    (
        "j10",
        {
            "name": ["Judy", "Jo"],
            "age": 22,
            "score": "high",
            "address": {"city": "Paris"},
            "loc": "u09tvw0f6szye",
        },
    ),
    ("k11", {}),
    (
        "l12",
        {
            "name": "Leo",
            "age": 0,
            "active": False,
            "tags": [True, "blue"],
            "address": {"city": "paris", "zip": 75002},
        },
    ),
]

ALL = [doc_id for doc_id, _ in DOCUMENTS]


def _all_but(*ids: str) -> list[str]:
    return [doc_id for doc_id in ALL if doc_id not in ids]


def _term(field: str, value: Any) -> dict[str, Any]:
    return {"term": {field: value}}


EXPECTED: list[tuple[str, dict[str, Any], list[str]]] = [
    ("match_all", {"match_all": {}}, ALL),
    ("match_all boost", {"match_all": {"boost": 1.5}}, ALL),
    ("match_none", {"match_none": {}}, []),
    # term: typed, case-sensitive, any value of an array, through arrays of objects
    ("term string", _term("name", "Alice"), ["a1"]),
    ("term case-sensitive", _term("name", "alice"), []),
    ("term number", _term("age", 31), ["a1", "i9"]),
    ("term numeric string", _term("age", "31"), ["c3"]),
    ("term int equals float", _term("age", 40), ["d4"]),
    ("term array value", _term("age", 50), ["e5"]),
    ("term true is 1", _term("active", True), ["a1", "c3", "i9"]),
    ("term false is 0", _term("active", False), ["b2", "d4", "l12"]),
    ("term array of strings", _term("tags", "red"), ["a1", "d4", "i9"]),
    ("term 1 is true", _term("tags", 1), ["l12"]),
    ("term number in mixed array", _term("tags", 3), ["i9"]),
    ("term array of objects", _term("items.sku", "x1"), ["e5", "f6"]),
    ("term zero in array of objects", _term("items.qty", 0), ["f6"]),
    ("term nested object", _term("nested.deep.value", "hit"), ["g7"]),
    ("term object field", _term("address.city", "Paris"), ["a1", "j10"]),
    ("term object form", {"term": {"name": {"value": "Bob", "boost": 2}}}, ["b2"]),
    ("term _id", _term("_id", "c3"), ["c3"]),
    # terms and ids
    ("terms", {"terms": {"tags": ["green", "yellow"]}}, ["b2", "e5"]),
    ("terms typed", {"terms": {"age": [25, "31", 65]}}, ["b2", "c3", "h8"]),
    ("terms array values", {"terms": {"name": ["Jo", "Leo"], "boost": 1}}, ["j10", "l12"]),
    ("terms empty", {"terms": {"name": []}}, []),
    ("terms _id", {"terms": {"_id": ["a1", "k11", "zz"]}}, ["a1", "k11"]),
    ("ids", {"ids": {"values": ["l12", "b2"]}}, ["b2", "l12"]),
    # exists: a non-null leaf at or below the path
    ("exists leaf", {"exists": {"field": "name"}}, _all_but("k11")),
    ("exists object", {"exists": {"field": "address"}}, ["a1", "b2", "j10", "l12"]),
    ("exists object leaf", {"exists": {"field": "address.zip"}}, ["a1", "b2", "l12"]),
    (
        "exists empty array",
        {"exists": {"field": "tags"}},
        ["a1", "b2", "d4", "e5", "g7", "i9", "l12"],
    ),
    ("exists null", {"exists": {"field": "title"}}, ["a1", "b2", "c3", "e5", "f6", "h8"]),
    ("exists null number", {"exists": {"field": "age"}}, _all_but("f6", "k11")),
    ("exists array of objects", {"exists": {"field": "items.qty"}}, ["e5", "f6"]),
    ("exists deep object", {"exists": {"field": "nested.deep"}}, ["g7"]),
    ("exists not a prefix", {"exists": {"field": "nest"}}, []),
    ("exists _id", {"exists": {"field": "_id"}}, ALL),
    # range: one value meets every bound; numbers with numbers, strings with strings
    ("range numeric", {"range": {"age": {"gte": 25, "lt": 40}}}, ["a1", "b2", "i9"]),
    ("range gt", {"range": {"age": {"gt": 40}}}, ["e5", "h8"]),
    ("range lte", {"range": {"age": {"lte": 20}}}, ["e5", "g7", "l12"]),
    ("range strings", {"range": {"name": {"gte": "D", "lt": "H"}}}, ["d4", "e5", "f6"]),
    ("range string bound", {"range": {"age": {"gte": "30"}}}, ["c3"]),
    ("range float", {"range": {"score": {"gt": 0}}}, ["a1", "b2"]),
    ("range string among numbers", {"range": {"score": {"gte": "a"}}}, ["j10"]),
    (
        "range legacy",
        {"range": {"age": {"from": 22, "to": 31, "include_upper": False}}},
        ["b2", "j10"],
    ),
    ("range zip strings", {"range": {"address.zip": {"gte": "70000"}}}, ["a1"]),
    ("range booleans", {"range": {"active": {"gte": 1}}}, ["a1", "c3", "i9"]),
    ("range _id", {"range": {"_id": {"gte": "i"}}}, ["i9", "j10", "k11", "l12"]),
    ("range unbounded", {"range": {"score": {}}}, ["a1", "b2", "h8", "j10"]),
    # prefix and wildcard: strings, case-sensitive
    ("prefix", {"prefix": {"name": "Fr"}}, ["f6"]),
    ("prefix object field", {"prefix": {"address.city": {"value": "Par"}}}, ["a1", "j10"]),
    ("prefix array", {"prefix": {"tags": "re"}}, ["a1", "d4", "i9"]),
    ("prefix _id", {"prefix": {"_id": "a"}}, ["a1"]),
    ("wildcard star", {"wildcard": {"name": "*a*"}}, ["c3", "d4", "f6", "g7", "i9"]),
    ("wildcard question", {"wildcard": {"name": "?o?"}}, ["b2"]),
    ("wildcard escapes", {"wildcard": {"name": {"value": "Frank\\*\\?"}}}, ["f6"]),
    ("wildcard escaped star", {"wildcard": {"name": "Frank\\*"}}, []),
    ("wildcard backslash", {"wildcard": {"meta.note": {"wildcard": "a\\\\b\\*c"}}}, ["i9"]),
    ("wildcard array", {"wildcard": {"tags": "*e*"}}, ["a1", "b2", "d4", "e5", "g7", "i9", "l12"]),
    ("wildcard _id", {"wildcard": {"_id": "?1*"}}, ["a1", "j10", "k11", "l12"]),
    ("wildcard strings only", {"wildcard": {"address.zip": "7500?"}}, ["a1"]),
    # match on fields that are not full-text: a term
    ("match keyword", {"match": {"name": "Bob"}}, ["b2"]),
    ("match number", {"match": {"age": {"query": 31}}}, ["a1", "i9"]),
    ("match_phrase keyword", {"match_phrase": {"name": "Bob"}}, ["b2"]),
    ("match _id", {"match": {"_id": "e5"}}, ["e5"]),
    # bool
    (
        "bool must must_not",
        {"bool": {"must": [_term("active", True)], "must_not": [_term("age", 31)]}},
        ["c3"],
    ),
    (
        "bool filter with optional should",
        {
            "bool": {
                "filter": {"range": {"age": {"gte": 20}}},
                "should": [_term("tags", "red"), _term("tags", "blue")],
            }
        },
        ["a1", "b2", "d4", "e5", "h8", "i9", "j10"],
    ),
    (
        "bool should only",
        {"bool": {"should": [_term("tags", "red"), _term("tags", "blue")]}},
        ["a1", "d4", "e5", "i9", "l12"],
    ),
    (
        "bool minimum_should_match 2",
        {
            "bool": {
                "should": [_term("tags", "red"), _term("tags", "blue")],
                "minimum_should_match": 2,
            }
        },
        ["a1"],
    ),
    (
        "bool minimum_should_match -1",
        {
            "bool": {
                "should": [_term("tags", "red"), _term("tags", "blue"), _term("active", True)],
                "minimum_should_match": "-1",
            }
        },
        ["a1", "i9"],
    ),
    (
        "bool minimum_should_match 50%",
        {
            "bool": {
                "should": [_term("tags", "red"), _term("tags", "blue"), _term("active", True)],
                "minimum_should_match": "50%",
            }
        },
        ["a1", "c3", "d4", "e5", "i9", "l12"],
    ),
    (
        "bool minimum_should_match -50%",
        {
            "bool": {
                "should": [_term("tags", "red"), _term("tags", "blue"), _term("active", True)],
                "minimum_should_match": "-50%",
            }
        },
        ["a1", "i9"],
    ),
    (
        "bool must with required should",
        {
            "bool": {
                "must": {"exists": {"field": "address"}},
                "should": [_term("address.city", "Paris")],
                "minimum_should_match": 1,
            }
        },
        ["a1", "j10"],
    ),
    ("bool must_not only", {"bool": {"must_not": {"exists": {"field": "age"}}}}, ["f6", "k11"]),
    (
        "bool nested",
        {
            "bool": {
                "must": {"bool": {"should": [_term("name", "Bob"), _term("name", "Leo")]}},
                "must_not": _term("age", 0),
            }
        },
        ["b2"],
    ),
    ("bool empty", {"bool": {}}, ALL),
    (
        "bool more should required than given",
        {"bool": {"should": [_term("name", "Bob")], "minimum_should_match": 2}},
        [],
    ),
    (
        "bool must_not and should",
        {"bool": {"must_not": [_term("tags", "red")], "should": [_term("tags", "blue")]}},
        ["e5", "l12"],
    ),
]


TEXT_FIELDS = frozenset({"title", "tags"})


def resolve_text(field: str) -> tuple[str, bool]:
    """``title`` and ``tags`` are full-text; ``title.keyword`` is the exact ``title``."""
    if field.endswith(".keyword") and field[: -len(".keyword")] in TEXT_FIELDS:
        return field[: -len(".keyword")], False
    return field, field in TEXT_FIELDS


EXPECTED_TEXT: list[tuple[str, dict[str, Any], list[str]]] = [
    ("match or", {"match": {"title": "quick fox"}}, ["a1", "c3", "e5", "f6", "h8"]),
    (
        "match and",
        {"match": {"title": {"query": "quick fox", "operator": "and"}}},
        ["a1", "c3", "f6"],
    ),
    (
        "match and one value",
        {"match": {"title": {"query": "the FOX", "operator": "AND"}}},
        ["a1", "f6"],
    ),
    ("match lowercase tokens", {"match": {"title": "FOX"}}, ["a1", "c3", "e5", "f6"]),
    ("match array of text", {"match": {"tags": "RED"}}, ["a1", "d4", "g7", "i9"]),
    ("match no token", {"match": {"title": "!!!"}}, []),
    ("match_phrase", {"match_phrase": {"title": "quick fox"}}, ["c3", "f6"]),
    ("match_phrase other", {"match_phrase": {"title": {"query": "Brown fox"}}}, ["a1", "e5"]),
    ("match_phrase one token", {"match_phrase": {"title": "quick"}}, ["a1", "c3", "f6", "h8"]),
    ("term on text is exact", {"term": {"title": "brown fox"}}, ["e5"]),
    ("match keyword sub-field", {"match": {"title.keyword": "brown fox"}}, ["e5"]),
    (
        "bool of matches",
        {"bool": {"must": {"match": {"title": "fox"}}, "must_not": {"match": {"tags": "red"}}}},
        ["c3", "e5", "f6"],
    ),
]


PARIS = {"lat": 48.8566, "lon": 2.3522}

EXPECTED_KONCORDE: list[tuple[str, dict[str, Any], list[str]]] = [
    ("empty", {}, ALL),
    ("geoDistance", {"geoDistance": {"loc": PARIS, "distance": "10km"}}, ["g7", "j10"]),
    (
        "geoBoundingBox",
        {"geoBoundingBox": {"loc": {"top": 52, "left": -1, "bottom": 48, "right": 3}}},
        ["g7", "i9", "j10"],
    ),
    (
        "geoDistanceRange",
        {"geoDistanceRange": {"loc": PARIS, "from": "100km", "to": "700 km"}},
        ["h8", "i9"],
    ),
    ("geoPolygon", {"geoPolygon": {"loc": {"points": [[44, 1], [43, 0], [43, 3]]}}}, ["h8"]),
    (
        "not geoDistance",
        {"not": {"geoDistance": {"loc": PARIS, "distance": "10km"}}},
        _all_but("g7", "j10"),
    ),
    ("equals", {"equals": {"name": "Bob"}}, ["b2"]),
    ("equals _id", {"equals": {"_id": "d4"}}, ["d4"]),
    ("in", {"in": {"tags": ["green", "yellow"]}}, ["b2", "e5"]),
    ("ids", {"ids": {"values": ["c3", "a1"]}}, ["a1", "c3"]),
    ("exists", {"exists": "address"}, ["a1", "b2", "j10", "l12"]),
    ("exists legacy", {"exists": {"field": "address.zip"}}, ["a1", "b2", "l12"]),
    ("exists array value", {"exists": 'tags["blue"]'}, ["a1", "e5", "l12"]),
    ("exists array number", {"exists": "tags[3]"}, ["i9"]),
    ("missing", {"missing": "age"}, ["f6", "k11"]),
    ("missing array value", {"missing": 'tags["red"]'}, _all_but("a1", "d4", "i9")),
    ("range", {"range": {"age": {"gte": 25, "lt": 40}}}, ["a1", "b2", "i9"]),
    ("regexp", {"regexp": {"name": "^[A-E]"}}, ["a1", "b2", "d4", "e5"]),
    (
        "regexp flags",
        {"regexp": {"name": {"value": "^[a-e]", "flags": "i"}}},
        ["a1", "b2", "c3", "d4", "e5"],
    ),
    ("regexp searches", {"regexp": {"name": "an"}}, ["f6", "i9"]),
    (
        "and not",
        {"and": [{"equals": {"active": True}}, {"not": {"exists": "meta"}}]},
        ["a1", "c3"],
    ),
    (
        "or",
        {"or": [{"equals": {"name": "Bob"}}, {"range": {"score": {"lt": 0}}}]},
        ["b2", "h8"],
    ),
    (
        "not range",
        {"not": {"range": {"age": {"gte": 20}}}},
        ["c3", "f6", "g7", "k11", "l12"],
    ),
    (
        "bool",
        {
            "bool": {
                "must": [{"exists": "title"}],
                "must_not": [{"equals": {"name": "Eve"}}],
                "should": [{"regexp": {"title": "quick"}}, {"equals": {"age": 65}}],
            }
        },
        ["a1", "c3", "f6", "h8"],
    ),
    (
        "bool should_not",
        {"bool": {"should_not": [{"exists": "tags"}, {"exists": "address"}]}},
        _all_but("a1", "b2", "l12"),
    ),
]
