"""
The storage interface suite: every backend runs the same tests and must give
the same answers (kuzzle-api.md §7).
"""

from __future__ import annotations

import os
from typing import Any

from twisted.internet import defer, reactor
from twisted.trial.unittest import TestCase
from zope.interface.verify import verifyObject

from kuzzle_tx.errors import KuzzleError
from kuzzle_tx.interfaces import IStorage
from kuzzle_tx.storage.mappings import validate_mappings
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.storage.model import (
    CollectionSchema,
    Create,
    CreateOrReplace,
    Delete,
    DeleteFields,
    Replace,
    Update,
    Upsert,
)
from kuzzle_tx.storage.query_ast import Range, Search, SortKey, Term
from kuzzle_tx.storage.sqlite import SQLiteStorage


def _schema(mappings: dict[str, Any] | None = None) -> CollectionSchema:
    return CollectionSchema(validate_mappings(mappings or {}), {})


class StorageSuite:
    """Mixed into a TestCase that defines `make_storage`."""

    storage: Any

    def make_storage(self) -> Any:
        raise NotImplementedError

    async def _setup(self) -> None:
        self.storage = self.make_storage()
        await self.storage.start()
        self.addCleanup(self.storage.stop)  # type: ignore[attr-defined]
        await self.storage.put_collection("idx", "col", _schema())

    async def _failure_id(self, deferred: Any) -> str:
        try:
            await deferred
        except KuzzleError as error:
            return error.id
        raise AssertionError("no error")

    def test_provides_interface(self) -> defer.Deferred[None]:
        """Each backend provides IStorage."""

        async def run() -> None:
            await self._setup()
            verifyObject(IStorage, self.storage)

        return defer.ensureDeferred(run())

    def test_indexes(self) -> defer.Deferred[None]:
        """Indexes are created once, listed sorted, and deleted with their collections."""

        async def run() -> None:
            await self._setup()
            await self.storage.create_index("beta")
            self.assertEqual(self.storage.list_indexes(), ["beta", "idx"])
            self.assertEqual(
                await self._failure_id(self.storage.create_index("beta")),
                "services.storage.index_already_exists",
            )
            self.assertEqual(await self.storage.delete_indexes(["idx", "nope"]), ["idx"])
            self.assertFalse(self.storage.has_index("idx"))
            self.assertEqual(
                await self._failure_id(self.storage.get("idx", "col", ["a"])),
                "services.storage.unknown_index",
            )

        return defer.ensureDeferred(run())

    def test_collections(self) -> defer.Deferred[None]:
        """Collections are listed, their schema kept, truncated and deleted."""

        async def run() -> None:
            await self._setup()
            await self.storage.put_collection("idx", "other", _schema({"dynamic": "strict"}))
            self.assertEqual(self.storage.list_collections("idx"), ["col", "other"])
            self.assertEqual(self.storage.schema("idx", "other").mappings["dynamic"], "strict")
            await self.storage.write("idx", "col", [Create("a", {"x": 1})])
            await self.storage.truncate("idx", "col")
            self.assertEqual(await self.storage.get("idx", "col", ["a"]), [None])
            await self.storage.delete_collection("idx", "col")
            self.assertEqual(self.storage.list_collections("idx"), ["other"])
            self.assertEqual(
                await self._failure_id(self.storage.get("idx", "col", ["a"])),
                "services.storage.unknown_collection",
            )

        return defer.ensureDeferred(run())

    def test_write_lifecycle(self) -> defer.Deferred[None]:
        """Every operation's effect, version and previous source."""

        async def run() -> None:
            await self._setup()
            write = self.storage.write
            [created] = await write("idx", "col", [Create("a", {"x": 1, "o": {"p": 1}})])
            self.assertEqual((created.id, created.version, created.created), ("a", 1, True))
            [again] = await write("idx", "col", [Create("a", {"x": 2})])
            self.assertEqual(again.error.id, "services.storage.document_already_exists")
            [updated] = await write("idx", "col", [Update("a", {"o": {"q": 2}, "y": [1]})])
            self.assertEqual(updated.version, 2)
            self.assertEqual(updated.source, {"x": 1, "o": {"p": 1, "q": 2}, "y": [1]})
            self.assertEqual(updated.previous, {"x": 1, "o": {"p": 1}})
            [replaced] = await write("idx", "col", [Replace("a", {"z": 1})])
            self.assertEqual((replaced.version, replaced.source), (3, {"z": 1}))
            [missing] = await write("idx", "col", [Replace("b", {"z": 1})])
            self.assertEqual(missing.error.id, "services.storage.not_found")
            [cor] = await write("idx", "col", [CreateOrReplace("b", {"z": 2})])
            self.assertEqual((cor.version, cor.created), (1, True))
            [cor] = await write("idx", "col", [CreateOrReplace("b", {"z": 3})])
            self.assertEqual((cor.version, cor.created), (2, False))
            [ups] = await write(
                "idx",
                "col",
                [Upsert("c", {"n": 1}, {"d": 1}, {"author": "me"})],
            )
            self.assertEqual(ups.created, True)
            self.assertEqual(ups.source, {"d": 1, "n": 1, "_kuzzle_info": {"author": "me"}})
            [ups] = await write("idx", "col", [Upsert("c", {"n": 2}, {"d": 9})])
            self.assertEqual((ups.created, ups.source["n"], ups.source["d"]), (False, 2, 1))
            [fields] = await write("idx", "col", [DeleteFields("c", ("d", "x.y"), {"u": 1})])
            self.assertEqual(fields.source, {"n": 2, "_kuzzle_info": {"author": "me", "u": 1}})
            [deleted] = await write("idx", "col", [Delete("c")])
            self.assertTrue(deleted.deleted)
            self.assertEqual(deleted.previous, fields.source)
            [gone] = await write("idx", "col", [Delete("c")])
            self.assertEqual(gone.error.id, "services.storage.not_found")
            docs = await self.storage.get("idx", "col", ["a", "c", "b"])
            self.assertEqual(
                [d and (d.id, d.version, d.source) for d in docs],
                [("a", 3, {"z": 1}), None, ("b", 2, {"z": 3})],
            )

        return defer.ensureDeferred(run())

    def test_generated_ids(self) -> defer.Deferred[None]:
        """A create without an id gets a fresh 20-character one."""

        async def run() -> None:
            await self._setup()
            results = await self.storage.write(
                "idx", "col", [Create(None, {"n": i}) for i in range(5)]
            )
            ids = {result.id for result in results}
            self.assertEqual(len(ids), 5)
            self.assertEqual({len(i) for i in ids}, {20})

        return defer.ensureDeferred(run())

    def test_batch_failures_are_per_operation(self) -> defer.Deferred[None]:
        """One failing operation does not stop the others in the same batch."""

        async def run() -> None:
            await self._setup()
            results = await self.storage.write(
                "idx", "col", [Create("a", {}), Create("a", {}), Update("zz", {}), Create("b", {})]
            )
            self.assertEqual(
                [r.error.id if r.error else r.id for r in results],
                [
                    "a",
                    "services.storage.document_already_exists",
                    "services.storage.not_found",
                    "b",
                ],
            )

        return defer.ensureDeferred(run())

    def test_strict_and_dynamic_mappings(self) -> defer.Deferred[None]:
        """Strict mappings refuse unknown fields; dynamic ones grow."""

        async def run() -> None:
            await self._setup()
            await self.storage.put_collection(
                "idx",
                "strict",
                _schema({"dynamic": "strict", "properties": {"a": {"type": "long"}}}),
            )
            results = await self.storage.write(
                "idx", "strict", [Create("1", {"a": 1}), Create("2", {"b": 1})]
            )
            self.assertIsNone(results[0].error)
            self.assertEqual(results[1].error.id, "services.storage.strict_mapping_rejection")
            await self.storage.put_collection("idx", "dyn", _schema({"dynamic": "true"}))
            await self.storage.write("idx", "dyn", [Create("1", {"name": "x", "n": 1})])
            properties = self.storage.schema("idx", "dyn").mappings["properties"]
            self.assertEqual(properties["n"], {"type": "long"})
            self.assertEqual(properties["name"]["type"], "text")

        return defer.ensureDeferred(run())

    def test_search_and_count(self) -> defer.Deferred[None]:
        """Searches page, sort and count in the store."""

        async def run() -> None:
            await self._setup()
            await self.storage.write(
                "idx", "col", [Create(f"d{i}", {"n": i, "even": i % 2 == 0}) for i in range(10)]
            )
            page = await self.storage.search(
                "idx",
                "col",
                Search(Term("even", True), (SortKey("n", descending=True),), 1, 2),
            )
            self.assertEqual(page.total, 5)
            self.assertEqual([hit.id for hit in page.hits], ["d6", "d4"])
            self.assertEqual(page.hits[0].source, {"n": 6, "even": True})
            self.assertEqual(page.hits[0].version, 1)
            self.assertEqual(await self.storage.count("idx", "col", Range("n", gte=7)), 3)
            after = await self.storage.search(
                "idx", "col", Search(sort=(SortKey("n"),), limit=3, search_after=(4,))
            )
            self.assertEqual([hit.id for hit in after.hits], ["d5", "d6", "d7"])

        return defer.ensureDeferred(run())

    def test_updates_are_searchable(self) -> defer.Deferred[None]:
        """What a search finds follows updates and deletes."""

        async def run() -> None:
            await self._setup()
            write = self.storage.write
            await write("idx", "col", [Create("a", {"tag": "x"}), Create("b", {"tag": "x"})])
            await write("idx", "col", [Update("a", {"tag": "y"}), Delete("b")])
            self.assertEqual(await self.storage.count("idx", "col", Term("tag", "x")), 0)
            self.assertEqual(await self.storage.count("idx", "col", Term("tag", "y")), 1)

        return defer.ensureDeferred(run())

    def test_stats(self) -> defer.Deferred[None]:
        """Stats count documents per collection."""

        async def run() -> None:
            await self._setup()
            await self.storage.write("idx", "col", [Create("a", {"x": 1}), Create("b", {})])
            stats = await self.storage.stats()
            [index] = stats["indexes"]
            self.assertEqual(index["name"], "idx")
            self.assertEqual(index["collections"][0]["documentCount"], 2)
            self.assertGreater(stats["size"], 0)

        return defer.ensureDeferred(run())


class MemoryStorageTests(StorageSuite, TestCase):
    def make_storage(self) -> Any:
        return MemoryStorage()


class SQLiteStorageTests(StorageSuite, TestCase):
    def make_storage(self) -> Any:
        return SQLiteStorage(self.mktemp(), reactor)

    def test_reopen(self) -> defer.Deferred[None]:
        """Schema and documents are still there after closing and reopening the store."""

        async def run() -> None:
            directory = self.mktemp()
            first = SQLiteStorage(directory, reactor)
            await first.start()
            await first.put_collection("idx", "col", _schema({"dynamic": "true"}))
            await first.create_index("empty")
            await first.write("idx", "col", [Create("a", {"n": 1})])
            await first.stop()
            self.assertTrue(os.path.exists(os.path.join(directory, "kuzzle.sqlite3")))
            second = SQLiteStorage(directory, reactor)
            await second.start()
            self.addCleanup(second.stop)
            self.assertEqual(second.list_indexes(), ["empty", "idx"])
            self.assertIn("n", second.schema("idx", "col").mappings["properties"])
            [doc] = await second.get("idx", "col", ["a"])
            self.assertEqual((doc.version, doc.source), (1, {"n": 1}))

        return defer.ensureDeferred(run())

    def test_group_commit_isolates_failures(self) -> defer.Deferred[None]:
        """
        Writes of one reactor turn share a transaction; a job that fails undoes only its
        own statements.
        """

        async def run() -> None:
            await self._setup()

            def insert(name: str) -> Any:
                def work(connection: Any) -> None:
                    connection.execute("INSERT INTO kz_indexes (name) VALUES (?)", (name,))
                    if name == "bad":
                        raise ValueError("refused")

                return work

            jobs = [self.storage._write_job(insert(name)) for name in ("one", "bad", "two")]
            results = await defer.DeferredList(jobs, consumeErrors=True)
            self.assertEqual([ok for ok, _ in results], [True, False, True])
            await self.storage.stop()
            reopened = SQLiteStorage(self.storage._directory, reactor)
            await reopened.start()
            self.addCleanup(reopened.stop)
            self.assertEqual(reopened.list_indexes(), ["idx", "one", "two"])

        return defer.ensureDeferred(run())
