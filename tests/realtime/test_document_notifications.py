# -*- test-case-name: tests.realtime.test_document_notifications -*-
"""
Document notifications triggered by writes (kuzzle-api.md §5.3, §5.6): one client
subscribes over an in-memory WebSocket, another writes, on a `task.Clock`.
"""

from __future__ import annotations

from typing import Any

from twisted.trial.unittest import SynchronousTestCase

from tests.api.test_document_controller import (
    COLLECTION,
    INDEX,
    NOW_MS,
    ApiMixin,
    WebSocketApi,
    created_info,
)

PAID = {"equals": {"status": "paid"}}
NEW = {"equals": {"status": "new"}}
NEVER = {"range": {"n": {"gt": 1000}}}


class NotificationTestCase(ApiMixin, SynchronousTestCase):
    def setUp(self) -> None:
        self.setup_service()

    def setup_service(self, **config: Any) -> None:
        self.start_service(**config)
        self.make_collection()
        self.subscriber = self.client()
        self.writer = self.client()

    def subscribe(self, filters: Any, client: WebSocketApi | None = None, **options: Any) -> str:
        """Subscribe (by default the subscriber) and return the channel."""
        result = self.ok(
            "realtime:subscribe",
            client or self.subscriber,
            index=INDEX,
            collection=COLLECTION,
            body=filters,
            **options,
        )
        return str(result["channel"])

    def write(self, action: str, **fields: Any) -> Any:
        return self.ok(f"document:{action}", self.writer, **fields)

    def received(self, channel: str, client: WebSocketApi | None = None) -> list[dict[str, Any]]:
        return (client or self.subscriber).notifications(channel)

    def summary(self, channel: str) -> list[tuple[str, str, str | None]]:
        """(action, scope, _id) of every notification on a channel, in order."""
        return [(n["action"], n["scope"], n["result"].get("_id")) for n in self.received(channel)]


class SingleWriteTests(NotificationTestCase):
    def test_create_notification(self) -> None:
        """A create matching a filter sends a complete "in" notification to its channel."""
        channel = self.subscribe(PAID)
        self.clock.advance(1)
        self.writer.send(
            "document",
            "create",
            index=INDEX,
            collection=COLLECTION,
            _id="a",
            body={"status": "paid"},
            requestId="the-create",
            volatile={"sdkInstanceId": "w1"},
        )
        [notification] = self.received(channel)
        self.assertEqual(
            notification,
            {
                "type": "document",
                "status": 200,
                "requestId": "the-create",
                "timestamp": NOW_MS + 1000,
                "index": INDEX,
                "collection": COLLECTION,
                "controller": "document",
                "action": "create",
                "event": "write",
                "scope": "in",
                "protocol": "websocket",
                "node": self.service.node_id,
                "volatile": {"sdkInstanceId": "w1"},
                "result": {
                    "_id": "a",
                    "_source": {"status": "paid", "_kuzzle_info": created_info(NOW_MS + 1000)},
                },
                "room": channel,
            },
        )

    def test_non_matching_write_is_not_sent(self) -> None:
        """A document that matches no filter notifies nobody."""
        channel = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "new"})
        self.assertEqual(self.received(channel), [])

    def test_volatile_is_null_without_one(self) -> None:
        """A write without volatile gives notifications with a null volatile."""
        channel = self.subscribe({})
        self.write("create", _id="a", body={})
        self.assertIsNone(self.received(channel)[0]["volatile"])

    def test_update_leaving_a_filter(self) -> None:
        """An update that leaves a filter sends "out" with the new content, only there."""
        paid, new, never = self.subscribe(PAID), self.subscribe(NEW), self.subscribe(NEVER)
        self.write("create", _id="a", body={"status": "paid", "n": 1})
        self.write("update", _id="a", body={"status": "shipped"})
        self.assertEqual(self.summary(paid), [("create", "in", "a"), ("update", "out", "a")])
        out = self.received(paid)[-1]
        self.assertEqual(out["result"]["_source"]["status"], "shipped")
        self.assertEqual(out["result"]["_updatedFields"], ["status"])
        self.assertEqual(out["event"], "write")
        self.assertEqual(self.received(new), [])
        self.assertEqual(self.received(never), [])

    def test_update_entering_a_filter(self) -> None:
        """An update that enters a filter sends "in" there and "out" where it left."""
        paid, new = self.subscribe(PAID), self.subscribe(NEW)
        self.write("create", _id="a", body={"status": "new"})
        self.write("update", _id="a", body={"status": "paid", "amount": {"eur": 3}})
        self.assertEqual(self.summary(paid), [("update", "in", "a")])
        notification = self.received(paid)[0]
        self.assertEqual(notification["result"]["_updatedFields"], ["status", "amount.eur"])
        self.assertEqual(notification["result"]["_source"]["_kuzzle_info"]["updater"], "-1")
        self.assertEqual(self.summary(new), [("create", "in", "a"), ("update", "out", "a")])

    def test_update_staying_in_a_filter(self) -> None:
        """An update that still matches sends "in" again, and no "out"."""
        paid = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "paid"})
        self.write("update", _id="a", body={"n": 2})
        self.assertEqual(self.summary(paid), [("create", "in", "a"), ("update", "in", "a")])

    def test_create_or_replace(self) -> None:
        """createOrReplace notifies "create" for a new document, "replace" afterwards."""
        everything, paid = self.subscribe({}), self.subscribe(PAID)
        self.write("createOrReplace", _id="a", body={"status": "paid"})
        self.write("createOrReplace", _id="a", body={"status": "new"})
        self.assertEqual(self.summary(everything), [("create", "in", "a"), ("replace", "in", "a")])
        self.assertEqual(self.summary(paid), [("create", "in", "a"), ("replace", "out", "a")])
        self.assertNotIn("_updatedFields", self.received(paid)[-1]["result"])

    def test_replace(self) -> None:
        """replace notifies "replace", "out" where the old content matched only."""
        paid = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "paid"})
        self.write("replace", _id="a", body={"status": "lost"})
        self.assertEqual(self.summary(paid), [("create", "in", "a"), ("replace", "out", "a")])

    def test_upsert(self) -> None:
        """upsert notifies "create" when it creates, "update" with _updatedFields otherwise."""
        channel = self.subscribe({})
        self.write("upsert", _id="a", body={"changes": {"n": 1}, "default": {"d": 1}})
        self.write("upsert", _id="a", body={"changes": {"n": 2}, "default": {"d": 1}})
        self.assertEqual(self.summary(channel), [("create", "in", "a"), ("update", "in", "a")])
        first, second = self.received(channel)
        self.assertNotIn("_updatedFields", first["result"])
        self.assertEqual(first["result"]["_source"]["d"], 1)
        self.assertEqual(second["result"]["_updatedFields"], ["n"])

    def test_delete(self) -> None:
        """delete sends "out" (event delete) with the document's last content."""
        paid, new = self.subscribe(PAID), self.subscribe(NEW)
        self.write("create", _id="a", body={"status": "paid"})
        self.write("delete", _id="a")
        self.assertEqual(self.summary(paid), [("create", "in", "a"), ("delete", "out", "a")])
        deleted = self.received(paid)[-1]
        self.assertEqual(deleted["event"], "delete")
        self.assertEqual(deleted["result"]["_source"]["status"], "paid")
        self.assertEqual(self.received(new), [])

    def test_delete_fields(self) -> None:
        """deleteFields notifies "update" without _updatedFields, and "out" if it leaves."""
        paid = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "paid", "n": 1})
        self.write("deleteFields", _id="a", body={"fields": ["n"]})
        self.write("deleteFields", _id="a", body={"fields": ["status"]})
        self.assertEqual(
            self.summary(paid),
            [("create", "in", "a"), ("update", "in", "a"), ("update", "out", "a")],
        )
        self.assertNotIn("_updatedFields", self.received(paid)[1]["result"])

    def test_silent_writes_notify_nobody(self) -> None:
        """silent: true suppresses the notifications of every write."""
        channel = self.subscribe({})
        self.write("create", _id="a", body={"n": 1}, silent=True)
        self.write("update", _id="a", body={"n": 2}, silent=True)
        self.write("createOrReplace", _id="a", body={"n": 3}, silent=True)
        self.write("upsert", _id="a", body={"changes": {"n": 4}}, silent=True)
        self.write("mCreate", body={"documents": [{"body": {}}]}, silent=True)
        self.write("updateByQuery", body={"query": {}, "changes": {"m": 1}}, silent=True)
        self.write("delete", _id="a", silent=True)
        self.write("deleteByQuery", body={"query": {}}, silent=True)
        self.assertEqual(self.received(channel), [])

    def test_create_ignores_what_a_silently_deleted_document_matched(self) -> None:
        """A create never sends "out", even for rooms an old document of that id matched."""
        paid = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "paid"})
        self.write("delete", _id="a", silent=True)
        self.write("create", _id="a", body={"status": "new"})
        self.assertEqual(self.summary(paid), [("create", "in", "a")])

    def test_ids_filter(self) -> None:
        """A filter on _id (ids) matches writes to those documents only."""
        channel = self.subscribe({"ids": {"values": ["a"]}})
        self.write("create", _id="a", body={})
        self.write("create", _id="b", body={})
        self.write("update", _id="a", body={"n": 1})
        self.assertEqual(self.summary(channel), [("create", "in", "a"), ("update", "in", "a")])

    def test_scopes(self) -> None:
        """Channels receive only the scopes they asked for; scope "none" gets nothing."""
        in_only = self.subscribe(PAID, scope="in")
        out_only = self.subscribe(PAID, scope="out")
        nothing = self.subscribe(PAID, scope="none")
        self.write("create", _id="a", body={"status": "paid"})
        self.write("update", _id="a", body={"status": "new"})
        self.assertEqual(self.summary(in_only), [("create", "in", "a")])
        self.assertEqual(self.summary(out_only), [("update", "out", "a")])
        self.assertEqual(self.received(nothing), [])

    def test_http_writes_notify(self) -> None:
        """Writes over HTTP notify too, with protocol "http"."""
        channel = self.subscribe({})
        self.http("PUT", "/shop/orders/a", {"n": 1})
        [notification] = self.received(channel)
        self.assertEqual(
            (notification["protocol"], notification["action"], notification["controller"]),
            ("http", "create", "document"),
        )


class MultiWriteTests(NotificationTestCase):
    def test_mcreate(self) -> None:
        """mCreate notifies "create" for each created document that matches."""
        channel = self.subscribe(PAID)
        self.write(
            "mCreate",
            body={
                "documents": [
                    {"_id": "a", "body": {"status": "paid"}},
                    {"_id": "b", "body": {"status": "new"}},
                    {"_id": "c", "body": {"status": "paid"}},
                ]
            },
        )
        self.assertEqual(self.summary(channel), [("create", "in", "a"), ("create", "in", "c")])

    def test_mupdate_and_mreplace(self) -> None:
        """mUpdate and mReplace notify per document, with "out" for those leaving."""
        channel = self.subscribe(PAID)
        self.write(
            "mCreate",
            body={"documents": [{"_id": i, "body": {"status": "paid"}} for i in ("a", "b")]},
            silent=True,
        )
        # A silent write leaves nothing to compare with: remember the rooms with a write.
        self.write(
            "mUpdate", body={"documents": [{"_id": i, "body": {"n": 1}} for i in ("a", "b")]}
        )
        self.write(
            "mUpdate",
            body={
                "documents": [
                    {"_id": "a", "body": {"status": "new"}},
                    {"_id": "b", "body": {"n": 2}},
                    {"_id": "zz", "body": {"n": 3}},
                ]
            },
        )
        self.write("mReplace", body={"documents": [{"_id": "b", "body": {"status": "x"}}]})
        self.assertEqual(
            self.summary(channel),
            [
                ("update", "in", "a"),
                ("update", "in", "b"),
                ("update", "out", "a"),
                ("update", "in", "b"),
                ("replace", "out", "b"),
            ],
        )
        self.assertEqual(self.received(channel)[2]["result"]["_updatedFields"], ["status"])

    def test_mupsert_and_mcreate_or_replace(self) -> None:
        """mUpsert and mCreateOrReplace say "create" for new documents."""
        channel = self.subscribe({})
        self.write("mUpsert", body={"documents": [{"_id": "a", "changes": {"n": 1}}]})
        self.write("mUpsert", body={"documents": [{"_id": "a", "changes": {"n": 2}}]})
        self.write(
            "mCreateOrReplace",
            body={"documents": [{"_id": "a", "body": {}}, {"_id": "b", "body": {}}]},
        )
        self.assertEqual(
            self.summary(channel),
            [
                ("create", "in", "a"),
                ("update", "in", "a"),
                ("replace", "in", "a"),
                ("create", "in", "b"),
            ],
        )
        self.assertEqual(self.received(channel)[1]["result"]["_updatedFields"], ["n"])

    def test_mdelete_and_delete_by_query(self) -> None:
        """mDelete and deleteByQuery send "delete" "out" per deleted document."""
        channel = self.subscribe(PAID)
        self.write(
            "mCreate",
            body={
                "documents": [
                    {"_id": i, "body": {"status": "paid" if i != "c" else "new"}}
                    for i in ("a", "b", "c", "d")
                ]
            },
            silent=True,
        )
        self.write("mDelete", body={"ids": ["a", "c", "nope"]})
        self.write("deleteByQuery", body={"query": {}})
        self.assertEqual(
            self.summary(channel),
            [("delete", "out", "a"), ("delete", "out", "b"), ("delete", "out", "d")],
        )
        self.assertEqual({n["event"] for n in self.received(channel)}, {"delete"})

    def test_update_by_query(self) -> None:
        """updateByQuery notifies "update" per document, with the fields it changed."""
        paid = self.subscribe(PAID)
        for doc_id in ("a", "b"):
            self.write("create", _id=doc_id, body={"status": "paid", "n": 1})
        self.write(
            "updateByQuery",
            body={"query": {"term": {"status": "paid"}}, "changes": {"status": "done"}},
        )
        self.assertEqual(self.summary(paid)[2:], [("update", "out", "a"), ("update", "out", "b")])
        self.assertEqual(self.received(paid)[-1]["result"]["_updatedFields"], ["status"])

    def test_strict_failure_notifies_nobody(self) -> None:
        """A strict m* write that fails sends no notification, even for its written items."""
        channel = self.subscribe({})
        self.write("create", _id="x", body={}, silent=True)
        self.fail(
            "document:mCreate",
            "api.process.incomplete_multiple_request",
            400,
            self.writer,
            body={"documents": [{"_id": "a", "body": {}}, {"_id": "x", "body": {}}]},
            strict=True,
        )
        self.assertEqual(self.received(channel), [])


class DocumentTTLTests(NotificationTestCase):
    def test_memory_expires_after_the_ttl(self) -> None:
        """Past limits.subscriptionDocumentTTL ms, leaving a filter sends no "out"."""
        self.setup_service(limits={"subscriptionDocumentTTL": 1000})
        paid = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "paid"})
        self.write("create", _id="b", body={"status": "paid"})
        self.clock.advance(0.5)
        self.write("update", _id="a", body={"status": "new"})
        self.clock.advance(1)
        self.write("update", _id="b", body={"status": "new"})
        self.assertEqual(
            self.summary(paid),
            [("create", "in", "a"), ("create", "in", "b"), ("update", "out", "a")],
        )

    def test_each_write_renews_the_memory(self) -> None:
        """A matching write restarts the document's TTL."""
        self.setup_service(limits={"subscriptionDocumentTTL": 1000})
        paid = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "paid"})
        for _ in range(3):
            self.clock.advance(0.8)
            self.write("update", _id="a", body={"status": "paid"})
        self.clock.advance(0.8)
        self.write("update", _id="a", body={"status": "new"})
        self.assertEqual(self.summary(paid)[-1], ("update", "out", "a"))

    def test_zero_ttl_keeps_the_memory(self) -> None:
        """With a TTL of 0, what a document matched is remembered for good."""
        self.setup_service(limits={"subscriptionDocumentTTL": 0})
        paid = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "paid"})
        self.clock.advance(30 * 24 * 3600)
        self.write("update", _id="a", body={"status": "new"})
        self.assertEqual(self.summary(paid), [("create", "in", "a"), ("update", "out", "a")])

    def test_default_ttl(self) -> None:
        """The default TTL is 72 hours."""
        paid = self.subscribe(PAID)
        self.write("create", _id="a", body={"status": "paid"})
        self.write("create", _id="b", body={"status": "paid"})
        self.clock.advance(72 * 3600 - 1)
        self.write("update", _id="a", body={"status": "new"})
        self.clock.advance(2)
        self.write("update", _id="b", body={"status": "new"})
        self.assertEqual(self.summary(paid)[2:], [("update", "out", "a")])
