# -*- test-case-name: tests.network.test_entrypoint -*-
"""
The entry point: the registry of client connections that every protocol shares.

Protocols open and close connections here and execute their requests through
it; it is the one place that knows every live connection (for metrics, for
shutdown, and for the realtime engine that will push notifications back down).
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from kuzzle_tx.api.funnel import Funnel
from kuzzle_tx.api.request import Connection, Request
from kuzzle_tx.interfaces import IClientChannel

# Sends per reactor turn (tens of milliseconds at most). Large enough that the
# notifications of several publications to the same sockets go out in one turn: each
# socket then flushes them with one system call, not one per notification.
BROADCAST_CHUNK = 10_000


class EntryPoint:
    log = Logger()

    def __init__(self, funnel: Funnel, clock: IReactorTime, node_id: str) -> None:
        self.funnel = funnel
        self.clock = clock
        self.node_id = node_id
        self._connections: dict[str, Connection] = {}
        self._channels: dict[str, IClientChannel] = {}
        self._per_protocol: Counter[str] = Counter()
        self._close_listeners: list[Callable[[Connection], object]] = []
        self._broadcasts: deque[tuple[Iterator[str], bytes, dict[str, object]]] = deque()
        # Connection ids only need to be unique on this node; a counter is cheaper than uuid4.
        self._id_prefix = f"{uuid.uuid4().hex[:12]}-"
        self._ids = itertools.count(1)
        # Requests queued by the funnel are dropped if their connection went away.
        funnel.connection_alive = self.is_connected
        # The per-message path: skip one call frame.
        self.submit = funnel.submit  # type: ignore[method-assign]

    # -- connections ------------------------------------------------------------------

    def open(
        self,
        protocol: str,
        ips: tuple[str, ...] = (),
        headers: Mapping[str, str] | None = None,
        channel: IClientChannel | None = None,
    ) -> Connection:
        connection = Connection(
            f"{self._id_prefix}{next(self._ids)}",
            protocol,
            ips,
            headers if headers is not None else {},
        )
        self._connections[connection.id] = connection
        self._per_protocol[protocol] += 1
        if channel is not None:
            self._channels[connection.id] = channel
        return connection

    def close(self, connection: Connection) -> None:
        if self._connections.pop(connection.id, None) is None:
            return
        self._per_protocol[connection.protocol] -= 1
        self._channels.pop(connection.id, None)
        for listener in self._close_listeners:
            try:
                listener(connection)
            except Exception:
                self.log.failure("A connection-close listener failed")

    def connection(self, connection_id: str) -> Connection | None:
        """The open connection with this id, if any."""
        return self._connections.get(connection_id)

    def on_close(self, listener: Callable[[Connection], object]) -> None:
        """Call ``listener(connection)`` when a connection goes away (realtime cleanup)."""
        self._close_listeners.append(listener)

    def broadcast(self, connection_ids: Iterable[str], data: bytes) -> None:
        """
        Send one serialized message to several connections.

        Large audiences are served `BROADCAST_CHUNK` connections per reactor turn,
        so one publication to a huge room cannot freeze the server; broadcasts are
        queued, so every connection sees notifications in the order they were made.
        """
        self._broadcasts.append((iter(list(connection_ids)), data, {}))
        if len(self._broadcasts) == 1:
            self._send_broadcasts()

    def _send_broadcasts(self) -> None:
        budget = BROADCAST_CHUNK
        channels = self._channels
        while self._broadcasts and budget > 0:
            recipients, data, prepared = self._broadcasts[0]
            for connection_id in recipients:
                channel = channels.get(connection_id)
                if channel is not None:
                    channel.send_shared(data, prepared)
                budget -= 1
                if budget == 0:
                    break
            else:
                self._broadcasts.popleft()
        if self._broadcasts:
            self.clock.callLater(0, self._send_broadcasts)

    def is_connected(self, connection_id: str) -> bool:
        return connection_id in self._connections

    def connection_counts(self) -> dict[str, int]:
        return {protocol: count for protocol, count in self._per_protocol.items() if count}

    # -- requests ---------------------------------------------------------------------

    def submit(self, request: Request, respond: Callable[[Request], object]) -> None:
        """Run a request; ``respond(request)`` is called once it has its result or error."""
        self.funnel.submit(request, respond)

    # -- shutdown ---------------------------------------------------------------------

    def shutdown(self) -> Deferred[None]:
        """Refuse new requests, close persistent connections, wait for requests in flight."""
        self.funnel.shutting_down = True
        for channel in list(self._channels.values()):
            channel.close_going_away("Server shutting down")
        return self.funnel.drained()
