# -*- test-case-name: tests.api.test_index_collection -*-
"""
The ``index`` and ``collection`` controllers through an in-memory service
(kuzzle-api.md §7.1 names, §7.3, §7.4; sdk-contract.md §7).
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from tests.api.test_document_controller import ApiMixin

KUZZLE_META = {
    "properties": {
        "author": {"type": "keyword"},
        "createdAt": {"type": "date"},
        "updatedAt": {"type": "date"},
        "updater": {"type": "keyword"},
    }
}
BAD_NAMES = ["Shop", "a b", "_all", "a/b", "a,b", "a.b", "a:b", "a#b", "a*b", "x" * 127]


class IndexTests(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()

    def test_create_exists_list(self) -> None:
        """index:create answers null; exists and list then see the index."""
        self.assertIs(self.ok("index:exists", index="shop"), False)
        self.assertIsNone(self.ok("index:create", index="shop"))
        self.ok("index:create", index="bank")
        self.assertIs(self.ok("index:exists", index="shop"), True)
        self.assertEqual(self.ok("index:list"), {"indexes": ["bank", "shop"]})

    def test_create_existing(self) -> None:
        """Creating an existing index is a 412 index_already_exists."""
        self.ok("index:create", index="shop")
        error = self.fail(
            "index:create", "services.storage.index_already_exists", 412, index="shop"
        )
        self.assertEqual(
            (error["message"], error["props"]),
            ('A public index named "shop" already exists', ["public", "shop"]),
        )

    def test_bad_names(self) -> None:
        """Index names Kuzzle refuses are invalid_index_name; none is created."""
        for name in BAD_NAMES:
            error = self.fail(
                "index:create", "services.storage.invalid_index_name", 400, index=name
            )
            self.assertEqual(error["props"], [name])
        self.ok("index:create", index="x" * 126)
        self.fail("index:create", "api.assert.missing_argument", 400, index="")
        self.assertEqual(self.ok("index:list"), {"indexes": ["x" * 126]})

    def test_list_count_collections(self) -> None:
        """index:list with countCollection adds each index's number of collections."""
        self.make_collection("shop", "orders")
        self.make_collection("shop", "items")
        self.ok("index:create", index="bank")
        self.assertEqual(
            self.ok("index:list", countCollection=True),
            {"indexes": ["bank", "shop"], "collections": {"bank": 0, "shop": 2}},
        )
        self.assertEqual(
            self.http("GET", "/_list?countCollection")["result"]["collections"],
            {"bank": 0, "shop": 2},
        )

    def test_delete(self) -> None:
        """index:delete drops the index and its documents; an unknown index is a 412."""
        self.make_collection("shop", "orders")
        self.ok("document:create", _id="a", body={"n": 1})
        self.assertEqual(self.ok("index:delete", index="shop"), {"acknowledged": True})
        self.assertIs(self.ok("index:exists", index="shop"), False)
        error = self.fail("index:delete", "services.storage.unknown_index", 412, index="shop")
        self.assertEqual(error["props"], ["shop"])
        self.make_collection("shop", "orders")
        self.assertIs(self.ok("document:exists", _id="a"), False)

    def test_mdelete(self) -> None:
        """index:mDelete deletes the existing indexes listed and skips the others."""
        for index in ("a", "b", "c"):
            self.ok("index:create", index=index)
        self.assertEqual(
            self.ok("index:mDelete", body={"indexes": ["a", "nope", "c"]}), {"deleted": ["a", "c"]}
        )
        self.assertEqual(self.ok("index:list")["indexes"], ["b"])
        self.fail("index:mDelete", "api.assert.body_required", 400)
        self.fail("index:mDelete", "api.assert.invalid_type", 400, body={"indexes": "b"})
        self.fail("index:mDelete", "api.assert.invalid_type", 400, body={"indexes": [1]})

    def test_stats(self) -> None:
        """index:stats reports indexes, collections, document counts and sizes."""
        self.make_collection("shop", "orders")
        self.make_collection("shop", "items")
        self.ok("document:create", body={"n": 1})
        self.ok("document:create", body={"n": 2})
        stats = self.ok("index:stats")
        [shop] = stats["indexes"]
        self.assertEqual(shop["name"], "shop")
        counts = {c["name"]: c["documentCount"] for c in shop["collections"]}
        self.assertEqual(counts, {"items": 0, "orders": 2})
        self.assertGreater(stats["size"], 0)
        self.assertEqual(stats["size"], shop["size"])
        self.assertEqual(self.http("GET", "/_storageStats")["result"], stats)


class CollectionTests(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()

    def mapping(self, collection: str = "orders", **fields: Any) -> dict[str, Any]:
        return self.ok("collection:getMapping", collection=collection, **fields)

    def test_create_with_mappings_and_settings(self) -> None:
        """create stores mappings and settings, creating the index if needed."""
        result = self.ok(
            "collection:create",
            body={
                "mappings": {
                    "dynamic": "strict",
                    "_meta": {"v": 1},
                    "properties": {"n": {"type": "integer"}, "name": {"type": "keyword"}},
                },
                "settings": {"number_of_replicas": 2},
            },
        )
        self.assertEqual(result, {"acknowledged": True})
        self.assertIs(self.ok("index:exists", index="shop"), True)
        self.assertEqual(
            self.mapping(),
            {
                "_meta": {"v": 1},
                "dynamic": "strict",
                "properties": {"n": {"type": "integer"}, "name": {"type": "keyword"}},
            },
        )
        self.assertEqual(self.ok("collection:getSettings"), {"number_of_replicas": 2})

    def test_create_without_body(self) -> None:
        """create without a body uses the configured default dynamic policy ("false")."""
        self.ok("collection:create")
        self.assertEqual(self.mapping(), {"dynamic": "false", "properties": {}})
        self.start_service(services={"storageEngine": {"commonMapping": {"dynamic": "true"}}})
        self.ok("collection:create")
        self.assertEqual(self.mapping()["dynamic"], "true")

    def test_legacy_bare_mapping(self) -> None:
        """A body with properties, dynamic or _meta at its root is the mapping itself."""
        self.ok("collection:create", collection="a", body={"properties": {"n": {"type": "long"}}})
        self.assertEqual(self.mapping("a")["properties"], {"n": {"type": "long"}})
        self.ok("collection:create", collection="b", body={"dynamic": "strict"})
        self.assertEqual(self.mapping("b")["dynamic"], "strict")
        self.ok("collection:create", collection="c", body={"_meta": {"owner": "me"}})
        self.assertEqual(self.mapping("c")["_meta"], {"owner": "me"})
        self.fail(
            "collection:create",
            "services.storage.invalid_mapping",
            400,
            collection="d",
            body={"properties": {"n": {"type": "long"}}, "settings": {}},
        )
        self.assertIs(self.ok("collection:exists", collection="d"), False)

    def test_create_existing_merges_mappings(self) -> None:
        """create on an existing collection merges mappings; a type change is refused."""
        self.ok("collection:create", body={"mappings": {"properties": {"n": {"type": "integer"}}}})
        self.ok("document:create", _id="a", body={"n": 1})
        self.ok("collection:create", body={"mappings": {"properties": {"m": {"type": "keyword"}}}})
        self.assertEqual(
            self.mapping()["properties"], {"m": {"type": "keyword"}, "n": {"type": "integer"}}
        )
        self.assertIs(self.ok("document:exists", _id="a"), True)
        error = self.fail(
            "collection:create",
            "services.storage.cannot_change_mapping",
            400,
            body={"mappings": {"properties": {"n": {"type": "keyword"}}}},
        )
        self.assertEqual(error["props"], ["n"])
        self.assertEqual(self.mapping()["properties"]["n"], {"type": "integer"})

    def test_bad_names(self) -> None:
        """Bad index or collection names are refused, and _kuzzle_keep is reserved."""
        for name in BAD_NAMES:
            error = self.fail(
                "collection:create",
                "services.storage.invalid_collection_name",
                400,
                collection=name,
            )
            self.assertEqual(error["props"], [name])
            self.fail("collection:create", "services.storage.invalid_index_name", 400, index=name)
        error = self.fail(
            "collection:create",
            "services.storage.collection_reserved",
            400,
            collection="_kuzzle_keep",
        )
        self.assertEqual(
            error["message"],
            'Invalid collection name. "_kuzzle_keep" is reserved for internal usage.',
        )
        self.assertEqual(self.ok("index:list"), {"indexes": []})

    def test_update(self) -> None:
        """update merges mappings and settings, answers null; a missing collection is a 412."""
        self.ok("collection:create", body={"settings": {"a": 1}})
        result = self.ok(
            "collection:update",
            body={"mappings": {"properties": {"n": {"type": "long"}}}, "settings": {"b": 2}},
        )
        self.assertIsNone(result)
        self.assertEqual(self.mapping()["properties"], {"n": {"type": "long"}})
        self.assertEqual(self.ok("collection:getSettings"), {"a": 1, "b": 2})
        self.fail(
            "collection:update",
            "services.storage.cannot_change_mapping",
            400,
            body={"mappings": {"properties": {"n": {"type": "text"}}}},
        )
        self.fail("collection:update", "services.storage.unknown_collection", 412, collection="x")

    def test_update_mapping(self) -> None:
        """updateMapping (deprecated) merges a bare mapping and answers the new one."""
        self.ok("collection:create")
        result = self.ok(
            "collection:updateMapping",
            body={"dynamic": "strict", "properties": {"n": {"type": "long"}}},
        )
        self.assertEqual(result, {"dynamic": "strict", "properties": {"n": {"type": "long"}}})
        self.assertEqual(self.mapping(), result)
        self.fail("collection:updateMapping", "api.assert.body_required", 400)

    def test_get_mapping_with_kuzzle_meta(self) -> None:
        """getMapping hides _kuzzle_info unless includeKuzzleMeta is set."""
        self.ok("collection:create", body={"mappings": {"properties": {"n": {"type": "long"}}}})
        self.assertNotIn("_kuzzle_info", self.mapping()["properties"])
        full = self.mapping(includeKuzzleMeta=True)["properties"]
        self.assertEqual(full, {"_kuzzle_info": KUZZLE_META, "n": {"type": "long"}})
        over_http = self.http("GET", "/shop/orders/_mapping?includeKuzzleMeta")["result"]
        self.assertEqual(over_http["properties"], full)
        self.fail(
            "collection:getMapping", "services.storage.unknown_collection", 412, collection="x"
        )

    def test_exists(self) -> None:
        """exists is a boolean, false (not an error) for a missing collection or index."""
        self.ok("collection:create")
        self.assertIs(self.ok("collection:exists"), True)
        self.assertIs(self.ok("collection:exists", collection="nope"), False)
        self.assertIs(self.ok("collection:exists", index="nope"), False)

    def test_list(self) -> None:
        """list gives stored and realtime collections by name, filtered by type."""
        self.ok("collection:create", collection="b")
        self.ok("collection:create", collection="a")
        subscriber = self.client()
        for collection in ("live", "a"):
            self.ok("realtime:subscribe", subscriber, index="shop", collection=collection, body={})
        self.assertEqual(
            self.ok("collection:list", index="shop"),
            {
                "type": "all",
                "collections": [
                    {"name": "a", "type": "realtime"},
                    {"name": "a", "type": "stored"},
                    {"name": "b", "type": "stored"},
                    {"name": "live", "type": "realtime"},
                ],
            },
        )
        self.assertEqual(
            self.ok("collection:list", index="shop", type="stored")["collections"],
            [{"name": "a", "type": "stored"}, {"name": "b", "type": "stored"}],
        )
        self.assertEqual(
            self.ok("collection:list", index="shop", type="realtime"),
            {
                "type": "realtime",
                "collections": [
                    {"name": "a", "type": "realtime"},
                    {"name": "live", "type": "realtime"},
                ],
            },
        )
        self.fail("collection:list", "api.assert.invalid_argument", 400, index="shop", type="x")

    def test_list_pagination(self) -> None:
        """The SDK's size: 0 changes nothing; from/size slice the list and are echoed."""
        for name in "abcd":
            self.ok("collection:create", collection=name)
        self.assertEqual(len(self.ok("collection:list", index="shop", size=0)["collections"]), 4)
        paged = self.ok("collection:list", index="shop", size=2, **{"from": 1})
        self.assertEqual(
            paged,
            {
                "type": "all",
                "collections": [{"name": "b", "type": "stored"}, {"name": "c", "type": "stored"}],
                "from": 1,
                "size": 2,
            },
        )

    def test_list_unknown_index(self) -> None:
        """Listing stored collections of a missing index is a 412; realtime ones are not."""
        for kind in ("all", "stored"):
            error = self.fail(
                "collection:list", "services.storage.unknown_index", 412, index="nope", type=kind
            )
            self.assertEqual(error["props"], ["nope"])
        self.ok("realtime:subscribe", index="nope", collection="live", body={})
        self.assertEqual(
            self.ok("collection:list", index="nope", type="realtime")["collections"],
            [{"name": "live", "type": "realtime"}],
        )
        self.assertEqual(self.http("GET", "/shop/_list")["status"], 412)

    def test_truncate(self) -> None:
        """truncate removes every document and keeps the mapping."""
        self.ok("collection:create", body={"mappings": {"properties": {"n": {"type": "long"}}}})
        self.ok("document:create", _id="a", body={"n": 1})
        self.assertEqual(self.ok("collection:truncate"), {"acknowledged": True})
        self.assertEqual(self.ok("document:count"), {"count": 0})
        self.assertEqual(self.mapping()["properties"], {"n": {"type": "long"}})
        self.fail(
            "collection:truncate", "services.storage.unknown_collection", 412, collection="x"
        )

    def test_refresh(self) -> None:
        """refresh answers null on an existing collection, 412 otherwise."""
        self.ok("collection:create")
        self.assertIsNone(self.ok("collection:refresh"))
        self.fail("collection:refresh", "services.storage.unknown_collection", 412, collection="x")
        self.fail("collection:refresh", "services.storage.unknown_index", 412, index="x")

    def test_delete(self) -> None:
        """delete removes the collection and its documents and answers null."""
        self.ok("collection:create")
        self.ok("document:create", _id="a", body={"n": 1})
        self.assertIsNone(self.ok("collection:delete"))
        self.assertIs(self.ok("collection:exists"), False)
        self.fail("document:get", "services.storage.unknown_collection", 412, _id="a")
        self.fail("collection:delete", "services.storage.unknown_collection", 412)
        self.assertIs(self.ok("index:exists", index="shop"), True)

    def test_http_routes(self) -> None:
        """The collection routes reach their actions."""
        created = self.http(
            "PUT", "/shop/orders", {"mappings": {"properties": {"n": {"type": "long"}}}}
        )
        self.assertEqual(
            (created["action"], created["result"]), ("create", {"acknowledged": True})
        )
        self.assertIs(self.http("GET", "/shop/orders/_exists")["result"], True)
        self.assertEqual(
            self.http("GET", "/shop/_list")["result"]["collections"],
            [{"name": "orders", "type": "stored"}],
        )
        self.assertIsNone(self.http("POST", "/shop/orders", {"settings": {"x": 1}})["result"])
        self.assertEqual(self.http("GET", "/shop/orders/_settings")["result"], {"x": 1})
        self.assertEqual(
            self.http("DELETE", "/shop/orders/_truncate")["result"], {"acknowledged": True}
        )
        self.assertIsNone(self.http("DELETE", "/shop/orders")["result"])


class DynamicMappingTests(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.start_service()

    def test_strict_mapping_refuses_new_fields(self) -> None:
        """Under dynamic "strict", a document with an unmapped field is refused."""
        self.ok(
            "collection:create",
            body={
                "mappings": {
                    "dynamic": "strict",
                    "properties": {
                        "n": {"type": "long"},
                        "o": {"properties": {"x": {"type": "long"}}},
                    },
                }
            },
        )
        self.ok("document:create", _id="a", body={"n": 1, "o": {"x": 2}})
        error = self.fail(
            "document:create",
            "services.storage.strict_mapping_rejection",
            400,
            body={"n": 1, "extra": 2},
        )
        self.assertEqual(error["props"], ["extra", "shop", "orders"])
        self.assertEqual(
            error["message"],
            'Cannot create document. Field "extra" is not present in collection "shop:orders" '
            "strict mapping",
        )
        nested = self.fail(
            "document:update",
            "services.storage.strict_mapping_rejection",
            400,
            _id="a",
            body={"o": {"y": 1}},
        )
        self.assertEqual(nested["props"][0], "o.y")
        self.assertEqual(self.ok("document:count"), {"count": 1})

    def test_dynamic_true_grows_the_mapping(self) -> None:
        """Under dynamic "true", new fields are mapped as Elasticsearch would infer them."""
        self.ok("collection:create", body={"mappings": {"dynamic": "true"}})
        self.ok(
            "document:create",
            body={"n": 1, "f": 1.5, "ok": True, "name": "x", "when": "2024-01-02", "o": {"k": 1}},
        )
        self.assertEqual(
            self.ok("collection:getMapping")["properties"],
            {
                "f": {"type": "float"},
                "n": {"type": "long"},
                "name": {
                    "type": "text",
                    "fields": {"keyword": {"type": "keyword", "ignore_above": 256}},
                },
                "o": {"properties": {"k": {"type": "long"}}},
                "ok": {"type": "boolean"},
                "when": {"type": "date"},
            },
        )

    def test_dynamic_false_keeps_the_mapping(self) -> None:
        """Under dynamic "false", new fields are stored but not mapped."""
        self.ok("collection:create")
        self.ok("document:create", _id="a", body={"n": 1})
        self.assertEqual(self.ok("collection:getMapping")["properties"], {})
        self.assertEqual(self.ok("document:get", _id="a")["_source"]["n"], 1)


class PrivateIndexTests(ApiMixin, SynchronousTestCase):
    """Indexes named with a leading % hold kuzzle_tx's own data: the API never reaches them."""

    def setUp(self) -> None:
        from kuzzle_tx.storage.mappings import validate_mappings
        from kuzzle_tx.storage.model import CollectionSchema

        self.start_service()
        schema = CollectionSchema(validate_mappings({}), {})
        self.service.storage.put_collection("%kuzzle", "users", schema)

    def test_not_listed_nor_reachable(self) -> None:
        """index:list, document:get and index:mDelete all ignore a private index."""
        self.assertNotIn("%kuzzle", self.ok("index:list")["indexes"])
        self.fail(
            "document:get",
            "services.storage.unknown_index",
            412,
            index="%kuzzle",
            collection="users",
            _id="x",
        )
        self.assertIs(self.ok("index:exists", index="%kuzzle"), False)
        deleted = self.ok("index:mDelete", body={"indexes": ["%kuzzle"]})
        self.assertEqual(deleted, {"deleted": []})
        self.assertTrue(self.service.storage.has_index("%kuzzle"))
