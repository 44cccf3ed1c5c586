# -*- test-case-name: tests.e2e.test_durability -*-
"""
Durability: whatever the server acknowledged is still there after ``kill -9`` and a restart
on the same data directory, with the same ``_version`` and content, and the database is
intact.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from twisted.internet.defer import Deferred, gatherResults
from twisted.python.filepath import FilePath

from tests.e2e.harness import STOP_TIMEOUT, E2EError, E2ETestCase, KuzzleServer

INDEX = "shop"
COLLECTION = "items"
MAPPINGS = {
    "properties": {
        "w": {"type": "integer"},
        "i": {"type": "integer"},
        "tag": {"type": "keyword"},
    }
}
JSON = {"Content-Type": "application/json"}

WRITERS = 4
DOCUMENTS_PER_WRITER = 200
# Kill once this many creates were acknowledged: about half way, with writes in flight.
KILL_AFTER = WRITERS * DOCUMENTS_PER_WRITER // 2


def content(source: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in source.items() if key != "_kuzzle_info"}


class ApiError(E2EError):
    def __init__(self, method: str, path: str, code: int, body: bytes) -> None:
        super().__init__(f"{method} {path} -> {code}: {body[:500]!r}")
        self.code = code


class DurabilityTests(E2ETestCase):
    timeout = 240

    async def call(self, server: KuzzleServer, method: str, path: str, body: Any = None) -> Any:
        """One API call over HTTP; its result (an ApiError if it failed)."""
        data = None if body is None else json.dumps(body).encode()
        response = await self.request(server, method, path, body=data, headers=JSON)
        try:
            envelope = response.json()
        except ValueError:
            raise ApiError(method, path, response.code, response.body)
        if response.code != 200 or envelope.get("error"):
            raise ApiError(method, path, response.code, response.body)
        return envelope["result"]

    async def kill(self, server: KuzzleServer) -> None:
        server.process.signal("KILL")
        await server.process.ended(STOP_TIMEOUT, "the server to die of SIGKILL")
        self.assertEqual(server.process.exit_signal, 9, server.log())

    async def create_collection(self, server: KuzzleServer) -> None:
        await self.call(server, "POST", f"/{INDEX}/_create")
        await self.call(server, "PUT", f"/{INDEX}/{COLLECTION}", {"mappings": MAPPINGS})

    def assert_database_intact(self, directory: FilePath[str]) -> None:
        """Every SQLite database in a stopped server's data directory passes integrity_check."""
        databases = []
        for path in directory.walk():
            if path.isfile():
                with path.open() as file:
                    if file.read(16) == b"SQLite format 3\x00":
                        databases.append(path)
        self.assertTrue(databases, f"no SQLite database in {directory.path}")
        for path in databases:
            connection = sqlite3.connect(path.path)
            try:
                rows = connection.execute("PRAGMA integrity_check").fetchall()
            finally:
                connection.close()
            self.assertEqual(rows, [("ok",)], path.path)

    async def test_kill_after_each_acknowledged_write(self) -> None:
        """
        The data directory (which does not exist yet) is created on first start. Then, one
        write at a time (the index and collection, create, update, replace, createOrReplace,
        mCreate, delete, a second collection), SIGKILL as soon as the write is
        acknowledged and restart on the same directory: every acknowledged document is there
        with its version and content, and what was deleted stays deleted.
        """
        data = FilePath(self.mktemp()).child("not").child("yet")
        self.assertFalse(data.exists())
        server = await self.server(data_dir=data)
        self.assertTrue(data.isdir(), f"{data.path} was not created")

        # id -> (version, content) of everything acknowledged; None once deleted.
        expected: dict[tuple[str, str], tuple[int, dict[str, Any]] | None] = {}

        async def restart(server: KuzzleServer) -> KuzzleServer:
            await self.kill(server)
            server = await self.server(data_dir=data)
            for (collection, id), value in expected.items():
                path = f"/{INDEX}/{collection}/{id}"
                if value is None:
                    with self.assertRaises(ApiError) as caught:
                        await self.call(server, "GET", path)
                    self.assertEqual(caught.exception.code, 404)
                    continue
                got = await self.call(server, "GET", path)
                self.assertEqual((got["_version"], content(got["_source"])), value, path)
                self.assertEqual(got["_source"]["_kuzzle_info"]["author"], "-1")
            return server

        await self.create_collection(server)
        server = await restart(server)
        self.assertIs(await self.call(server, "GET", f"/{INDEX}/{COLLECTION}/_exists"), True)
        mapping = await self.call(server, "GET", f"/{INDEX}/{COLLECTION}/_mapping")
        self.assertEqual(mapping["properties"], MAPPINGS["properties"])

        items = f"/{INDEX}/{COLLECTION}"
        result = await self.call(server, "POST", f"{items}/d1/_create", {"i": 1, "tag": "a"})
        self.assertEqual(result["_version"], 1)
        expected[COLLECTION, "d1"] = (1, {"i": 1, "tag": "a"})
        server = await restart(server)

        result = await self.call(server, "PATCH", f"{items}/d1/_update", {"tag": "b"})
        self.assertEqual(result["_version"], 2)
        expected[COLLECTION, "d1"] = (2, {"i": 1, "tag": "b"})
        server = await restart(server)

        result = await self.call(server, "PUT", f"{items}/d1/_replace", {"i": 3})
        self.assertEqual(result["_version"], 3)
        expected[COLLECTION, "d1"] = (3, {"i": 3})
        server = await restart(server)

        result = await self.call(server, "PUT", f"{items}/d2", {"i": 4, "tag": "c"})
        self.assertEqual((result["_version"], result["created"]), (1, True))
        expected[COLLECTION, "d2"] = (1, {"i": 4, "tag": "c"})
        server = await restart(server)

        documents = [{"_id": f"m{n}", "body": {"i": n}} for n in range(5)]
        result = await self.call(server, "POST", f"{items}/_mCreate", {"documents": documents})
        self.assertEqual((len(result["successes"]), result["errors"]), (5, []))
        for n in range(5):
            expected[COLLECTION, f"m{n}"] = (1, {"i": n})
        server = await restart(server)

        result = await self.call(server, "DELETE", f"{items}/d2")
        self.assertEqual(result["_id"], "d2")
        expected[COLLECTION, "d2"] = None
        server = await restart(server)

        await self.call(server, "PUT", f"/{INDEX}/other", {})
        result = await self.call(server, "POST", f"/{INDEX}/other/o1/_create", {"i": 9})
        expected["other", "o1"] = (1, {"i": 9})
        server = await restart(server)

        total = await self.call(server, "POST", f"{items}/_count", {})
        self.assertEqual(total["count"], 6)
        self.assertEqual(await server.stop(), 0)
        self.assert_database_intact(data)

    async def test_kill_during_concurrent_writes(self) -> None:
        """
        Four writers, each creating 200 documents one after the other and updating a shared
        document every other create, all at once; SIGKILL once half the creates were
        acknowledged. After a restart on the same directory: every acknowledged create is
        there with version 1 and its content; nothing else exists but the writes that were in
        flight at the kill; the shared document's version counts exactly the updates that
        made it (all the acknowledged ones, each with a distinct version); search and count
        agree; the database passes SQLite's integrity check.
        """
        data = FilePath(self.mktemp()).child("data")
        server = await self.server(data_dir=data)
        await self.create_collection(server)
        items = f"/{INDEX}/{COLLECTION}"
        shared = await self.call(server, "POST", f"{items}/shared/_create", {"tag": "shared"})
        self.assertEqual(shared["_version"], 1)

        created: dict[str, dict[str, Any]] = {}  # acknowledged creates: id -> content
        updates: list[tuple[int, int, int]] = []  # acknowledged updates: (writer, i, version)
        in_flight: list[tuple[str, int, int]] = []  # (kind, writer, i) unanswered at the kill
        killed = False

        def maybe_kill() -> None:
            nonlocal killed
            if not killed and len(created) >= KILL_AFTER:
                killed = True
                server.process.signal("KILL")

        async def attempt(
            kind: str, writer: int, i: int, method: str, path: str, body: Any
        ) -> Any:
            try:
                return await self.call(server, method, path, body)
            except Exception:
                if not killed:
                    raise
                in_flight.append((kind, writer, i))
                return None

        async def write(writer: int) -> None:
            for i in range(DOCUMENTS_PER_WRITER):
                if killed:
                    return
                id = f"w{writer}-{i:03d}"
                body = {"w": writer, "i": i, "tag": f"t{i % 7}"}
                result = await attempt("create", writer, i, "POST", f"{items}/{id}/_create", body)
                if result is None:
                    return
                self.assertEqual((result["_id"], result["_version"]), (id, 1))
                created[id] = body
                maybe_kill()
                if i % 2 or killed:
                    continue
                change = {f"w{writer}": i}
                result = await attempt(
                    "update", writer, i, "PATCH", f"{items}/shared/_update", change
                )
                if result is None:
                    return
                updates.append((writer, i, result["_version"]))

        await gatherResults([Deferred.fromCoroutine(write(w)) for w in range(WRITERS)])
        await server.process.ended(STOP_TIMEOUT, "the server to die of SIGKILL")
        self.assertTrue(killed)
        self.assertEqual(server.process.exit_signal, 9)
        self.assertGreaterEqual(len(created), KILL_AFTER)
        self.assertLess(len(created), WRITERS * DOCUMENTS_PER_WRITER, "killed after the end")
        # Acknowledged update versions: distinct, and increasing for each writer.
        versions = [version for _, _, version in updates]
        self.assertEqual(len(versions), len(set(versions)), f"versions given twice: {updates}")
        for writer in range(WRITERS):
            mine = [version for w, _, version in updates if w == writer]
            self.assertEqual(mine, sorted(mine))

        server = await self.server(data_dir=data)

        # Every acknowledged create, as written.
        ids = sorted(created)
        got = await self.call(server, "POST", f"{items}/_mGet", {"ids": ids})
        self.assertEqual(got["errors"], [])
        self.assertEqual([doc["_id"] for doc in got["successes"]], ids)
        for doc in got["successes"]:
            self.assertEqual((doc["_version"], content(doc["_source"])), (1, created[doc["_id"]]))

        # Nothing else but the creates in flight (which may or may not have been committed).
        maybe = {f"w{w}-{i:03d}" for kind, w, i in in_flight if kind == "create"}
        found = await self.call(server, "POST", f"{items}/_search?size=1000", {})
        found_ids = {hit["_id"] for hit in found["hits"]} - {"shared"}
        self.assertEqual(found["total"], len(found["hits"]))
        self.assertLessEqual(set(created), found_ids)
        self.assertLessEqual(found_ids - set(created), maybe)
        count = await self.call(server, "POST", f"{items}/_count", {})
        self.assertEqual(count["count"], found["total"])
        self.assertEqual(count["count"], len(found_ids) + 1)
        by_tag = await self.call(
            server, "POST", f"{items}/_count", {"query": {"term": {"tag": "t3"}}}
        )
        self.assertEqual(
            by_tag["count"],
            sum(1 for id in found_ids if int(id.split("-")[1]) % 7 == 3),
        )

        # The shared document: one version per update that made it, no update lost.
        doc = await self.call(server, "GET", f"{items}/shared")
        version = doc["_version"]
        unacknowledged = [(w, i) for kind, w, i in in_flight if kind == "update"]
        self.assertTrue(all(2 <= v <= version for v in versions), (versions, version))
        self.assertGreaterEqual(version - 1 - len(updates), 0)
        self.assertLessEqual(version - 1 - len(updates), len(unacknowledged))
        source = content(doc["_source"])
        self.assertEqual(source.pop("tag"), "shared")
        for writer in range(WRITERS):
            last = [i for w, i, _ in updates if w == writer]
            possible = {last[-1]} if last else {None}
            possible |= {i for w, i in unacknowledged if w == writer}
            self.assertIn(source.pop(f"w{writer}", None), possible, f"writer {writer}")
        self.assertEqual(source, {})

        self.assertEqual(await server.stop(), 0)
        self.assert_database_intact(data)
