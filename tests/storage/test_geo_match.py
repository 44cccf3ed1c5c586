"""Koncorde's geo clauses as search conditions (`kuzzle_tx.storage.geo_match`)."""

from __future__ import annotations

import sqlite3

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx import codec
from kuzzle_tx.realtime.koncorde.values import MISSING
from kuzzle_tx.storage.geo_match import clause_json, geo_condition, geo_matches, value_at
from kuzzle_tx.storage.sql_functions import register_functions

NEAR_PARIS = {"geoDistance": {"loc": {"lat": 48.8566, "lon": 2.3522}, "distance": "10km"}}


class GeoMatchTests(SynchronousTestCase):
    def test_formats(self) -> None:
        """Every geopoint format Koncorde reads is found at the field."""
        clause = clause_json(NEAR_PARIS)
        for loc in ({"lat": 48.86, "lon": 2.35}, "48.86,2.35", [48.86, 2.35], "u09tvw0f6szye"):
            self.assertTrue(geo_matches(clause, {"loc": loc}), loc)
        for source in ({"loc": "45.76,4.83"}, {"loc": None}, {"other": 1}, {"loc": "nowhere"}):
            self.assertFalse(geo_matches(clause, source), source)

    def test_paths_go_through_objects_only(self) -> None:
        """As in Koncorde, a field path does not traverse arrays."""
        self.assertEqual(value_at({"a": {"b": 1}}, "a.b"), 1)
        self.assertIs(value_at({"a": [{"b": 1}]}, "a.b"), MISSING)
        self.assertIs(value_at({}, "a"), MISSING)

    def test_conditions_are_cached(self) -> None:
        """A clause is standardized once, whatever the number of documents tested."""
        clause = clause_json(NEAR_PARIS)
        self.assertIs(geo_condition(clause), geo_condition(clause))

    def test_sql_function_never_raises(self) -> None:
        """kz_geo answers false for a row it cannot read instead of failing the query."""
        connection = sqlite3.connect(":memory:")
        register_functions(connection)
        clause = clause_json(NEAR_PARIS)
        near = codec.dumps({"loc": [48.86, 2.35]})
        (hit,) = connection.execute("SELECT kz_geo(?, ?)", (clause, near)).fetchone()
        (broken,) = connection.execute("SELECT kz_geo(?, ?)", (clause, b"{not json")).fetchone()
        self.assertEqual((hit, broken), (1, 0))
