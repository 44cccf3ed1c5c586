# -*- test-case-name: tests.api.test_document_multi -*-
"""
The ``document`` controller's actions on many documents: m* by id and *ByQuery,
through an in-memory service (kuzzle-api.md §7.2, sdk-contract.md §7).
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from tests.api.test_document_controller import (
    NOW_MS,
    ApiMixin,
    created_info,
    query_string,
    written_info,
)

UPDATED_INFO = {"author": "-1", "createdAt": NOW_MS, "updatedAt": NOW_MS, "updater": "-1"}


class MultiTestCase(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()
        self.make_collection()

    def create(self, doc_id: str, **source: Any) -> None:
        self.ok("document:create", _id=doc_id, body=source)

    def sources(self) -> dict[str, Any]:
        """Every stored document's source by id."""
        hits = self.ok("document:search", body={}, size=100)["hits"]
        return {hit["_id"]: hit["_source"] for hit in hits}


class ReadTests(MultiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.create("a", n=1)
        self.create("b", n=2)

    def test_mget(self) -> None:
        """mGet answers the found documents in order, and the missing ids as errors."""
        result = self.ok("document:mGet", body={"ids": ["b", "nope", "a"]})
        self.assertEqual(
            result,
            {
                "successes": [
                    {
                        "_id": "b",
                        "_source": {"n": 2, "_kuzzle_info": created_info()},
                        "_version": 1,
                    },
                    {
                        "_id": "a",
                        "_source": {"n": 1, "_kuzzle_info": created_info()},
                        "_version": 1,
                    },
                ],
                "errors": ["nope"],
            },
        )

    def test_mget_ids_argument(self) -> None:
        """ids may be a top-level argument when the body has none (or an empty list)."""
        for fields in ({"ids": ["a", "b"]}, {"ids": ["a", "b"], "body": {"ids": []}}):
            result = self.ok("document:mGet", **fields)
            self.assertEqual([item["_id"] for item in result["successes"]], ["a", "b"])

    def test_mget_over_http(self) -> None:
        """GET _mGet takes ?ids= as a comma-separated list or a JSON array; POST a body."""
        for path in (
            "/shop/orders/_mGet?ids=a,nope,b",
            "/shop/orders/_mGet?ids=" + query_string(["a", "nope", "b"]),
        ):
            result = self.http("GET", path)["result"]
            self.assertEqual([item["_id"] for item in result["successes"]], ["a", "b"], path)
            self.assertEqual(result["errors"], ["nope"])
        posted = self.http("POST", "/shop/orders/_mGet", {"ids": ["b"]})["result"]
        self.assertEqual([item["_id"] for item in posted["successes"]], ["b"])
        exists = self.http("POST", "/shop/orders/_mExists", {"ids": ["b", "x"]})["result"]
        self.assertEqual(exists, {"successes": ["b"], "errors": ["x"]})

    def test_mget_strict(self) -> None:
        """With strict, one missing id fails the request with the ids in errors and count."""
        error = self.fail(
            "document:mGet",
            "api.process.incomplete_multiple_request",
            400,
            body={"ids": ["a", "x", "y"]},
            strict=True,
        )
        self.assertEqual(error["message"], "At least one of the get actions failed.")
        self.assertEqual((error["errors"], error["count"]), (["x", "y"], 2))
        self.assertEqual(error["code"], 33685514)
        self.assertEqual(
            len(self.ok("document:mGet", body={"ids": ["a"]}, strict=True)["successes"]), 1
        )

    def test_mexists(self) -> None:
        """mExists answers ids: the existing ones, and the missing ones as errors."""
        self.assertEqual(
            self.ok("document:mExists", body={"ids": ["a", "x", "b"]}),
            {"successes": ["a", "b"], "errors": ["x"]},
        )
        error = self.fail(
            "document:mExists",
            "api.process.incomplete_multiple_request",
            400,
            body={"ids": ["x"]},
            strict=True,
        )
        self.assertEqual((error["errors"], error["count"]), (["x"], 1))

    def test_ids_errors(self) -> None:
        """ids must be given, as an array of strings."""
        for fields in ({}, {"body": {}}, {"body": {"ids": []}}):
            error = self.fail("document:mGet", "api.assert.missing_argument", 400, **fields)
            self.assertEqual(error["props"], ["ids"])
        self.fail("document:mGet", "api.assert.invalid_type", 400, body={"ids": "a"})
        self.fail("document:mExists", "api.assert.invalid_type", 400, body={"ids": ["a", 1]})

    def test_fetch_limit(self) -> None:
        """More ids than limits.documentsFetchCount is a 413 get_limit_exceeded."""
        self.start_service(limits={"documentsFetchCount": 2})
        self.make_collection()
        for action in ("mGet", "mExists"):
            self.fail(
                f"document:{action}",
                "services.storage.get_limit_exceeded",
                413,
                body={"ids": ["a", "b", "c"]},
            )
        self.assertEqual(self.ok("document:mGet", body={"ids": ["a", "b"]})["errors"], ["a", "b"])


class WriteTests(MultiTestCase):
    def test_mcreate(self) -> None:
        """mCreate answers created items, and refused items with Kuzzle's reasons."""
        self.create("x", n=0)
        documents = [
            {"_id": "a", "body": {"n": 1}},
            {"body": {"n": 2}},
            {"_id": "x", "body": {"n": 3, "_kuzzle_info": {"author": "eve"}}},
            {"_id": "b", "body": "nope"},
            {"_id": ["c"], "body": {}},
        ]
        result = self.ok("document:mCreate", body={"documents": documents})
        [first, second] = result["successes"]
        self.assertEqual(
            first,
            {
                "_id": "a",
                "_source": {"n": 1, "_kuzzle_info": created_info()},
                "_version": 1,
                "created": True,
                "result": "created",
                "status": 201,
            },
        )
        self.assertEqual(len(second["_id"]), 20)
        self.assertEqual((second["_source"]["n"], second["status"]), (2, 201))
        self.assertEqual(
            result["errors"],
            [
                {
                    "document": {"_id": "b", "body": "nope"},
                    "reason": "document body must be an object",
                    "status": 400,
                },
                {
                    "document": {"_id": ["c"], "body": {}},
                    "reason": "document _id must be a string",
                    "status": 400,
                },
                {
                    "document": {"_id": "x", "body": {"n": 3}},
                    "reason": "document already exists",
                    "status": 400,
                },
            ],
        )
        sources = self.sources()
        self.assertEqual(sources["x"]["n"], 0)
        self.assertEqual(set(sources), {"x", "a", second["_id"]})

    def test_mcreate_or_replace(self) -> None:
        """mCreateOrReplace reports created (201) and replaced (200) documents."""
        self.create("x", n=0)
        result = self.ok(
            "document:mCreateOrReplace",
            body={
                "documents": [
                    {"_id": "x", "body": {"n": 1}},
                    {"_id": "y", "body": {"n": 2}},
                    {"body": {"n": 3}},
                ]
            },
        )
        self.assertEqual(
            result["successes"],
            [
                {
                    "_id": "x",
                    "_source": {"n": 1, "_kuzzle_info": written_info()},
                    "_version": 2,
                    "created": False,
                    "result": "updated",
                    "status": 200,
                },
                {
                    "_id": "y",
                    "_source": {"n": 2, "_kuzzle_info": written_info()},
                    "_version": 1,
                    "created": True,
                    "result": "created",
                    "status": 201,
                },
            ],
        )
        self.assertEqual(
            result["errors"],
            [
                {
                    "document": {"body": {"n": 3}},
                    "reason": "document _id must be a string",
                    "status": 400,
                }
            ],
        )

    def test_mreplace(self) -> None:
        """mReplace replaces existing documents; a missing one is a 404 item."""
        self.create("x", n=0, old=True)
        result = self.ok(
            "document:mReplace",
            body={"documents": [{"_id": "x", "body": {"n": 1}}, {"_id": "y", "body": {"n": 2}}]},
        )
        self.assertEqual(
            result,
            {
                "successes": [
                    {
                        "_id": "x",
                        "_source": {"n": 1, "_kuzzle_info": written_info()},
                        "_version": 2,
                        "created": False,
                        "result": "updated",
                        "status": 200,
                    }
                ],
                "errors": [
                    {
                        "document": {"_id": "y", "body": {"n": 2}},
                        "reason": "document not found",
                        "status": 404,
                    }
                ],
            },
        )
        self.assertEqual(set(self.sources()), {"x"})

    def test_mupdate(self) -> None:
        """mUpdate merges changes and answers the full documents; missing ones are 404 items."""
        self.create("x", n=0, a={"b": 1})
        result = self.ok(
            "document:mUpdate",
            body={
                "documents": [
                    {"_id": "x", "body": {"a": {"c": 2}}},
                    {"_id": "y", "body": {"n": 2}},
                    {"_id": "z", "body": None},
                ]
            },
        )
        self.assertEqual(
            result["successes"],
            [
                {
                    "_id": "x",
                    "_source": {"n": 0, "a": {"b": 1, "c": 2}, "_kuzzle_info": UPDATED_INFO},
                    "_version": 2,
                    "status": 200,
                }
            ],
        )
        self.assertEqual(
            result["errors"],
            [
                {
                    "document": {"_id": "z", "body": None},
                    "reason": "document body must be an object",
                    "status": 400,
                },
                {
                    "document": {"_id": "y", "body": {"n": 2}},
                    "reason": "document not found",
                    "status": 404,
                },
            ],
        )

    def test_mupsert(self) -> None:
        """mUpsert updates existing documents and creates missing ones from their default."""
        self.create("x", n=0)
        result = self.ok(
            "document:mUpsert",
            body={
                "documents": [
                    {"_id": "x", "changes": {"m": 1}, "default": {"d": 1}},
                    {"_id": "y", "changes": {"m": 2}, "default": {"d": 2}},
                    {"_id": "z", "changes": "no"},
                    {"_id": "w", "changes": {}, "default": [1]},
                    {"changes": {"m": 3}},
                ]
            },
        )
        self.assertEqual(
            result["successes"],
            [
                {
                    "_id": "x",
                    "_source": {"n": 0, "m": 1, "_kuzzle_info": UPDATED_INFO},
                    "_version": 2,
                    "created": False,
                    "status": 200,
                },
                {
                    "_id": "y",
                    "_source": {"d": 2, "m": 2, "_kuzzle_info": UPDATED_INFO},
                    "_version": 1,
                    "created": True,
                    "status": 201,
                },
            ],
        )
        self.assertEqual(
            [
                (error["document"].get("_id"), error["reason"], error["status"])
                for error in result["errors"]
            ],
            [
                ("z", "document changes must be an object", 400),
                ("w", "document default must be an object", 400),
                (None, "document _id must be a string", 400),
            ],
        )

    def test_items_with_source_are_refused(self) -> None:
        """An item carrying _source instead of body refuses the whole request, unwritten."""
        for action in ("mCreate", "mCreateOrReplace", "mReplace", "mUpdate", "mUpsert"):
            error = self.fail(
                f"document:{action}",
                "api.assert.unexpected_argument",
                400,
                body={"documents": [{"_id": "a", "body": {}}, {"_id": "b", "_source": {}}]},
            )
            self.assertEqual(error["props"], ["documents[1]._source", "documents[1].body"])
            self.assertEqual(
                error["message"],
                'Unexpected argument "documents[1]._source" '
                "(accepted arguments: documents[1].body)",
            )
        self.assertEqual(self.sources(), {})

    def test_empty_documents(self) -> None:
        """An empty documents list answers empty successes and errors."""
        for action in ("mCreate", "mCreateOrReplace", "mReplace", "mUpdate", "mUpsert"):
            self.assertEqual(
                self.ok(f"document:{action}", body={"documents": []}),
                {"successes": [], "errors": []},
            )

    def test_documents_argument(self) -> None:
        """documents is required in the body, as an array."""
        self.fail("document:mCreate", "api.assert.body_required", 400)
        error = self.fail("document:mCreate", "api.assert.missing_argument", 400, body={})
        self.assertEqual(error["props"], ["body.documents"])
        error = self.fail(
            "document:mUpdate", "api.assert.invalid_type", 400, body={"documents": {}}
        )
        self.assertEqual(error["props"], ["body.documents", "array"])

    def test_write_limit(self) -> None:
        """More documents than limits.documentsWriteCount is a 413, and nothing is written."""
        self.start_service(limits={"documentsWriteCount": 2})
        self.make_collection()
        three = [{"_id": name, "body": {}} for name in "abc"]
        for action in ("mCreate", "mCreateOrReplace", "mReplace", "mUpdate"):
            error = self.fail(
                f"document:{action}",
                "services.storage.write_limit_exceeded",
                413,
                body={"documents": three},
            )
        self.assertEqual(
            error["message"],
            "The number of documents edited by this request exceeds the configured server limit.",
        )
        self.fail(
            "document:mDelete",
            "services.storage.write_limit_exceeded",
            413,
            body={"ids": ["a", "b", "c"]},
        )
        self.assertEqual(self.sources(), {})
        self.assertEqual(
            len(self.ok("document:mCreate", body={"documents": three[:2]})["successes"]), 2
        )

    def test_strict(self) -> None:
        """strict fails a partly failed m* write; the successful items stay written."""
        self.create("x", n=0)
        error = self.fail(
            "document:mCreate",
            "api.process.incomplete_multiple_request",
            400,
            body={"documents": [{"_id": "a", "body": {}}, {"_id": "x", "body": {}}]},
            strict=True,
        )
        self.assertEqual(error["message"], "At least one of the mCreate actions failed.")
        self.assertEqual(error["count"], 1)
        self.assertEqual(error["errors"][0]["reason"], "document already exists")
        self.assertEqual(set(self.sources()), {"x", "a"})


class DeleteTests(MultiTestCase):
    def setUp(self) -> None:
        super().setUp()
        for n in range(1, 5):
            self.create(f"d{n}", n=n)

    def test_mdelete(self) -> None:
        """mDelete answers deleted ids and refused ones with Kuzzle's reasons."""
        result = self.ok("document:mDelete", body={"ids": ["d1", "nope", 5, "d2"]})
        self.assertEqual(
            result,
            {
                "successes": ["d1", "d2"],
                "errors": [
                    {"_id": 5, "reason": "document _id must be a string", "status": 400},
                    {"_id": "nope", "reason": "document not found", "status": 404},
                ],
            },
        )
        self.assertEqual(set(self.sources()), {"d3", "d4"})
        error = self.fail(
            "document:mDelete",
            "api.process.incomplete_multiple_request",
            400,
            body={"ids": ["d3", "nope"]},
            strict=True,
        )
        self.assertEqual(error["message"], "At least one of the delete actions failed.")
        self.fail("document:mDelete", "api.assert.body_required", 400)

    def test_mdelete_lists_an_id_once(self) -> None:
        """An id listed twice in mDelete is deleted once, without an error."""
        self.assertEqual(
            self.ok("document:mDelete", body={"ids": ["d1", "d1"]}),
            {"successes": ["d1"], "errors": []},
        )

    def test_delete_by_query(self) -> None:
        """deleteByQuery deletes the matching documents and answers their ids."""
        result = self.ok("document:deleteByQuery", body={"query": {"range": {"n": {"gte": 3}}}})
        self.assertEqual(
            result, {"documents": [{"_id": "d3"}, {"_id": "d4"}], "ids": ["d3", "d4"]}
        )
        self.assertEqual(set(self.sources()), {"d1", "d2"})

    def test_delete_by_query_with_source(self) -> None:
        """With source: true, deleteByQuery also answers the deleted sources."""
        result = self.ok(
            "document:deleteByQuery",
            body={"query": {"equals": {"n": 2}}},
            lang="koncorde",
            source=True,
        )
        self.assertEqual(
            result,
            {
                "documents": [{"_id": "d2", "_source": {"n": 2, "_kuzzle_info": created_info()}}],
                "ids": ["d2"],
            },
        )

    def test_delete_by_query_without_query_deletes_everything(self) -> None:
        """A missing query matches every document (Kuzzle's default {})."""
        self.assertEqual(len(self.ok("document:deleteByQuery", body={})["ids"]), 4)
        self.assertEqual(self.sources(), {})

    def test_delete_by_query_limit(self) -> None:
        """Matching more than limits.documentsWriteCount documents is a 413; nothing is deleted."""
        self.start_service(limits={"documentsWriteCount": 2})
        self.make_collection()
        for n in range(3):
            self.create(f"d{n}", n=n)
        self.fail(
            "document:deleteByQuery",
            "services.storage.write_limit_exceeded",
            413,
            body={"query": {}},
        )
        self.fail(
            "document:updateByQuery",
            "services.storage.write_limit_exceeded",
            413,
            body={"query": {}, "changes": {"m": 1}},
        )
        self.assertEqual(len(self.sources()), 3)
        self.assertEqual(
            self.ok("document:deleteByQuery", body={"query": {"range": {"n": {"gt": 0}}}})["ids"],
            ["d1", "d2"],
        )

    def test_update_by_query(self) -> None:
        """updateByQuery merges the changes into every match and answers each one."""
        self.clock.advance(1)
        result = self.ok(
            "document:updateByQuery",
            body={"query": {"range": {"n": {"lte": 2}}}, "changes": {"m": True}},
        )
        self.assertEqual(
            result,
            {
                "successes": [
                    {"_id": "d1", "_version": 2, "status": 200},
                    {"_id": "d2", "_version": 2, "status": 200},
                ],
                "errors": [],
            },
        )
        sources = self.sources()
        self.assertEqual(
            sources["d1"],
            {
                "n": 1,
                "m": True,
                "_kuzzle_info": {
                    "author": "-1",
                    "createdAt": NOW_MS,
                    "updatedAt": NOW_MS + 1000,
                    "updater": "-1",
                },
            },
        )
        self.assertNotIn("m", sources["d3"])

    def test_update_by_query_with_source(self) -> None:
        """With source: true, updateByQuery answers the updated sources."""
        result = self.ok(
            "document:updateByQuery",
            body={"query": {"equals": {"n": 4}}, "changes": {"m": 1}},
            lang="koncorde",
            source=True,
        )
        [success] = result["successes"]
        self.assertEqual(success["_source"]["m"], 1)
        self.assertEqual(success["_source"]["n"], 4)

    def test_update_by_query_arguments(self) -> None:
        """updateByQuery needs body.query and body.changes."""
        error = self.fail(
            "document:updateByQuery", "api.assert.missing_argument", 400, body={"changes": {}}
        )
        self.assertEqual(error["props"], ["body.query"])
        error = self.fail(
            "document:updateByQuery", "api.assert.missing_argument", 400, body={"query": {}}
        )
        self.assertEqual(error["props"], ["body.changes"])

    def test_update_by_query_item_errors(self) -> None:
        """Documents a change cannot be written to are mUpdate-like error items."""
        self.start_service()
        self.make_collection(mappings={"dynamic": "strict", "properties": {"n": {"type": "long"}}})
        self.create("d1", n=1)
        result = self.ok("document:updateByQuery", body={"query": {}, "changes": {"extra": 1}})
        self.assertEqual(result["successes"], [])
        [error] = result["errors"]
        self.assertEqual(
            (error["document"], error["status"]), ({"_id": "d1", "body": {"extra": 1}}, 400)
        )
        self.assertIn('"extra"', error["reason"])
