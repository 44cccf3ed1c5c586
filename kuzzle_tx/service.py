# -*- test-case-name: tests.test_embedding,tests.network.test_site -*-
"""
`KuzzleService` builds the whole object graph from a `Config` and owns its
lifecycle: listeners, the WebSocket idle sweep, and a graceful shutdown.

Embed it under your own ``MultiService``; mount ``service.resource`` under your
own Site if you do not want it to listen by itself.
"""

from __future__ import annotations

import os
import platform
import sys
import uuid
from collections.abc import Sequence
from typing import Any

from autobahn.twisted.resource import WebSocketResource
from twisted.application import strports
from twisted.application.service import MultiService
from twisted.internet.defer import Deferred, DeferredList, succeed
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IReactorCore, IReactorTime
from twisted.logger import Logger
from twisted.web.resource import IResource

from kuzzle_tx import __version__, codec
from kuzzle_tx.api.controllers.auth import AuthController
from kuzzle_tx.api.controllers.collection import CollectionController
from kuzzle_tx.api.controllers.document import DocumentController
from kuzzle_tx.api.controllers.index import IndexController
from kuzzle_tx.api.controllers.realtime import RealtimeController
from kuzzle_tx.api.controllers.security import SecurityController
from kuzzle_tx.api.controllers.server import ServerController
from kuzzle_tx.api.funnel import Funnel
from kuzzle_tx.config import Config
from kuzzle_tx.interfaces import IStorage
from kuzzle_tx.network.cors import OriginPolicy
from kuzzle_tx.network.entrypoint import EntryPoint
from kuzzle_tx.network.http import HttpApiResource
from kuzzle_tx.network.routes import ROUTES, Router, public_api
from kuzzle_tx.network.site import KuzzleResource, KuzzleSite
from kuzzle_tx.network.websocket import KuzzleWebSocketFactory
from kuzzle_tx.realtime.document_rooms import DocumentRooms
from kuzzle_tx.realtime.engine import RealtimeEngine
from kuzzle_tx.realtime.hotel import Hotel
from kuzzle_tx.realtime.koncorde import Koncorde
from kuzzle_tx.realtime.notifications import token_expired_notification
from kuzzle_tx.security.gate import SecurityGate
from kuzzle_tx.security.service import Security
from kuzzle_tx.storage.memory import MemoryStorage
from kuzzle_tx.storage.sqlite import SQLiteStorage

# How long a graceful stop waits for requests in flight before giving up on them.
SHUTDOWN_GRACE_SECONDS = 5.0


class KuzzleService(MultiService):
    log = Logger()

    def __init__(
        self,
        config: Config,
        reactor: Any,
        listen: Sequence[str] = (),
        data_dir: str = "data",
        exit_on_listen_error: bool = False,
        storage: IStorage | None = None,
        passwords: Any = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.reactor = reactor
        self.data_dir = data_dir
        self.node_id = f"knode-{platform.node() or 'local'}-{uuid.uuid4().hex[:8]}"
        clock: IReactorTime = reactor
        limits = config.limits

        self.router = Router(ROUTES)
        self._api_description: dict[str, Any] | None = None
        document_rooms = DocumentRooms(clock, limits.subscription_document_ttl / 1000)
        self.realtime = RealtimeEngine(
            Koncorde(max_conditions=limits.subscription_conditions_count),
            Hotel(max_rooms=limits.subscription_rooms),
            # The entry point is built below, from the funnel that needs the controllers.
            broadcast=lambda connection_ids, data: self.entrypoint.broadcast(connection_ids, data),
            node_id=self.node_id,
            now_ms=lambda: int(clock.seconds() * 1000),
            document_rooms=document_rooms,
        )
        self.storage: IStorage = storage or self._default_storage()
        self.security = Security(
            self.storage,
            reactor,
            config.security,
            limits,
            on_token_expired=self._token_expired,
            passwords=passwords,
        )
        hotel = self.realtime.hotel
        controllers = [
            ServerController(
                clock,
                config,
                __version__,
                self._public_api,
                self._metrics,
                lambda: Deferred.fromCoroutine(self.security.admin_exists()),
            ),
            AuthController(
                self.security,
                config.http.cookie_authentication,
                on_revoked=self._drop_subscriptions,
                storage=self.storage,
                limits=limits,
            ),
            RealtimeController(self.realtime, clock, self._may_subscribe),
            IndexController(self.storage, document_rooms.drop),
            CollectionController(
                self.storage,
                config.storage.default_dynamic,
                lambda index: hotel.list_rooms().get(index, {}).keys(),
                document_rooms.drop,
            ),
            DocumentController(
                self.storage, self.realtime, clock, limits, config.storage.max_scroll_duration
            ),
            SecurityController(
                self.security,
                self.storage,
                clock,
                config,
                realtime=self.realtime,
                connection=lambda connection_id: self.entrypoint.connection(connection_id),
            ),
        ]
        self.gate = SecurityGate(self.security)
        self.funnel = Funnel(
            controllers,
            concurrent_requests=limits.concurrent_requests,
            buffer_size=limits.requests_buffer_size,
            buffer_warning_threshold=limits.requests_buffer_warning_threshold,
            strict_sdk_version=config.server.strict_sdk_version,
            origin_policy=OriginPolicy(config.http),
            gate=self.gate,
        )
        self.entrypoint = EntryPoint(self.funnel, clock, self.node_id)
        self.entrypoint.on_close(self.realtime.disconnect)
        self.entrypoint.on_close(self._forget_connection)

        websocket = config.server.websocket
        self.websocket_factory: KuzzleWebSocketFactory | None = None
        websocket_resource = None
        if websocket.enabled:
            self.websocket_factory = KuzzleWebSocketFactory(
                self.entrypoint, websocket, config.server.max_request_size, clock
            )
            websocket_resource = WebSocketResource(self.websocket_factory)
        http_resource = (
            HttpApiResource(self.entrypoint, config, self.router)
            if config.server.http.enabled
            else None
        )
        self.resource = KuzzleResource(http_resource, websocket_resource)
        self.site = self.make_site(self.resource)
        self._exit_on_listen_error = exit_on_listen_error
        for description in listen:
            listener = strports.service(description, self.site, reactor=reactor)
            # Fail start-up when a port cannot be bound, instead of logging and running on.
            listener._raiseSynchronously = True
            listener.setName(description)
            listener.setServiceParent(self)

    def _default_storage(self) -> IStorage:
        if self.config.storage.backend == "memory":
            return MemoryStorage()
        return SQLiteStorage(self.data_dir, self.reactor, self.config.storage.reader_threads)

    def make_site(self, root: IResource) -> KuzzleSite:
        """A Site configured like this service's (header deadline, early 413, access log)."""
        config = self.config
        return KuzzleSite(
            root,
            clock=self.reactor,
            max_request_size=config.server.max_request_size,
            headers_timeout_ms=config.server.http.headers_timeout,
            cors=OriginPolicy(config.http),
            access_log_format=config.server.access_log_format,
            ip_offset=config.server.access_log_ip_offset,
        )

    # -- what the server controller reports -------------------------------------------

    def _public_api(self) -> dict[str, Any]:
        # The controllers are fixed once built: describe them once.
        if self._api_description is None:
            self._api_description = public_api(ROUTES, self.funnel.implemented())
        return self._api_description

    def _may_subscribe(self, request: Any, index: str, collection: str) -> bool:
        # The gate has identified the caller (its profiles) before the action ran.
        return self.security.rights.allowed(
            request.user_profiles, "realtime", "subscribe", index, collection
        )

    def _forget_connection(self, connection: Any) -> None:
        self.gate.forget(connection.id)
        self.security.forget_connection(connection.id)

    def _drop_subscriptions(self, connection_ids: list[str]) -> None:
        """A revoked token's other connections leave their rooms (as Kuzzle's logout)."""
        for connection_id in connection_ids:
            connection = self.entrypoint.connection(connection_id)
            if connection is not None:
                self.realtime.disconnect(connection)

    def _token_expired(self, connection_ids: list[str]) -> None:
        """A token expired: its connections are told, and lose their subscriptions."""
        payload = codec.dumps(token_expired_notification(self.node_id))
        for connection_id in connection_ids:
            connection = self.entrypoint.connection(connection_id)
            if connection is None:
                continue
            self.entrypoint.broadcast([connection_id], payload)
            self.realtime.disconnect(connection)

    def _metrics(self) -> dict[str, Any]:
        return {
            "api": {
                "concurrentRequests": self.funnel.running,
                "pendingRequests": self.funnel.pending,
                "completedRequests": self.funnel.completed,
                "failedRequests": self.funnel.failed,
            },
            "network": {"connections": self.entrypoint.connection_counts()},
            "realtime": self.realtime.hotel.metrics(),
        }

    # -- lifecycle --------------------------------------------------------------------

    def privilegedStartService(self) -> None:  # noqa: N802
        try:
            super().privilegedStartService()
        except CannotListenError as error:
            if not self._exit_on_listen_error:
                raise
            # twistd: one line and a non-zero exit, not a traceback.
            sys.stderr.write(f"kuzzle: cannot listen on port {error.port}: {error.socketError}\n")
            raise SystemExit(1)

    def startService(self) -> None:  # noqa: N802
        os.makedirs(self.data_dir, exist_ok=True)
        for warning in self.config.warnings:
            self.log.warn("Configuration: {problem}", problem=warning)
        # Opening the store loads the schema before the first request is served;
        # requests wait for security to load its users, roles and profiles.
        self.storage.start()
        self.security.start().addErrback(
            lambda failure: self.log.failure("Security could not start", failure)
        )
        if self.websocket_factory is not None:
            self.websocket_factory.start()
        super().startService()
        self.log.info(
            "kuzzle_tx {version} node {node} started", version=__version__, node=self.node_id
        )

    def stopService(self) -> Deferred[None]:  # noqa: N802
        """Stop listening, close WebSockets with 1001, let requests in flight finish."""
        stopped_listening = super().stopService() or succeed(None)
        if self.websocket_factory is not None:
            self.websocket_factory.stop()
        drained = self.entrypoint.shutdown()
        timeout = self.reactor.callLater(SHUTDOWN_GRACE_SECONDS, drained.cancel)

        def finished(_: object) -> Deferred[None]:
            if timeout.active():
                timeout.cancel()
            self.site.access_log.flush()
            saved = self.security.stop()
            saved.addErrback(lambda failure: self.log.failure("Saving tokens failed", failure))
            return saved.addCallback(lambda _: self.storage.stop())

        both = DeferredList([stopped_listening, drained], consumeErrors=True)
        return both.addCallback(finished)


def build_resource(config: Config, reactor: IReactorCore) -> KuzzleResource:
    """
    The API as one resource, for an existing Site: its timers start now and it
    closes its WebSockets when the reactor shuts down.
    """
    service = KuzzleService(config, reactor)
    service.startService()
    reactor.addSystemEventTrigger("before", "shutdown", service.stopService)
    resource = service.resource
    resource.service = service  # type: ignore[attr-defined]
    return resource
