# -*- test-case-name: tests.e2e.test_documents -*-
"""
Indexes, collections, documents, searches and document notifications through the official
JavaScript SDK (kuzzle-sdk 7.17.1), over WebSocket and over Http, against the real server
(``tests/e2e/js/sdk_documents.js`` and ``sdk_documents_notify.js``).
"""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import E2ETestCase

INDEX = "shop"
COLLECTION = "items"

# The mappings the scripts create ``shop/items`` with (sdk_documents_lib.js).
MAPPINGS = {
    "dynamic": "false",
    "_meta": {"owner": "e2e"},
    "properties": {
        "name": {"type": "keyword"},
        "price": {"type": "integer"},
        "n": {"type": "integer"},
        "status": {"type": "keyword"},
        "nested": {"properties": {"a": {"type": "keyword"}}},
    },
}

# Clock slack between the node client and the server, in milliseconds.
SLACK = 1000


def content(source: dict[str, Any]) -> dict[str, Any]:
    """A document's ``_source`` without ``_kuzzle_info``."""
    return {key: value for key, value in source.items() if key != "_kuzzle_info"}


class Outcomes:
    """Reading the C{{ok, value}} / C{{ok: false, error}} outcomes the scripts report."""

    def ok(self: Any, outcome: dict[str, Any] | None) -> Any:
        self.assertIsNotNone(outcome)
        assert outcome is not None
        self.assertTrue(outcome["ok"], f"expected a success, got {outcome!r}")
        return outcome.get("value")

    def assert_kuzzle_error(self: Any, outcome: dict[str, Any], status: int, id: str) -> None:
        self.assertFalse(outcome["ok"], f"expected a rejection, got {outcome!r}")
        error = outcome["error"]
        self.assertEqual(error["type"], "KuzzleError", error)
        self.assertEqual((error["id"], error["status"]), (id, status), error)

    def assert_created_info(self: Any, source: dict[str, Any], report: dict[str, Any]) -> None:
        """C{_kuzzle_info} of a document created (and not changed since) by anonymous."""
        info = source["_kuzzle_info"]
        self.assertEqual(info["author"], "-1", info)
        self.assertGreaterEqual(info["createdAt"], report["before"] - SLACK)
        self.assertLessEqual(info["createdAt"], report["after"] + SLACK)
        self.assertIsNone(info["updatedAt"], info)
        self.assertIsNone(info["updater"], info)

    def assert_updated_info(self: Any, source: dict[str, Any], report: dict[str, Any]) -> None:
        """C{_kuzzle_info} of a document written and then changed by anonymous."""
        info = source["_kuzzle_info"]
        self.assertEqual(info["author"], "-1", info)
        self.assertEqual(info["updater"], "-1", info)
        self.assertGreaterEqual(info["updatedAt"], info["createdAt"], info)
        self.assertGreaterEqual(info["createdAt"], report["before"] - SLACK)
        self.assertLessEqual(info["updatedAt"], report["after"] + SLACK)


class DocumentChecks(Outcomes):
    """The scenarios of C{sdk_documents.js}, for the protocol in C{self.protocol}."""

    protocol: str

    async def scenario(self: Any, name: str) -> dict[str, Any]:
        server = await self.server()
        report: dict[str, Any] = await self.node(
            "sdk_documents.js", server.port, self.protocol, name
        )
        self.assertEqual(report["events"], [])
        return report

    async def test_index_lifecycle(self: Any) -> None:
        """
        C{index.create}, C{exists}, C{list} and C{delete}: the results, and the errors for a
        second create (412 C{index_already_exists}), a bad name (400 C{invalid_index_name})
        and a second delete (412 C{unknown_index}).
        """
        report = await self.scenario("indexes")
        self.assertIs(self.ok(report["existsBefore"]), False)
        self.ok(report["create"])
        self.assertIsNone(self.ok(report["createRaw"]))
        self.assert_kuzzle_error(
            report["createAgain"], 412, "services.storage.index_already_exists"
        )
        self.assert_kuzzle_error(report["badName"], 400, "services.storage.invalid_index_name")
        self.assertIs(self.ok(report["existsAfter"]), True)
        self.assertEqual(sorted(self.ok(report["list"])), ["other", "shop"])
        self.ok(report["delete"])
        self.assertEqual(self.ok(report["deleteRaw"]), {"acknowledged": True})
        self.assertIs(self.ok(report["existsDeleted"]), False)
        self.assertEqual(self.ok(report["listDeleted"]), [])
        self.assert_kuzzle_error(report["deleteAgain"], 412, "services.storage.unknown_index")

    async def test_collection_lifecycle(self: Any) -> None:
        """
        C{collection.create} with mappings, C{exists}, C{list}, C{getMapping} (the mappings
        as given, without C{_kuzzle_info}), C{update}, C{truncate} (documents gone,
        collection kept), C{delete}; and the errors on unknown indexes and collections.
        """
        report = await self.scenario("collections")
        self.assertIs(self.ok(report["existsBefore"]), False)
        self.ok(report["create"])
        self.assertEqual(self.ok(report["createRaw"]), {"acknowledged": True})
        self.assertIs(self.ok(report["existsAfter"]), True)
        self.assertIs(self.ok(report["existsUnknownIndex"]), False)
        self.assertEqual(
            self.ok(report["list"]),
            {
                "type": "all",
                "collections": [
                    {"name": "items", "type": "stored"},
                    {"name": "plain", "type": "stored"},
                ],
            },
        )
        self.assertEqual(self.ok(report["getMapping"]), MAPPINGS)
        self.ok(report["update"])
        updated = self.ok(report["getMappingUpdated"])
        self.assertEqual(
            updated,
            {
                **MAPPINGS,
                "properties": {**MAPPINGS["properties"], "color": {"type": "keyword"}},
            },
        )
        self.assert_kuzzle_error(
            report["badName"], 400, "services.storage.invalid_collection_name"
        )
        self.assert_kuzzle_error(report["listUnknownIndex"], 412, "services.storage.unknown_index")
        self.assert_kuzzle_error(
            report["getMappingUnknown"], 412, "services.storage.unknown_collection"
        )
        self.assertEqual(self.ok(report["countBeforeTruncate"]), 3)
        self.ok(report["truncate"])
        self.assertEqual(self.ok(report["truncateRaw"]), {"acknowledged": True})
        self.ok(report["refresh"])
        self.assertEqual(self.ok(report["countAfterTruncate"]), 0)
        self.assert_kuzzle_error(report["getTruncated"], 404, "services.storage.not_found")
        self.assertIs(self.ok(report["existsAfterTruncate"]), True)
        self.ok(report["delete"])
        self.assertIs(self.ok(report["existsDeleted"]), False)
        self.assertEqual(
            self.ok(report["listDeleted"])["collections"], [{"name": "plain", "type": "stored"}]
        )
        self.assert_kuzzle_error(
            report["getDeletedCollection"], 412, "services.storage.unknown_collection"
        )
        self.assert_kuzzle_error(report["deleteAgain"], 412, "services.storage.unknown_collection")

    async def test_single_document_actions(self: Any) -> None:
        """
        create (given and generated ids), createOrReplace, replace, update (deep merge,
        with and without C{source}), upsert, get, exists, deleteFields, delete, count,
        search and validate: ids, versions (+1 per write), C{created} flags, C{_source}
        and C{_kuzzle_info}; the errors for existing and missing documents; an id that
        needs escaping in a URL.
        """
        report = await self.scenario("documents")

        create = self.ok(report["create"])
        self.assertEqual((create["_id"], create["_version"]), ("a", 1))
        self.assertEqual(
            content(create["_source"]),
            {"name": "a", "price": 5, "status": "new", "nested": {"a": "x"}},
        )
        self.assert_created_info(create["_source"], report)

        auto = self.ok(report["createAuto"])
        self.assertIsInstance(auto["_id"], str)
        self.assertTrue(auto["_id"])
        self.assertEqual(auto["_version"], 1)
        got = self.ok(report["getAuto"])
        self.assertEqual((got["_id"], got["_version"]), (auto["_id"], 1))
        self.assertEqual(content(got["_source"]), {"name": "auto", "price": 1})
        self.assert_created_info(got["_source"], report)

        self.assert_kuzzle_error(
            report["createExisting"], 400, "services.storage.document_already_exists"
        )

        new = self.ok(report["createOrReplaceNew"])
        self.assertEqual((new["_id"], new["_version"], new["created"]), ("b", 1, True))
        self.assertEqual(content(new["_source"]), {"name": "b", "price": 3, "status": "new"})
        old = self.ok(report["createOrReplaceOld"])
        self.assertEqual((old["_id"], old["_version"], old["created"]), ("b", 2, False))
        self.assertEqual(content(old["_source"]), {"name": "b2", "price": 4})
        self.assert_updated_info(old["_source"], report)
        got = self.ok(report["getB"])
        self.assertEqual(got["_version"], 2)
        self.assertEqual(content(got["_source"]), {"name": "b2", "price": 4})

        replaced = self.ok(report["replace"])
        self.assertEqual((replaced["_id"], replaced["_version"]), ("a", 2))
        self.assertEqual(
            content(replaced["_source"]), {"name": "a2", "price": 7, "nested": {"a": "y"}}
        )
        self.assert_updated_info(replaced["_source"], report)
        self.assert_kuzzle_error(report["replaceMissing"], 404, "services.storage.not_found")

        updated = self.ok(report["update"])
        self.assertEqual((updated["_id"], updated["_version"]), ("a", 3))
        # Without `source`, _source is the changes (and _kuzzle_info).
        self.assertEqual(content(updated["_source"]), {"status": "old", "nested": {"b": "z"}})
        self.assertEqual(updated["_source"]["_kuzzle_info"]["updater"], "-1")
        with_source = self.ok(report["updateSource"])
        self.assertEqual(with_source["_version"], 4)
        full = {"name": "a2", "price": 8, "status": "old", "nested": {"a": "y", "b": "z"}}
        self.assertEqual(content(with_source["_source"]), full)
        self.assert_updated_info(with_source["_source"], report)
        self.assert_kuzzle_error(report["updateMissing"], 404, "services.storage.not_found")
        got = self.ok(report["getA"])
        self.assertEqual((got["_id"], got["_version"]), ("a", 4))
        self.assertEqual(content(got["_source"]), full)
        self.assert_updated_info(got["_source"], report)

        upserted = self.ok(report["upsertNew"])
        self.assertEqual(
            (upserted["_id"], upserted["_version"], upserted["created"]), ("u", 1, True)
        )
        upserted = self.ok(report["upsertOld"])
        self.assertEqual(
            (upserted["_id"], upserted["_version"], upserted["created"]), ("u", 2, False)
        )
        got = self.ok(report["getU"])
        self.assertEqual(got["_version"], 2)
        self.assertEqual(content(got["_source"]), {"price": 2, "status": "new"})
        self.assertEqual(got["_source"]["_kuzzle_info"]["author"], "-1")

        self.assertIs(self.ok(report["exists"]), True)
        self.assertIs(self.ok(report["existsMissing"]), False)

        deleted_fields = self.ok(report["deleteFields"])
        self.assertEqual((deleted_fields["_id"], deleted_fields["_version"]), ("a", 5))
        with_source = self.ok(report["deleteFieldsSource"])
        self.assertEqual((with_source["_id"], with_source["_version"]), ("u", 3))
        self.assertEqual(content(with_source["_source"]), {"price": 2})
        got = self.ok(report["getAfterDeleteFields"])
        self.assertEqual(got["_version"], 5)
        self.assertEqual(content(got["_source"]), {"name": "a2", "price": 8, "nested": {"a": "y"}})

        self.assertEqual(self.ok(report["delete"]), "b")
        self.assert_kuzzle_error(report["deleteAgain"], 404, "services.storage.not_found")
        self.assert_kuzzle_error(report["getDeleted"], 404, "services.storage.not_found")
        self.assertIs(self.ok(report["existsDeleted"]), False)

        # a, the generated one and u are left.
        self.assertEqual(self.ok(report["count"]), 3)
        self.assertEqual(self.ok(report["countQuery"]), 1)
        search = self.ok(report["search"])
        self.assertEqual((search["total"], search["fetched"]), (1, 1))
        [hit] = search["hits"]
        self.assertEqual(hit["_id"], "a")
        self.assertEqual(content(hit["_source"]), content(got["_source"]))
        self.assertEqual((hit["index"], hit["collection"]), (INDEX, COLLECTION))
        self.assertIn("_score", hit)

        self.assertIs(self.ok(report["validate"])["valid"], True)

        odd = "with space/slash?&\u00e9"
        self.assertEqual(self.ok(report["oddCreate"])["_id"], odd)
        got = self.ok(report["oddGet"])
        self.assertEqual((got["_id"], content(got["_source"])), (odd, {"name": "odd"}))
        self.assertEqual(self.ok(report["oddUpdate"])["_version"], 2)
        self.assertEqual(self.ok(report["oddDelete"]), odd)

    async def test_multiple_document_actions(self: Any) -> None:
        """
        mCreate, mCreateOrReplace, mReplace, mUpdate, mUpsert, mGet, mDelete,
        updateByQuery and deleteByQuery: successes with ids, versions, C{created} and
        statuses, and per-document errors (existing or missing documents, a body that is
        not an object); an empty list, and more documents than C{documentsWriteCount}.
        """
        report = await self.scenario("multi")

        created = self.ok(report["mCreate"])
        successes = created["successes"]
        self.assertEqual([s["_id"] for s in successes[:2]], ["m1", "m2"])
        self.assertEqual(len(successes), 3, successes)
        generated = successes[2]["_id"]
        self.assertIsInstance(generated, str)
        self.assertNotIn(generated, ("m1", "m2", "a", ""))
        for success in successes:
            self.assertEqual(
                (success["_version"], success["created"], success["status"]),
                (1, True, 201),
                success,
            )
            self.assertEqual(success["result"], "created")
            self.assert_created_info(success["_source"], report)
        self.assertEqual(
            content(successes[0]["_source"]), {"name": "m1", "price": 10, "status": "new"}
        )
        self.assertEqual(content(successes[2]["_source"]), {"name": "auto"})
        self.assertEqual(
            created["errors"],
            [
                {
                    "document": {"_id": "a", "body": {"name": "dup"}},
                    "reason": "document already exists",
                    "status": 400,
                }
            ],
        )

        replaced = self.ok(report["mCreateOrReplace"])
        self.assertEqual(replaced["errors"], [])
        self.assertEqual(
            [(s["_id"], s["_version"], s["created"], s["status"]) for s in replaced["successes"]],
            [("m1", 2, False, 200), ("m3", 1, True, 201)],
        )
        self.assertEqual(
            content(replaced["successes"][0]["_source"]), {"name": "m1b", "price": 11}
        )

        replaced = self.ok(report["mReplace"])
        self.assertEqual(
            [(s["_id"], s["_version"], s["status"]) for s in replaced["successes"]],
            [("m2", 2, 200)],
        )
        self.assertEqual(
            content(replaced["successes"][0]["_source"]),
            {"name": "m2b", "price": 21, "status": "new"},
        )
        self.assert_updated_info(replaced["successes"][0]["_source"], report)
        self.assertEqual(
            replaced["errors"],
            [
                {
                    "document": {"_id": "nope", "body": {"name": "x"}},
                    "reason": "document not found",
                    "status": 404,
                }
            ],
        )

        updated = self.ok(report["mUpdate"])
        self.assertEqual(
            [(s["_id"], s["_version"], s["status"]) for s in updated["successes"]],
            [("m1", 3, 200)],
        )
        self.assertEqual(
            content(updated["successes"][0]["_source"]),
            {"name": "m1b", "price": 11, "status": "old"},
        )
        self.assertEqual(
            updated["errors"],
            [
                {
                    "document": {"_id": "nope2", "body": {"price": 1}},
                    "reason": "document not found",
                    "status": 404,
                }
            ],
        )

        upserted = self.ok(report["mUpsert"])
        self.assertEqual(upserted["errors"], [])
        self.assertEqual(
            [(s["_id"], s["_version"], s["created"], s["status"]) for s in upserted["successes"]],
            [("m3", 2, False, 200), ("m4", 1, True, 201)],
        )

        fetched = self.ok(report["mGet"])
        self.assertEqual(fetched["errors"], ["nope"])
        self.assertEqual(
            [(s["_id"], s["_version"], content(s["_source"])) for s in fetched["successes"]],
            [
                ("m1", 3, {"name": "m1b", "price": 11, "status": "old"}),
                ("m2", 2, {"name": "m2b", "price": 21, "status": "new"}),
                ("m3", 2, {"name": "m3", "price": 31, "status": "new"}),
                ("m4", 1, {"price": 40, "status": "new"}),
            ],
        )
        self.assertEqual(fetched["successes"][3]["_source"]["_kuzzle_info"]["author"], "-1")

        deleted = self.ok(report["mDelete"])
        self.assertEqual(deleted["successes"], ["m4"])
        self.assertEqual(
            deleted["errors"], [{"_id": "nope", "reason": "document not found", "status": 404}]
        )
        # a, m1, m2, m3 and the generated one.
        self.assertEqual(self.ok(report["countAll"]), 5)

        by_query = self.ok(report["updateByQuery"])
        self.assertEqual(by_query["errors"], [])
        self.assertEqual(
            sorted((s["_id"], s["_version"], s["status"]) for s in by_query["successes"]),
            [("m2", 3, 200), ("m3", 3, 200)],
        )
        fetched = self.ok(report["mGetUpdated"])
        self.assertEqual(
            [(s["_id"], s["_version"], s["_source"]["name"]) for s in fetched["successes"]],
            [("m2", 3, "flagged"), ("m3", 3, "flagged")],
        )

        self.assertEqual(sorted(self.ok(report["deleteByQuery"])), ["m2", "m3"])
        self.assertEqual(self.ok(report["countAfter"]), 3)
        fetched = self.ok(report["mGetDeleted"])
        self.assertEqual([s["_id"] for s in fetched["successes"]], ["a"])
        self.assertEqual(fetched["errors"], ["m2", "m3"])

        self.assertEqual(self.ok(report["mCreateEmpty"]), {"successes": [], "errors": []})
        mixed = self.ok(report["mCreateBadBody"])
        self.assertEqual([s["_id"] for s in mixed["successes"]], ["good"])
        self.assertEqual(
            mixed["errors"],
            [
                {
                    "document": {"_id": "bad", "body": "not an object"},
                    "reason": "document body must be an object",
                    "status": 400,
                }
            ],
        )
        # More than limits.documentsWriteCount (200): refused as a whole.
        self.assert_kuzzle_error(
            report["mCreateTooMany"], 413, "services.storage.write_limit_exceeded"
        )
        self.assertIs(self.ok(report["existsTooMany"]), False)

    async def test_search_pagination(self: Any) -> None:
        """
        25 documents: C{from}/C{size} pages, C{sort} pages (C{search_after}) and
        C{scroll: "10s"} pages (with and without sort), each walked with
        C{SearchResult.next()} until it gives null, see every matching document exactly
        once, in order when sorted; plus a bool query, a count, an unknown scroll id (404
        C{unknown_scroll_id}), a bad search body (400 C{invalid_search_query}), a size above
        C{documentsFetchCount} (413) and a search sent with C{verb: "GET"}.
        """
        report = await self.scenario("search")
        self.assertEqual(self.ok(report["created"]), 25)
        everything = [f"s{n:02d}" for n in range(25)]

        def walked(name: str, total: int, sizes: list[int]) -> list[str]:
            pages = self.ok(report[name])
            self.assertEqual([len(page["ids"]) for page in pages], sizes, name)
            self.assertEqual({page["total"] for page in pages}, {total}, name)
            self.assertEqual(pages[-1]["fetched"], total, name)
            for page in pages:
                self.assertEqual(set(map(tuple, page["indexes"])), {(INDEX, COLLECTION)})
            ids = [id for page in pages for id in page["ids"]]
            self.assertEqual(len(ids), len(set(ids)), f"{name}: a document seen twice: {ids}")
            return ids

        ids = walked("fromSize", 25, [10, 10, 5])
        self.assertEqual(sorted(ids), everything)

        ids = walked("sorted", 25, [7, 7, 7, 4])
        keys = [tuple(key) for page in self.ok(report["sorted"]) for key in page["keys"]]
        self.assertEqual(keys, sorted(keys, key=lambda key: (-key[0], key[1])))
        self.assertEqual(sorted(ids), everything)

        ids = walked("scroll", 13, [4, 4, 4, 1])
        self.assertEqual(sorted(ids), everything[::2])
        for page in self.ok(report["scroll"]):
            self.assertIsInstance(page["scrollId"], str)

        ids = walked("sortedScroll", 25, [10, 10, 5])
        self.assertEqual(ids, everything[::-1])

        self.assertEqual(self.ok(report["lastPage"]), {"ids": everything[20:], "total": 25})
        self.assertEqual(
            self.ok(report["bool"]), {"ids": ["s01", "s03", "s05", "s07", "s09"], "total": 5}
        )
        self.assertEqual(self.ok(report["countOdd"]), 12)
        self.assert_kuzzle_error(
            report["unknownScroll"], 404, "services.storage.unknown_scroll_id"
        )
        self.assert_kuzzle_error(
            report["badSearchKey"], 400, "services.storage.invalid_search_query"
        )
        self.assert_kuzzle_error(report["tooLarge"], 413, "services.storage.get_limit_exceeded")
        self.assertEqual(self.ok(report["getVerb"]), {"ids": ["s00", "s01", "s02"], "total": 3})

    async def test_errors(self: Any) -> None:
        """
        The storage errors reach the SDK as KuzzleErrors with their id and status: unknown
        index or collection (412), missing document (404), existing document (400), existing
        index (412), a field outside a strict mapping (400); the connection keeps working.
        """
        report = await self.scenario("errors")
        self.assert_kuzzle_error(report["getUnknownIndex"], 412, "services.storage.unknown_index")
        self.assert_kuzzle_error(
            report["getUnknownCollection"], 412, "services.storage.unknown_collection"
        )
        self.assert_kuzzle_error(
            report["createUnknownIndex"], 412, "services.storage.unknown_index"
        )
        self.assert_kuzzle_error(
            report["searchUnknownCollection"], 412, "services.storage.unknown_collection"
        )
        self.assert_kuzzle_error(report["getMissing"], 404, "services.storage.not_found")
        self.assert_kuzzle_error(
            report["createExisting"], 400, "services.storage.document_already_exists"
        )
        self.assert_kuzzle_error(report["deleteMissing"], 404, "services.storage.not_found")
        self.assert_kuzzle_error(
            report["indexAlreadyExists"], 412, "services.storage.index_already_exists"
        )
        self.assert_kuzzle_error(
            report["strictCreate"], 400, "services.storage.strict_mapping_rejection"
        )
        self.assertEqual(self.ok(report["strictOk"])["_id"], "y")
        self.assertIs(self.ok(report["stillAlive"]), True)


class WebSocketDocumentTests(E2ETestCase, DocumentChecks):
    """kuzzle-sdk's WebSocket protocol."""

    protocol = "ws"


class HttpDocumentTests(E2ETestCase, DocumentChecks):
    """kuzzle-sdk's Http protocol."""

    protocol = "http"


# What each step of sdk_documents_notify.js's `notify` scenario must give each room:
# (action, event, scope, _id, _updatedFields, price in _source).
PRICEY_NOTES: dict[str, list[tuple[Any, ...]]] = {
    "create": [("create", "write", "in", "d1", None, 15)],
    "cheaper": [("update", "write", "out", "d1", ["price"], 5)],
    "pricier": [("update", "write", "in", "d1", ["price"], 20)],
    "old": [("update", "write", "in", "d1", ["status"], 20)],
    "replace": [("replace", "write", "out", "d1", None, 1)],
    "delete": [],
    "corNew": [("create", "write", "in", "d2", None, 30)],
    "corOld": [("replace", "write", "in", "d2", None, 40)],
    "upsert": [("create", "write", "in", "d3", None, 11)],
    "mCreate": [("create", "write", "in", "m1", None, 12)],
    "mUpdate": [
        ("update", "write", "in", "m2", ["price"], 13),
        ("update", "write", "out", "m1", ["price"], 3),
    ],
    "updateByQuery": [("update", "write", "out", "d3", ["price"], 3)],
    "deleteFields": [],
    "deleteByQuery": [("delete", "delete", "out", "m2", None, 13)],
}
FRESH_NOTES: dict[str, list[tuple[Any, ...]]] = {
    "create": [("create", "write", "in", "d1", None, 15)],
    "cheaper": [("update", "write", "in", "d1", ["price"], 5)],
    "pricier": [("update", "write", "in", "d1", ["price"], 20)],
    "old": [("update", "write", "out", "d1", ["status"], 20)],
    "replace": [("replace", "write", "in", "d1", None, 1)],
    "delete": [("delete", "delete", "out", "d1", None, 1)],
    "corNew": [("create", "write", "in", "d2", None, 30)],
    "corOld": [("replace", "write", "out", "d2", None, 40)],
    "upsert": [("create", "write", "in", "d3", None, 11)],
    "mCreate": [("create", "write", "in", "m2", None, 2)],
    "mUpdate": [("update", "write", "in", "m2", ["price"], 13)],
    "updateByQuery": [("update", "write", "in", "d3", ["price"], 3)],
    # deleteFields notifies as an update, without _updatedFields.
    "deleteFields": [("update", "write", "out", "d3", None, 3)],
    "deleteByQuery": [("delete", "delete", "out", "m2", None, 13)],
}


def sorted_steps(steps: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(notes, key=repr) for name, notes in steps.items()}


class NotificationChecks(Outcomes):
    """
    Document notifications to a WebSocket subscriber, for writes sent over
    C{self.protocol} (C{tests/e2e/js/sdk_documents_notify.js}).
    """

    protocol: str
    wire_protocol: str

    async def scenario(self: Any, name: str) -> dict[str, Any]:
        server = await self.server()
        report: dict[str, Any] = await self.node(
            "sdk_documents_notify.js", server.port, self.protocol, name
        )
        self.assertEqual(report["events"], [])
        return report

    def by_step(self: Any, report: dict[str, Any], room: str) -> dict[str, list[tuple[Any, ...]]]:
        """The room's notifications grouped by the step that caused them (sorted in a step)."""
        notes = report[room]
        grouped: dict[str, list[tuple[Any, ...]]] = {}
        start = 0
        for step in report["steps"]:
            end = step[room]
            grouped[step["name"]] = sorted(
                (
                    (n["action"], n["event"], n["scope"], n["_id"], n.get("_updatedFields"))
                    + ((n["_source"] or {}).get("price"),)
                    for n in notes[start:end]
                ),
                key=repr,
            )
            start = end
        if notes[start:]:
            grouped["(late)"] = [(n["action"], n["_id"]) for n in notes[start:]]
        return grouped

    def assert_notification(
        self: Any, note: dict[str, Any], report: dict[str, Any], channel: str
    ) -> None:
        expected = {
            "type": "document",
            "status": 200,
            "index": INDEX,
            "collection": COLLECTION,
            "controller": "document",
            "protocol": self.wire_protocol,
            "room": channel,
            "sdkInstanceId": report["writer"],
        }
        self.assertEqual({key: note.get(key) for key in expected}, expected, note)
        self.assertEqual(note["event"], "delete" if note["action"] == "delete" else "write")
        self.assertIsInstance(note["requestId"], str)
        self.assertGreaterEqual(note["timestamp"], report["steps"][0]["before"] - SLACK)
        self.assertLessEqual(note["timestamp"], report["steps"][-1]["after"] + SLACK)
        source = note["_source"]
        self.assertIsInstance(source, dict, note)
        self.assertEqual(source["_kuzzle_info"]["author"], "-1", note)

    async def test_scopes_and_actions(self: Any) -> None:
        """
        A subscriber to C{{range: {price: {gte: 10}}}} and one to C{{equals: {status:
        "new"}}} hear create, update, replace, delete, createOrReplace, upsert, mCreate,
        mUpdate, updateByQuery, deleteFields and deleteByQuery: C{in} when the document
        matches after the write, C{out} when an update or replace makes it leave the filter,
        C{event: "delete"}/C{out} on deletion, C{_updatedFields} on updates, and nothing for
        documents that neither match nor matched.
        """
        report = await self.scenario("notify")
        for step in report["steps"]:
            self.assertTrue(step["ok"], step)
        self.assertEqual(self.by_step(report, "pricey"), sorted_steps(PRICEY_NOTES))
        self.assertEqual(self.by_step(report, "fresh"), sorted_steps(FRESH_NOTES))
        for room in ("pricey", "fresh"):
            for note in report[room]:
                self.assert_notification(note, report, report["channels"][room])
        # The full document in notifications, not only the changes.
        out = report["pricey"][1]
        self.assertEqual(content(out["_source"]), {"name": "d1", "price": 5, "status": "new"})
        self.assertEqual(out["_source"]["_kuzzle_info"]["updater"], "-1")
        deleted = report["fresh"][5]
        self.assertEqual(content(deleted["_source"]), {"name": "d1", "price": 1, "status": "new"})
        # One frame per notification, none for anything else.
        self.assertEqual(report["frames"], len(report["pricey"]) + len(report["fresh"]))
        for step in report["steps"]:
            self.assertTrue(step["arrived"], f"notifications missing after {step}")

    async def test_silent_writes(self: Any) -> None:
        """
        With C{silent: true}, no write action (single, m*, by query) sends anything to the
        subscriber's socket: after a later non-silent write's notifications arrived (and a
        grace delay), the marker is all the subscriber got.
        """
        report = await self.scenario("silent")
        for name, outcome in report["writes"].items():
            self.assertTrue(outcome["ok"], f"{name}: {outcome!r}")
        self.assertTrue(report["markerArrived"], report)
        marker = [("create", "in", "marker")]
        for room in ("pricey", "fresh"):
            self.assertEqual(
                [(n["action"], n["scope"], n["_id"]) for n in report[room]], marker, room
            )
        self.assertEqual(
            [(n["action"], n["scope"], n["_id"]) for n in report["frames"]], marker * 2
        )


class WebSocketWriterNotificationTests(E2ETestCase, NotificationChecks):
    """The writer uses the SDK's WebSocket protocol."""

    protocol = "ws"
    wire_protocol = "websocket"


class HttpWriterNotificationTests(E2ETestCase, NotificationChecks):
    """The writer uses the SDK's Http protocol; the subscriber is still on WebSocket."""

    protocol = "http"
    wire_protocol = "http"
