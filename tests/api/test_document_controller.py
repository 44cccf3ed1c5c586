# -*- test-case-name: tests.api.test_document_controller -*-
"""
The ``document`` controller's single-document actions, through a whole in-memory
service on a `task.Clock`: over WebSocket frames and over HTTP through the Site.

kuzzle-api.md §3 (errors), §7.1 (storage rules), §7.2 (document controller);
sdk-contract.md §7 (result shapes the SDK reads).

`ApiMixin` and `WebSocketApi` are shared with the other storage-controller tests.
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import quote

from treq.testing import StubTreq
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx import codec
from kuzzle_tx.testing import MemoryWebSocketClient, memory_config, memory_service

# The Clock starts here: documents created at once get createdAt == NOW_MS.
START = 1_700_000_000
NOW_MS = START * 1000
INDEX, COLLECTION = "shop", "orders"
_request_ids = itertools.count(1)


def created_info(at: int = NOW_MS) -> dict[str, Any]:
    """``_kuzzle_info`` of a document created by the anonymous user at ``at`` ms."""
    return {"author": "-1", "createdAt": at, "updatedAt": None, "updater": None}


def written_info(at: int = NOW_MS) -> dict[str, Any]:
    """``_kuzzle_info`` of a document (re)placed by the anonymous user at ``at`` ms."""
    return {"author": "-1", "createdAt": at, "updatedAt": at, "updater": "-1"}


class WebSocketApi:
    """A WebSocket client of the service that waits for each answer by its requestId."""

    def __init__(self, service: Any) -> None:
        self.socket = MemoryWebSocketClient(service.websocket_factory)

    def send(self, controller: str, action: str, **fields: Any) -> dict[str, Any]:
        request_id = fields.pop("requestId", None) or f"req-{next(_request_ids)}"
        self.socket.send_json(
            {"controller": controller, "action": action, "requestId": request_id, **fields}
        )
        answers = [m for m in self.socket.messages() if m.get("room") == request_id]
        assert len(answers) == 1, answers
        return answers[0]

    def notifications(self, channel: str) -> list[dict[str, Any]]:
        """The notifications received so far on a channel."""
        return [m for m in self.socket.messages() if m.get("room") == channel]


class ApiMixin:
    """
    An in-memory `KuzzleService` on a Clock, with one WebSocket client (``self.api``).
    ``call("document:create", ...)`` fills in ``index``/``collection`` for document
    actions unless given (pass ``index=None`` to leave it out: nulls are dropped).
    """

    clock: Clock
    service: Any
    api: WebSocketApi

    # Provided by SynchronousTestCase.
    assertEqual: Any
    assertIsNone: Any
    assertIsNotNone: Any
    successResultOf: Any
    addCleanup: Any

    def start_service(self, **config: Any) -> None:
        self.clock = Clock()
        self.clock.advance(START)
        self.service = memory_service(memory_config(**config), self.clock)
        self.service.startService()
        self.addCleanup(self.service.stopService)
        self.api = WebSocketApi(self.service)

    def client(self) -> WebSocketApi:
        return WebSocketApi(self.service)

    def call(self, what: str, client: WebSocketApi | None = None, **fields: Any) -> dict:
        controller, action = what.split(":")
        if controller in ("document", "collection"):
            fields.setdefault("index", INDEX)
            fields.setdefault("collection", COLLECTION)
        return (client or self.api).send(controller, action, **fields)

    def ok(self, what: str, client: WebSocketApi | None = None, **fields: Any) -> Any:
        """The result of a request that must succeed."""
        response = self.call(what, client, **fields)
        self.assertIsNone(response["error"], (what, fields, response["error"]))
        self.assertEqual(response["status"], 200)
        return response["result"]

    def fail(
        self,
        what: str,
        error_id: str,
        status: int,
        client: WebSocketApi | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """The error object of a request that must fail with ``error_id`` and ``status``."""
        response = self.call(what, client, **fields)
        error = response["error"]
        self.assertIsNotNone(error, (what, fields, response["result"]))
        self.assertEqual(
            (error["id"], error["status"], response["status"]), (error_id, status, status)
        )
        self.assertIsNone(response["result"])
        return error

    def make_collection(
        self, index: str = INDEX, collection: str = COLLECTION, **body: Any
    ) -> None:
        self.ok("collection:create", index=index, collection=collection, body=body or None)

    # -- HTTP through the Site ---------------------------------------------------------

    def http(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """The JSON envelope of an HTTP request to the service's resource."""
        stub = StubTreq(self.service.resource)
        data = None if body is None else codec.dumps(body)
        headers = {} if body is None else {"Content-Type": "application/json"}
        response = self.successResultOf(
            stub.request(method, "http://kuzzle.test" + path, data=data, headers=headers)
        )
        document = codec.loads(self.successResultOf(response.content()))
        self.assertEqual(response.code, document["status"])
        return document


def query_string(value: Any) -> str:
    """A value as a query-string argument (JSON, URL-encoded)."""
    return quote(codec.dumps(value).decode())


class CreateTests(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.make_collection()

    def test_create_with_id(self) -> None:
        """create with an _id answers {_id, _version: 1, _source} with server metadata."""
        result = self.ok("document:create", _id="a", body={"n": 1, "tags": ["x"]})
        self.assertEqual(
            result,
            {
                "_id": "a",
                "_version": 1,
                "_source": {"n": 1, "tags": ["x"], "_kuzzle_info": created_info()},
            },
        )
        self.assertEqual(self.ok("document:get", _id="a"), result)

    def test_create_generates_ids(self) -> None:
        """Without an _id, or with the SDK's null or an empty one, the server makes one."""
        ids = set()
        for extra in ({}, {"_id": None}, {"_id": ""}):
            result = self.ok("document:create", body={"n": 1}, **extra)
            self.assertIsInstance(result["_id"], str)
            self.assertEqual(len(result["_id"]), 20)
            self.assertEqual(result["_version"], 1)
            self.assertEqual(self.ok("document:get", _id=result["_id"])["_source"]["n"], 1)
            ids.add(result["_id"])
        self.assertEqual(len(ids), 3)

    def test_create_existing_id(self) -> None:
        """Creating over an existing _id fails with document_already_exists and writes nothing."""
        self.ok("document:create", _id="a", body={"n": 1})
        error = self.fail(
            "document:create",
            "services.storage.document_already_exists",
            400,
            _id="a",
            body={"n": 2},
        )
        self.assertEqual(
            error,
            {
                "message": "Document already exists.",
                "status": 400,
                "id": "services.storage.document_already_exists",
                "code": 16842769,
                "props": [],
            },
        )
        self.assertEqual(self.ok("document:get", _id="a")["_source"]["n"], 1)

    def test_metadata_comes_from_the_server(self) -> None:
        """The server's clock and kuid fill _kuzzle_info; the client's is ignored."""
        self.clock.advance(2.5)
        body = {"n": 1, "_kuzzle_info": {"author": "mallory", "createdAt": 1, "updater": "x"}}
        result = self.ok("document:create", _id="a", body=body)
        self.assertEqual(result["_source"], {"n": 1, "_kuzzle_info": created_info(NOW_MS + 2500)})
        stored = self.ok("document:get", _id="a")["_source"]["_kuzzle_info"]
        self.assertEqual(stored, created_info(NOW_MS + 2500))

    def test_routing_is_refused(self) -> None:
        """A body carrying _routing is refused by every write with no_routing."""
        self.ok("document:create", _id="a", body={"n": 1})
        for action in ("create", "createOrReplace", "replace", "update"):
            self.fail(
                f"document:{action}",
                "services.storage.no_routing",
                400,
                _id="a",
                body={"_routing": "x"},
            )
        self.assertEqual(self.ok("document:get", _id="a")["_version"], 1)

    def test_create_or_replace(self) -> None:
        """createOrReplace creates (created: true) then replaces (created: false, version 2)."""
        first = self.ok("document:createOrReplace", _id="a", body={"n": 1, "old": True})
        self.assertEqual(
            first,
            {
                "_id": "a",
                "_version": 1,
                "_source": {"n": 1, "old": True, "_kuzzle_info": written_info()},
                "created": True,
            },
        )
        self.clock.advance(1)
        second = self.ok("document:createOrReplace", _id="a", body={"n": 2})
        self.assertEqual(
            second,
            {
                "_id": "a",
                "_version": 2,
                "_source": {"n": 2, "_kuzzle_info": written_info(NOW_MS + 1000)},
                "created": False,
            },
        )
        self.assertEqual(self.ok("document:get", _id="a")["_source"], second["_source"])

    def test_create_or_replace_needs_an_id(self) -> None:
        """createOrReplace without _id is a missing argument."""
        error = self.fail(
            "document:createOrReplace", "api.assert.missing_argument", 400, body={"n": 1}
        )
        self.assertEqual(error["props"], ["_id"])


class ReplaceUpdateTests(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.make_collection()
        self.ok("document:create", _id="a", body={"a": {"b": 1, "c": 2}, "n": 1})
        self.clock.advance(3)
        self.later = NOW_MS + 3000

    def test_replace(self) -> None:
        """replace swaps the whole source, bumps the version and resets createdAt."""
        result = self.ok("document:replace", _id="a", body={"m": 2})
        self.assertEqual(
            result,
            {
                "_id": "a",
                "_version": 2,
                "_source": {"m": 2, "_kuzzle_info": written_info(self.later)},
            },
        )
        self.assertEqual(self.ok("document:get", _id="a")["_source"], result["_source"])

    def test_replace_missing(self) -> None:
        """replace of a missing document is a 404 not_found naming it."""
        error = self.fail(
            "document:replace", "services.storage.not_found", 404, _id="nope", body={"m": 2}
        )
        self.assertEqual(error["props"], ["nope", INDEX, COLLECTION])
        self.assertFalse(self.ok("document:exists", _id="nope"))

    def test_update_deep_merges(self) -> None:
        """update merges objects deeply; its _source is the changes plus _kuzzle_info."""
        result = self.ok("document:update", _id="a", body={"a": {"b": 5}, "m": 2})
        info = {"author": "-1", "createdAt": NOW_MS, "updatedAt": self.later, "updater": "-1"}
        self.assertEqual(
            result,
            {"_id": "a", "_version": 2, "_source": {"a": {"b": 5}, "m": 2, "_kuzzle_info": info}},
        )
        self.assertEqual(
            self.ok("document:get", _id="a")["_source"],
            {"a": {"b": 5, "c": 2}, "n": 1, "m": 2, "_kuzzle_info": info},
        )

    def test_update_with_source(self) -> None:
        """update with source: true answers the whole updated document."""
        result = self.ok("document:update", _id="a", body={"n": 7}, source=True)
        self.assertEqual(result, self.ok("document:get", _id="a"))
        self.assertEqual(result["_source"]["a"], {"b": 1, "c": 2})

    def test_update_ignores_client_metadata(self) -> None:
        """A client's _kuzzle_info in update changes does not reach the document."""
        self.ok("document:update", _id="a", body={"n": 2, "_kuzzle_info": {"author": "eve"}})
        info = self.ok("document:get", _id="a")["_source"]["_kuzzle_info"]
        self.assertEqual(info["author"], "-1")

    def test_versions_increment(self) -> None:
        """Every write adds one to _version."""
        for expected in (2, 3, 4):
            self.assertEqual(
                self.ok("document:update", _id="a", body={"n": expected})["_version"], expected
            )
        self.assertEqual(self.ok("document:get", _id="a")["_version"], 4)

    def test_update_missing(self) -> None:
        """update of a missing document is a 404 not_found and creates nothing."""
        self.fail("document:update", "services.storage.not_found", 404, _id="nope", body={"n": 1})
        self.assertFalse(self.ok("document:exists", _id="nope"))

    def test_retry_on_conflict_is_accepted(self) -> None:
        """retryOnConflict is accepted (writes to one document never conflict here)."""
        self.assertEqual(
            self.ok("document:update", _id="a", body={"n": 2}, retryOnConflict=3)["_version"], 2
        )


class UpsertTests(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.make_collection()

    def test_upsert_creates_with_default(self) -> None:
        """upsert of a missing document creates it from default + changes (created: true)."""
        result = self.ok(
            "document:upsert", _id="a", body={"changes": {"n": 1}, "default": {"d": 0}}
        )
        self.assertEqual(result, {"_id": "a", "_version": 1, "created": True})
        self.assertEqual(
            self.ok("document:get", _id="a")["_source"],
            {
                "n": 1,
                "d": 0,
                "_kuzzle_info": {
                    "author": "-1",
                    "createdAt": NOW_MS,
                    "updatedAt": NOW_MS,
                    "updater": "-1",
                },
            },
        )

    def test_upsert_updates_without_default(self) -> None:
        """upsert of an existing document merges the changes only; default is ignored."""
        self.ok("document:create", _id="a", body={"n": 1})
        self.clock.advance(1)
        result = self.ok(
            "document:upsert", _id="a", body={"changes": {"m": 2}, "default": {"d": 0}}
        )
        self.assertEqual(result, {"_id": "a", "_version": 2, "created": False})
        source = self.ok("document:get", _id="a")["_source"]
        self.assertEqual(
            source,
            {
                "n": 1,
                "m": 2,
                "_kuzzle_info": {
                    "author": "-1",
                    "createdAt": NOW_MS,
                    "updatedAt": NOW_MS + 1000,
                    "updater": "-1",
                },
            },
        )

    def test_upsert_with_source(self) -> None:
        """upsert with source: true adds the whole document to the answer."""
        created = self.ok("document:upsert", _id="a", body={"changes": {"n": 1}}, source=True)
        self.assertEqual(created["created"], True)
        self.assertEqual(created["_source"], self.ok("document:get", _id="a")["_source"])
        updated = self.ok("document:upsert", _id="a", body={"changes": {"n": 2}}, source=True)
        self.assertEqual((updated["created"], updated["_version"]), (False, 2))
        self.assertEqual(updated["_source"]["n"], 2)

    def test_upsert_argument_errors(self) -> None:
        """upsert needs a body with an object in changes; default must be an object."""
        self.fail("document:upsert", "api.assert.body_required", 400, _id="a")
        error = self.fail(
            "document:upsert", "api.assert.missing_argument", 400, _id="a", body={"n": 1}
        )
        self.assertEqual(error["props"], ["body.changes"])
        error = self.fail(
            "document:upsert",
            "api.assert.invalid_type",
            400,
            _id="a",
            body={"changes": {"n": 1}, "default": [1]},
        )
        self.assertEqual(error["props"], ["body.default", "object"])
        self.assertFalse(self.ok("document:exists", _id="a"))


class ReadDeleteTests(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.make_collection()
        self.ok("document:create", _id="a", body={"a": {"b": 1, "c": 2}, "n": 1})

    def test_get_missing(self) -> None:
        """get of a missing document is Kuzzle's exact not_found error."""
        error = self.fail("document:get", "services.storage.not_found", 404, _id="nope")
        self.assertEqual(
            error,
            {
                "message": 'Document "nope" not found in "shop":"orders".',
                "status": 404,
                "id": "services.storage.not_found",
                "code": 16842763,
                "props": ["nope", "shop", "orders"],
            },
        )

    def test_search_is_not_an_id(self) -> None:
        """get with the id "_search" is refused with search_as_an_id."""
        error = self.fail("document:get", "services.storage.search_as_an_id", 400, _id="_search")
        self.assertEqual(error["message"], "_search is not a valid document identifier")

    def test_exists(self) -> None:
        """exists answers a bare boolean."""
        self.assertIs(self.ok("document:exists", _id="a"), True)
        self.assertIs(self.ok("document:exists", _id="b"), False)

    def test_delete(self) -> None:
        """delete answers {_id}, and the document is gone."""
        self.assertEqual(self.ok("document:delete", _id="a"), {"_id": "a"})
        self.fail("document:get", "services.storage.not_found", 404, _id="a")
        self.fail("document:delete", "services.storage.not_found", 404, _id="a")

    def test_delete_with_source(self) -> None:
        """delete with source: true also answers the deleted document's source."""
        result = self.ok("document:delete", _id="a", source=True)
        self.assertEqual(
            result,
            {
                "_id": "a",
                "_source": {"a": {"b": 1, "c": 2}, "n": 1, "_kuzzle_info": created_info()},
            },
        )

    def test_delete_fields(self) -> None:
        """deleteFields removes dot paths, sets updatedAt/updater and bumps the version."""
        self.clock.advance(1)
        result = self.ok("document:deleteFields", _id="a", body={"fields": ["a.b", "n", "zz"]})
        self.assertEqual(result, {"_id": "a", "_version": 2})
        info = {"author": "-1", "createdAt": NOW_MS, "updatedAt": NOW_MS + 1000, "updater": "-1"}
        self.assertEqual(
            self.ok("document:get", _id="a")["_source"], {"a": {"c": 2}, "_kuzzle_info": info}
        )
        with_source = self.ok(
            "document:deleteFields", _id="a", body={"fields": ["a"]}, source=True
        )
        self.assertEqual(
            with_source, {"_id": "a", "_version": 3, "_source": {"_kuzzle_info": info}}
        )

    def test_delete_fields_errors(self) -> None:
        """deleteFields needs body.fields, an array of strings, on an existing document."""
        self.fail("document:deleteFields", "api.assert.body_required", 400, _id="a")
        self.fail("document:deleteFields", "api.assert.missing_argument", 400, _id="a", body={})
        self.fail(
            "document:deleteFields",
            "api.assert.invalid_type",
            400,
            _id="a",
            body={"fields": [1]},
        )
        self.fail(
            "document:deleteFields",
            "services.storage.not_found",
            404,
            _id="nope",
            body={"fields": ["n"]},
        )

    def test_validate(self) -> None:
        """validate answers Kuzzle 2's verbose result: valid with no error messages."""
        self.assertEqual(
            self.ok("document:validate", body={"anything": 1}),
            {"errorMessages": {}, "valid": True},
        )
        self.fail("document:validate", "api.assert.body_required", 400)


class ArgumentErrorTests(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.make_collection()
        self.ok("document:create", _id="a", body={"n": 1})

    def test_unknown_index(self) -> None:
        """Every document action on a missing index is a 412 unknown_index."""
        cases = [
            ("create", {"body": {"n": 1}}),
            ("createOrReplace", {"_id": "a", "body": {"n": 1}}),
            ("get", {"_id": "a"}),
            ("exists", {"_id": "a"}),
            ("update", {"_id": "a", "body": {"n": 1}}),
            ("delete", {"_id": "a"}),
            ("search", {"body": {}}),
            ("count", {}),
            ("mGet", {"body": {"ids": ["a"]}}),
            ("mCreate", {"body": {"documents": [{"body": {}}]}}),
            ("validate", {"body": {}}),
        ]
        for action, fields in cases:
            error = self.fail(
                f"document:{action}", "services.storage.unknown_index", 412, index="nope", **fields
            )
            self.assertEqual(
                (error["message"], error["props"]), ('The index "nope" does not exist.', ["nope"])
            )

    def test_unknown_collection(self) -> None:
        """Every document action on a missing collection is a 412 unknown_collection."""
        for action, fields in [
            ("create", {"body": {"n": 1}}),
            ("get", {"_id": "a"}),
            ("search", {}),
            ("deleteByQuery", {"body": {"query": {}}}),
        ]:
            error = self.fail(
                f"document:{action}",
                "services.storage.unknown_collection",
                412,
                collection="nope",
                **fields,
            )
            self.assertEqual(error["props"], [INDEX, "nope"])
            self.assertEqual(error["message"], 'The collection "shop":"nope" does not exist.')

    def test_missing_index_or_collection_argument(self) -> None:
        """A missing or empty index or collection argument is a missing_argument."""
        for fields, name in [
            ({"index": None}, "index"),
            ({"index": ""}, "index"),
            ({"collection": None}, "collection"),
            ({"collection": ""}, "collection"),
        ]:
            error = self.fail(
                "document:get", "api.assert.missing_argument", 400, _id="a", **fields
            )
            self.assertEqual(error["props"], [name])

    def test_id_argument(self) -> None:
        """_id is required where it must be (a falsy one is missing); it must be a string."""
        for action in ("get", "exists", "replace", "update", "delete", "createOrReplace"):
            for value in (None, "", 0, False):
                error = self.fail(
                    f"document:{action}",
                    "api.assert.missing_argument",
                    400,
                    _id=value,
                    body={"n": 1},
                )
                self.assertEqual(error["props"], ["_id"])
            error = self.fail(
                f"document:{action}", "api.assert.invalid_type", 400, _id=42, body={"n": 1}
            )
            self.assertEqual(error["props"], ["_id", "string"])
        self.fail("document:create", "api.assert.invalid_type", 400, _id=[], body={"n": 1})

    def test_body_required(self) -> None:
        """Writes that take a document need an object body."""
        for action in ("create", "createOrReplace", "replace", "update"):
            self.fail(f"document:{action}", "api.assert.body_required", 400, _id="a")
            error = self.fail(
                f"document:{action}", "api.assert.invalid_type", 400, _id="a", body=[1]
            )
            self.assertEqual(error["props"], ["body", "object"])
        self.assertEqual(self.ok("document:get", _id="a")["_version"], 1)

    def test_refresh(self) -> None:
        """refresh accepts "wait_for", false and "false"; anything else is refused."""
        for value in ("wait_for", False, "false"):
            self.ok("document:update", _id="a", body={"n": 2}, refresh=value)
        self.ok("document:create", body={"n": 1}, refresh="wait_for")
        self.ok("document:mCreate", body={"documents": [{"body": {}}]}, refresh="wait_for")
        for value in ("now", True, 1):
            error = self.fail(
                "document:update",
                "services.storage.invalid_argument",
                400,
                _id="a",
                body={"n": 3},
                refresh=value,
            )
            self.assertEqual(error["props"], ["refresh", '"wait_for", false'])
        self.assertEqual(self.ok("document:get", _id="a")["_source"]["n"], 2)

    def test_boolean_flags_must_be_booleans(self) -> None:
        """Over WebSocket, source/silent must be JSON booleans."""
        error = self.fail(
            "document:update", "api.assert.invalid_type", 400, _id="a", body={}, source="yes"
        )
        self.assertEqual(error["props"], ["source", "boolean"])


class HttpTests(ApiMixin, SynchronousTestCase):
    """The same actions through their HTTP routes (kuzzle-api.md §4)."""

    def setUp(self) -> None:
        self.start_service()
        self.make_collection()

    def test_routes(self) -> None:
        """Each single-document route reaches its action, with path and query arguments."""
        created = self.http("POST", "/shop/orders/a/_create?refresh=wait_for", {"n": 1})
        self.assertEqual(
            (created["controller"], created["action"], created["result"]["_version"]),
            ("document", "create", 1),
        )
        generated = self.http("POST", "/shop/orders/_create", {"n": 2})
        self.assertEqual(len(generated["result"]["_id"]), 20)
        replaced = self.http("PUT", "/shop/orders/a", {"n": 3})
        self.assertEqual(
            (replaced["action"], replaced["result"]["created"]), ("createOrReplace", False)
        )
        updated = self.http("PATCH", "/shop/orders/a/_update?source", {"m": 4})
        self.assertEqual(updated["result"]["_source"]["n"], 3)
        self.assertEqual(self.http("GET", "/shop/orders/a")["result"]["_version"], 3)
        self.assertIs(self.http("GET", "/shop/orders/a/_exists")["result"], True)
        upserted = self.http("POST", "/shop/orders/b/_upsert", {"changes": {"n": 5}})
        self.assertEqual(upserted["result"], {"_id": "b", "_version": 1, "created": True})
        deleted = self.http("DELETE", "/shop/orders/a?source")
        self.assertEqual(deleted["result"]["_source"]["m"], 4)
        missing = self.http("GET", "/shop/orders/a")
        self.assertEqual(
            (missing["status"], missing["error"]["id"]), (404, "services.storage.not_found")
        )

    def test_boolean_flags_over_http(self) -> None:
        """Over HTTP, a flag present in the query string is true whatever its value."""
        self.http("PUT", "/shop/orders/a", {"n": 1})
        result = self.http("PATCH", "/shop/orders/a/_update?source=false", {"m": 2})["result"]
        self.assertIn("n", result["_source"])
