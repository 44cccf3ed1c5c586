# -*- test-case-name: tests.test_embedding -*-
"""
An existing Twisted application can mount the API under its own resource tree
and parent `KuzzleService` under its own ``MultiService`` (STYLE.md §2).
"""

from __future__ import annotations

from typing import Any

from treq.testing import StubTreq
from twisted.application.service import MultiService
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.resource import Resource
from twisted.web.static import Data

from kuzzle_tx import codec
from kuzzle_tx.service import KuzzleService
from kuzzle_tx.testing import InlinePasswordHasher, memory_config


def make_service(reactor: Any, overrides: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    kwargs.setdefault("passwords", InlinePasswordHasher())
    return KuzzleService(memory_config(**(overrides or {})), reactor, **kwargs)


class MountedResourceTests(SynchronousTestCase):
    """``service.resource`` under a parent resource, at ``/kuzzle``."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1234.5)
        self.service = make_service(self.clock)
        self.service.startService()
        parent = Resource()
        parent.putChild(b"kuzzle", self.service.resource)
        parent.putChild(b"other", Data(b"the parent's own page", "text/plain"))
        self.stub = StubTreq(parent)

    def get(self, path: str, **headers: str) -> tuple[Any, bytes]:
        response = self.successResultOf(
            self.stub.get("http://app.example" + path, headers=headers)
        )
        return response, self.successResultOf(response.content())

    def test_now_under_sub_path(self) -> None:
        """GET /kuzzle/_now is ``server:now``: routes are matched below the mount point."""
        response, raw = self.get("/kuzzle/_now")
        self.assertEqual(response.code, 200)
        document = codec.loads(raw)
        self.assertEqual((document["controller"], document["action"]), ("server", "now"))
        self.assertEqual(document["result"], {"now": 1_234_500})

    def test_root_under_sub_path(self) -> None:
        """GET /kuzzle/ is the API's own root, ``server:info``."""
        response, raw = self.get("/kuzzle/")
        self.assertEqual(response.code, 200)
        self.assertEqual(codec.loads(raw)["action"], "info")

    def test_path_arguments_under_sub_path(self) -> None:
        """Path placeholders are read from the segments after the mount point."""
        response, raw = self.get("/kuzzle/no/such/route/here/at/all")
        self.assertEqual(response.code, 404)
        error = codec.loads(raw)["error"]
        self.assertEqual(error["id"], "network.http.url_not_found")
        self.assertEqual(error["props"], ["/no/such/route/here/at/all"])

    def test_parent_resource(self) -> None:
        """GET /other is served by the parent's own resource, not by the API."""
        response, raw = self.get("/other")
        self.assertEqual(response.code, 200)
        self.assertEqual(raw, b"the parent's own page")
        self.assertIsNone(response.headers.getRawHeaders("x-kuzzle-node"))


class ParentServiceTests(SynchronousTestCase):
    """`KuzzleService` as a child of an application's ``MultiService``."""

    def test_starts_and_stops_with_parent(self) -> None:
        """The service starts and stops with its parent; stopping fires and leaves no timer."""
        clock = Clock()
        parent = MultiService()
        service = make_service(clock)
        service.setServiceParent(parent)
        parent.startService()
        self.assertTrue(service.running)
        stopped = parent.stopService()
        self.successResultOf(stopped)
        self.assertFalse(service.running)
        self.assertEqual(clock.getDelayedCalls(), [])

    def test_listens_through_parent(self) -> None:
        """With ``listen`` endpoints, starting the parent listens and stopping it stops."""
        reactor = MemoryReactorClock()
        parent = MultiService()
        service = make_service(reactor, listen=["tcp:7512:interface=127.0.0.1"])
        service.setServiceParent(parent)
        self.assertEqual(reactor.tcpServers, [])
        parent.startService()
        [(port, factory, _, interface)] = reactor.tcpServers
        self.assertEqual((port, interface), (7512, "127.0.0.1"))
        self.assertIs(factory, service.site)
        [listener] = list(service)
        self.assertTrue(listener.running)
        self.successResultOf(parent.stopService())
        self.assertFalse(listener.running)
        self.assertFalse(service.running)
        self.assertEqual([call for call in reactor.getDelayedCalls() if call.active()], [])

    def test_idle_sweep_follows_lifecycle(self) -> None:
        """The WebSocket idle sweep runs only between startService and stopService."""
        clock = Clock()
        parent = MultiService()
        service = make_service(
            clock, {"server": {"protocols": {"websocket": {"idleTimeout": 5000}}}}
        )
        service.setServiceParent(parent)
        self.assertEqual(clock.getDelayedCalls(), [])
        parent.startService()
        self.assertNotEqual(clock.getDelayedCalls(), [])
        self.successResultOf(parent.stopService())
        self.assertEqual(clock.getDelayedCalls(), [])
