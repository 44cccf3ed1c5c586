"""
The interfaces that hold kuzzle_tx's layers together, in one place: what a
protocol connection offers, what authentication and rights plug into, and what
controllers call to notify realtime subscribers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zope.interface import Interface

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

    from kuzzle_tx.api.request import Request


class IClientChannel(Interface):
    """What a persistent protocol connection offers to the server side."""

    def send_payload(data: bytes) -> None:
        """Send one already-serialized message to the client."""

    def send_shared(data: bytes, prepared: dict[str, object]) -> None:
        """
        Send a message that many clients receive: ``prepared`` is shared by the
        recipients of ``data``, so that a protocol frames it once for all of them.
        """

    def close_going_away(reason: str) -> None:
        """Close the connection with a code that makes clients reconnect (1001)."""


class IGate(Interface):
    """Authentication and rights, run before the controller lookup."""

    def admit(request: Request) -> Deferred[None] | None:
        """Return None (or a Deferred) when the request may run; raise KuzzleError if not."""


class INotifier(Interface):
    """
    What controllers call when something subscribers may care about happened.

    `kuzzle_tx.realtime.engine.RealtimeEngine` implements it for one node. A
    multi-node deployment wraps it: publish locally and to the other nodes
    (Redis pub/sub), and hand what the other nodes publish to the local engine;
    controllers do not change.
    """

    def publish_document(
        *,
        index: str,
        collection: str,
        document_id: str | None,
        source: Any,
        scope: str,
        action: str,
        event: str,
        controller: str,
        request_id: str,
        timestamp: int,
        protocol: str,
        volatile: Any,
        updated_fields: list[str] | None = None,
    ) -> int:
        """Notify the rooms whose filters match ``source``; returns how many channels."""
