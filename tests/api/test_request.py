"""Building requests from payloads, Kuzzle's argument coercion, and the response envelope."""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.api.request import Connection, Request, new_request_id, request_from_payload
from kuzzle_tx.errors import KuzzleError

CONNECTION = Connection("c1", "websocket")


def build(payload: Any, **options: Any) -> Request:
    return request_from_payload(payload, CONNECTION, 1234, **options)


class PayloadTests(SynchronousTestCase):
    def test_reserved_keys_and_args(self) -> None:
        """Reserved keys fill the input; every other non-null key is an argument."""
        request = build(
            {
                "controller": "document",
                "action": "get",
                "requestId": "r1",
                "jwt": "token",
                "volatile": {"a": 1},
                "body": {"b": 2},
                "index": "i",
                "_id": "x",
                "refresh": None,
            }
        )
        self.assertIsNone(request.error)
        self.assertEqual(
            (request.id, request.input.controller, request.input.action, request.input.jwt),
            ("r1", "document", "get", "token"),
        )
        self.assertEqual(request.input.args, {"index": "i", "_id": "x"})
        self.assertEqual(request.timestamp, 1234)

    def test_http_request_id_wins(self) -> None:
        """An id given by the protocol (X-Kuzzle-Request-Id) wins over the payload's."""
        request = build({"controller": "a", "action": "b", "requestId": "r"}, request_id="h")
        self.assertEqual(request.id, "h")

    def test_wrong_types(self) -> None:
        """A wrong type on a reserved key gives a request born failed, with its id kept."""
        for key, value, expected in (
            ("controller", 3, "string"),
            ("jwt", {}, "string"),
            ("volatile", [], "object"),
            ("body", "text", "object"),
            ("requestId", 5, "string"),
        ):
            payload = {"controller": "a", "action": "b", "requestId": "r", key: value}
            request = build(payload)
            assert request.error is not None
            self.assertEqual(request.error.id, "api.assert.invalid_type", key)
            self.assertEqual(request.error.props, [key, expected])
            self.assertEqual(request.status, 400)

    def test_missing_controller(self) -> None:
        """An empty or missing controller or action is a missing argument."""
        request = build({"action": "b"})
        assert request.error is not None
        self.assertEqual(request.error.id, "api.assert.missing_argument")
        self.assertEqual(request.error.props, ["controller"])

    def test_not_an_object(self) -> None:
        """A payload that is not an object fails with invalid_type."""
        request = build([1, 2])
        assert request.error is not None
        self.assertEqual(request.error.id, "api.assert.invalid_type")

    def test_generated_ids_are_unique_uuids(self) -> None:
        """Generated request ids are distinct and shaped as UUID version 4."""
        import uuid

        ids = {new_request_id() for _ in range(1000)}
        self.assertEqual(len(ids), 1000)
        self.assertEqual({uuid.UUID(value).version for value in ids}, {4})


class ArgumentTests(SynchronousTestCase):
    def test_boolean_over_websocket(self) -> None:
        """Over WebSocket a flag must be a JSON boolean; absent or null is false."""
        request = build({"controller": "a", "action": "b", "yes": True, "no": None, "bad": "1"})
        self.assertTrue(request.boolean_arg("yes"))
        self.assertFalse(request.boolean_arg("no"))
        self.assertFalse(request.boolean_arg("absent"))
        error = self.assertRaises(KuzzleError, request.boolean_arg, "bad")
        self.assertEqual(error.props, ["bad", "boolean"])

    def test_boolean_from_query_string(self) -> None:
        """From an HTTP query string a flag is true when present, whatever its value."""
        payload = {"controller": "a", "action": "b", "silent": "false"}
        request = build(payload, query_flags=True)
        self.assertTrue(request.boolean_arg("silent"))
        self.assertFalse(request.boolean_arg("refresh"))

    def test_integer(self) -> None:
        """Integers are parsed from strings; fractions and non-numbers are refused."""
        request = build(
            {"controller": "a", "action": "b", "n": 3, "s": "12", "f": 1.5, "x": "abc", "t": True}
        )
        self.assertEqual(request.integer_arg("n"), 3)
        self.assertEqual(request.integer_arg("s"), 12)
        self.assertEqual(request.integer_arg("absent", 7), 7)
        for name in ("f", "x", "t"):
            error = self.assertRaises(KuzzleError, request.integer_arg, name)
            self.assertEqual(error.id, "api.assert.invalid_type")

    def test_string(self) -> None:
        """A string argument must be a string."""
        request = build({"controller": "a", "action": "b", "s": "v", "n": 1})
        self.assertEqual(request.string_arg("s"), "v")
        self.assertEqual(request.string_arg("absent", "d"), "d")
        self.assertRaises(KuzzleError, request.string_arg, "n")


class EnvelopeTests(SynchronousTestCase):
    def test_success(self) -> None:
        """The envelope has Kuzzle's fields, null index/collection when absent."""
        request = build({"controller": "a", "action": "b", "requestId": "r", "index": "i"})
        request.set_result({"ok": True})
        self.assertEqual(
            request.envelope("node-1"),
            {
                "requestId": "r",
                "status": 200,
                "error": None,
                "controller": "a",
                "action": "b",
                "index": "i",
                "collection": None,
                "volatile": None,
                "result": {"ok": True},
                "node": "node-1",
                "headers": {},
            },
        )

    def test_error(self) -> None:
        """A failed request has a null result and the error object with its status."""
        request = build({"controller": "a", "action": "b"})
        request.set_error(KuzzleError("api.process.action_not_found", "a", "b"))
        envelope = request.envelope("n")
        self.assertIsNone(envelope["result"])
        self.assertEqual(envelope["status"], 404)
        self.assertEqual(envelope["error"]["code"], 33685509)
        self.assertEqual(envelope["error"]["message"], 'API action "a":"b" not found')
