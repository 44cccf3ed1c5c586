# -*- test-case-name: tests.realtime.test_koncorde_index -*-
"""
The storage side of Koncorde: rooms share conditions and subfilters, leave
nothing behind when removed, and the indexes (ranges, anchors) answer like a
plain evaluation of every filter would.
"""

from __future__ import annotations

import random
from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.realtime.koncorde import Koncorde
from kuzzle_tx.realtime.koncorde.conditions import Range
from kuzzle_tx.realtime.koncorde.index import REBALANCE_AT
from kuzzle_tx.realtime.koncorde.ranges import RangeIndex
from kuzzle_tx.realtime.koncorde.standardize import Standardizer
from kuzzle_tx.realtime.koncorde.values import flatten

from .koncorde_support import COLLECTION, DEFAULT_ENGINE, INDEX, evaluate_tree

EVERY_KEYWORD: list[dict[str, Any]] = [
    {},
    {"nothing": True},
    {"equals": {"a": 1}},
    {"not": {"equals": {"a": 1}}},
    {"in": {"s": ["x", "y"]}},
    {"ids": {"values": ["d1"]}},
    {"exists": "a"},
    {"exists": 't["x"]'},
    {"missing": 't["y"]'},
    {"range": {"n": {"gte": 0, "lt": 10}}},
    {"range": {"n": {"gt": 5}}},
    {"not": {"range": {"n": {"lte": 5}}}},
    {"range": {"n": {"gt": 0, "lt": 1e-320}}},
    {"regexp": {"s": "^x"}},
    {"geoBoundingBox": {"p": {"top": 1, "left": -1, "bottom": -1, "right": 1}}},
    {"geoDistance": {"p": [0, 0], "distance": "10km"}},
    {"geoDistanceRange": {"p": [0, 0], "from": "1m", "to": "10km"}},
    {"geoPolygon": {"p": {"points": [[1, 1], [1, -1], [-1, 0]]}}},
    {"match": {"o": {"k": 1}}},
    {"select": {"field": "t", "index": 0, "query": {"equals": {"value": "x"}}}},
    {"bool": {"must": [{"exists": "a"}], "must_not": [{"equals": {"s": "y"}}]}},
    {"and": [{"equals": {"a": 1}}, {"or": [{"exists": "b"}, {"range": {"n": {"lt": 0}}}]}]},
]


class LifecycleTests(SynchronousTestCase):
    def test_store_is_idempotent(self) -> None:
        """Storing an equivalent filter again returns the same id and stores nothing new."""
        koncorde = Koncorde()
        first = koncorde.store(koncorde.normalize(INDEX, COLLECTION, {"in": {"a": ["x", "y"]}}))
        sizes = koncorde._collections[(INDEX, COLLECTION)].sizes()
        second_filter = {"or": [{"equals": {"a": "y"}}, {"equals": {"a": "x"}}]}
        second = koncorde.store(koncorde.normalize(INDEX, COLLECTION, second_filter))
        self.assertEqual(first, second)
        self.assertEqual(koncorde.room_count, 1)
        self.assertEqual(koncorde._collections[(INDEX, COLLECTION)].sizes(), sizes)

    def test_remove_leaves_nothing(self) -> None:
        """Once every room is removed, no condition, subfilter or index entry remains."""
        koncorde = Koncorde()
        ids = []
        for collection in ("c1", "c2"):
            for filters in EVERY_KEYWORD:
                ids.append(koncorde.store(koncorde.normalize(INDEX, collection, filters)))
        self.assertEqual(koncorde.room_count, 2 * len(EVERY_KEYWORD))
        stored = koncorde._collections[(INDEX, "c1")].sizes()
        self.assertTrue(all(stored[name] for name in ("conditions", "subfilters", "fields")))
        for identifier in ids:
            self.assertTrue(koncorde.has(identifier))
            koncorde.remove(identifier)
            self.assertFalse(koncorde.has(identifier))
        self.assertEqual(koncorde.room_count, 0)
        self.assertEqual(koncorde._collections, {})
        self.assertEqual(koncorde.test(INDEX, "c1", {"a": 1}), [])

    def test_sizes_drop_to_zero(self) -> None:
        """Removing rooms one by one shrinks the internal structures down to zero."""
        koncorde = Koncorde()
        ids = [koncorde.store(koncorde.normalize(INDEX, COLLECTION, f)) for f in EVERY_KEYWORD]
        index = koncorde._collections[(INDEX, COLLECTION)]
        for identifier in ids[:-1]:
            koncorde.remove(identifier)
        self.assertEqual(koncorde.room_count, 1)
        koncorde.remove(ids[-1])
        self.assertEqual(
            index.sizes(),
            {"conditions": 0, "subfilters": 0, "fields": 0, "whole": 0, "negative_only": 0},
        )

    def test_shared_conditions(self) -> None:
        """A condition shared by two rooms survives the removal of one of them."""
        koncorde = Koncorde()
        shared = {"equals": {"a": 1}}
        first = koncorde.store(koncorde.normalize(INDEX, COLLECTION, shared))
        second = koncorde.store(
            koncorde.normalize(INDEX, COLLECTION, {"and": [shared, {"exists": "b"}]})
        )
        third = koncorde.store(koncorde.normalize(INDEX, COLLECTION, {"not": shared}))
        index = koncorde._collections[(INDEX, COLLECTION)]
        self.assertEqual(index.sizes()["conditions"], 2)
        self.assertEqual(
            sorted(koncorde.test(INDEX, COLLECTION, {"a": 1, "b": 0})), sorted([first, second])
        )
        koncorde.remove(first)
        self.assertEqual(koncorde.test(INDEX, COLLECTION, {"a": 1, "b": 0}), [second])
        self.assertEqual(koncorde.test(INDEX, COLLECTION, {"a": 2}), [third])
        koncorde.remove(second)
        self.assertEqual(index.sizes()["conditions"], 1)
        self.assertEqual(koncorde.test(INDEX, COLLECTION, {}), [third])

    def test_shared_subfilters(self) -> None:
        """Rooms sharing an AND-group share its subfilter."""
        koncorde = Koncorde()
        group = {"and": [{"equals": {"a": 1}}, {"exists": "b"}]}
        first = koncorde.store(koncorde.normalize(INDEX, COLLECTION, group))
        second = koncorde.store(
            koncorde.normalize(INDEX, COLLECTION, {"or": [group, {"equals": {"c": 3}}]})
        )
        self.assertEqual(koncorde._collections[(INDEX, COLLECTION)].sizes()["subfilters"], 2)
        self.assertEqual(
            sorted(koncorde.test(INDEX, COLLECTION, {"a": 1, "b": 1})), sorted([first, second])
        )
        self.assertEqual(koncorde.test(INDEX, COLLECTION, {"c": 3}), [second])

    def test_collections_are_separate(self) -> None:
        """A document published to a collection matches that collection's rooms only."""
        koncorde = Koncorde()
        mine = koncorde.store(koncorde.normalize("i", "mine", {}))
        koncorde.store(koncorde.normalize("i", "theirs", {}))
        koncorde.store(koncorde.normalize("j", "mine", {}))
        self.assertEqual(koncorde.test("i", "mine", {"x": 1}), [mine])
        self.assertEqual(koncorde.test("i", "nobody", {"x": 1}), [])

    def test_remove_unknown(self) -> None:
        """Removing an unknown room id does nothing."""
        koncorde = Koncorde()
        koncorde.remove("0" * 64)
        self.assertEqual(koncorde.room_count, 0)


class RandomFilterTests(SynchronousTestCase):
    """Many random rooms in one engine answer like a plain evaluation of each filter."""

    fields = ("a", "b", "c.d", "t")
    values: tuple[Any, ...] = (0, 1, 2, "x", "y", True, None)

    def random_term(self, rng: random.Random) -> dict[str, Any]:
        field = rng.choice(self.fields)
        kind = rng.randrange(7)
        if kind == 0:
            return {"equals": {field: rng.choice(self.values)}}
        if kind == 1:
            return {"exists": field}
        if kind == 2:
            value = rng.choice(["0", "1", '"x"', "null"])
            return {"exists": f"{field}[{value}]"}
        if kind == 3:
            low = rng.choice((-1, 0, 0.5, 1))
            bounds = rng.choice(
                ({"gte": low}, {"gt": low}, {"lt": low}, {"gt": low, "lte": low + 1})
            )
            return {"range": {field: bounds}}
        if kind == 4:
            return {"in": {field: rng.sample(["x", "y", "z"], rng.randrange(1, 3))}}
        if kind == 5:
            return {"regexp": {field: rng.choice(("^x", "y$", "."))}}
        return {"match": {field: rng.choice(self.values)}}

    def random_filter(self, rng: random.Random, depth: int = 0) -> dict[str, Any]:
        choice = rng.randrange(5 if depth < 2 else 1)
        if choice == 0:
            return self.random_term(rng)
        if choice == 1:
            return {"not": self.random_filter(rng, depth + 1)}
        if choice == 2:
            return {
                "and": [self.random_filter(rng, depth + 1) for _ in range(rng.randrange(1, 4))]
            }
        if choice == 3:
            return {"or": [self.random_filter(rng, depth + 1) for _ in range(rng.randrange(1, 4))]}
        return {"bool": {"must": [self.random_term(rng)], "should_not": [self.random_term(rng)]}}

    def random_document(self, rng: random.Random) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for field in ("a", "b", "t"):
            if rng.random() < 0.7:
                document[field] = rng.choice(
                    [*self.values, 0.25, 1.5, -3, "xy", ["x", 1], [0, None], {"k": 1}]
                )
        if rng.random() < 0.5:
            document["c"] = {"d": rng.choice(self.values)} if rng.random() < 0.8 else 5
        return document

    def test_random_filters(self) -> None:
        """Indexed matching equals reference evaluation, before and after removals."""
        rng = random.Random(20240601)
        koncorde = Koncorde()
        standardizer = Standardizer(DEFAULT_ENGINE)
        rooms: dict[str, Any] = {}
        for _ in range(300):
            filters = self.random_filter(rng)
            rooms[koncorde.store(koncorde.normalize(INDEX, COLLECTION, filters))] = (
                standardizer.standardize(filters)
            )
        documents = [self.random_document(rng) for _ in range(200)]

        def check() -> None:
            for document in documents:
                flat = flatten(document)
                expected = {rid for rid, tree in rooms.items() if evaluate_tree(tree, flat)}
                actual = koncorde.test(INDEX, COLLECTION, document)
                self.assertEqual(len(actual), len(set(actual)))
                self.assertEqual(set(actual), expected, document)

        check()
        for identifier in rng.sample(sorted(rooms), len(rooms) // 2):
            koncorde.remove(identifier)
            del rooms[identifier]
        check()
        for identifier in list(rooms):
            koncorde.remove(identifier)
        self.assertEqual(koncorde._collections, {})


class AnchorTests(SynchronousTestCase):
    def test_popular_condition(self) -> None:
        """
        Subfilters are reached through their rarest condition: a condition
        shared by many rooms does not make each document visit them all, and
        re-anchoring keeps answers right.
        """
        koncorde = Koncorde()
        ids = [
            koncorde.store(
                koncorde.normalize(
                    INDEX,
                    COLLECTION,
                    {"and": [{"equals": {"kind": "k"}}, {"equals": {"user": f"u{n}"}}]},
                )
            )
            for n in range(4 * REBALANCE_AT)
        ]
        index = koncorde._collections[(INDEX, COLLECTION)]
        popular = index.conditions[next(k for k in index.conditions if '"kind"' in k)]
        self.assertLessEqual(len(popular.anchored), 2)
        self.assertEqual(koncorde.test(INDEX, COLLECTION, {"kind": "k", "user": "u7"}), [ids[7]])
        self.assertEqual(koncorde.test(INDEX, COLLECTION, {"kind": "j", "user": "u7"}), [])
        for identifier in ids:
            koncorde.remove(identifier)
        self.assertEqual(koncorde._collections, {})

    def test_rebalancing(self) -> None:
        """A condition that became popular hands its subfilters over to rarer ones."""
        koncorde = Koncorde()
        # Anchored on "kind" while "user" conditions are shared even more.
        for n in range(REBALANCE_AT):
            for other in ("x", "y", "z"):
                koncorde.store(
                    koncorde.normalize(
                        INDEX,
                        COLLECTION,
                        {"and": [{"equals": {"user": f"u{n}"}}, {"equals": {"other": other}}]},
                    )
                )
        index = koncorde._collections[(INDEX, COLLECTION)]
        for entry in index.conditions.values():
            self.assertLessEqual(len(entry.anchored), REBALANCE_AT)
        self.assertEqual(len(koncorde.test(INDEX, COLLECTION, {"user": "u3", "other": "y"})), 1)


class RangeIndexTests(SynchronousTestCase):
    def test_against_brute_force(self) -> None:
        """Stabbing queries return exactly the ranges containing the number."""
        rng = random.Random(7)
        index = RangeIndex()
        conditions: list[Range] = []
        points = [-1e9, -3, -0.5, 0, 1e-300, 0.1, 1, 2.5, 7, 1e6, 1e308, float("inf")]
        for n in range(400):
            low = rng.choice(points[:-1] + [rng.uniform(-10, 10)])
            width = rng.choice([1e-320, 0.001, 0.5, 1, 3, 100, 1e300, 1.7e308])
            bounds: dict[str, float] = {}
            shape = rng.randrange(3)
            if shape in (0, 1):
                bounds["gte" if rng.random() < 0.5 else "gt"] = low
            if shape in (0, 2):
                high = low + width if shape == 0 else low
                bounds["lte" if rng.random() < 0.5 else "lt"] = high
            highs = [bounds[k] for k in bounds if k.startswith("l")]
            if (shape == 0 and not highs[0] > low) or any(h == float("inf") for h in highs):
                continue
            cond = Range(f"f{n}", bounds)
            conditions.append(cond)
            index.add(cond, cond)
        probes = points + [c.low for c in conditions] + [c.high for c in conditions]
        probes += [rng.uniform(-20, 20) for _ in range(200)] + [float("nan")]
        for value in probes:
            found: list[Any] = []
            index.stab(value, found)
            expected = {id(c) for c in conditions if c.contains(value)}
            self.assertEqual({id(c) for c in found}, expected, value)
            self.assertEqual(len(found), len(expected))
        for cond in conditions:
            index.remove(cond, cond)
        self.assertEqual(len(index), 0)
        self.assertEqual(index._grids, {})
        self.assertEqual(index._odd, [])
