"""The error catalogue: Kuzzle's ids, numeric codes, statuses and messages."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.errors import CATALOGUE, KuzzleError, internal_error

# (id, code, status) from Kuzzle's error tables (kuzzle-api.md §3).
KNOWN = (
    ("network.http.request_too_large", 50397185, 413),
    ("network.http.url_not_found", 50397191, 404),
    ("network.http.unsupported_verb", 50397190, 400),
    ("network.http.body_parse_failed", 50397196, 400),
    ("network.websocket.unexpected_error", 50528257, 400),
    ("network.websocket.ratelimit_exceeded", 50528258, 429),
    ("api.assert.invalid_type", 33619969, 400),
    ("api.assert.missing_argument", 33619971, 400),
    ("api.process.overloaded", 33685506, 503),
    ("api.process.controller_not_found", 33685508, 404),
    ("api.process.action_not_found", 33685509, 404),
    ("api.process.incompatible_sdk_version", 33685510, 400),
    ("api.process.unauthorized_origin", 33685516, 401),
    ("core.realtime.not_subscribed", 65544, 412),
    ("services.storage.not_found", 16842763, 404),
    ("security.token.invalid", 117506049, 401),
    ("security.rights.forbidden", 117637122, 403),
)


class CatalogueTests(SynchronousTestCase):
    def test_codes_and_statuses(self) -> None:
        """Every id listed in Kuzzle's tables has Kuzzle's code and status."""
        for error_id, code, status in KNOWN:
            spec = CATALOGUE[error_id]
            self.assertEqual((spec.code, spec.status), (code, status), error_id)

    def test_codes_are_unique(self) -> None:
        """No two ids share a numeric code."""
        codes = [spec.code for spec in CATALOGUE.values()]
        self.assertEqual(len(codes), len(set(codes)))

    def test_serialization(self) -> None:
        """An error serializes as message, status, id, code and props, nothing else."""
        error = KuzzleError("api.process.controller_not_found", "nope")
        self.assertEqual(
            error.to_dict(),
            {
                "message": 'API controller "nope" not found.',
                "status": 404,
                "id": "api.process.controller_not_found",
                "code": 33685508,
                "props": ["nope"],
            },
        )

    def test_internal_error_has_no_details(self) -> None:
        """A bug is reported as core.fatal.unexpected_error with only the reason given."""
        error = internal_error("internal error")
        self.assertEqual((error.status, error.id), (500, "core.fatal.unexpected_error"))
        self.assertNotIn("Traceback", error.message)
