"""
The benchmark baseline: a bare Twisted + autobahn + orjson server speaking the tiny protocol.

One port, one ``twisted.web`` Site. Requests carrying ``Upgrade: websocket`` go to autobahn's
``WebSocketResource``; ``POST /_query`` goes to a minimal resource. Both answer ``server:now``
with the Kuzzle response envelope, and the WebSocket side answers the ``{"p":1}`` ping with
``{"p":2}``. It does the work a real server minimally has to do (parse the JSON, build the
envelope, serialize it) and nothing more: no routing table, no access log, no heartbeat.

For the fan-out benchmark the WebSocket side also speaks a tiny realtime protocol:
``realtime:subscribe`` puts the connection in the one room of its index and collection (the
filter is ignored) and answers ``{roomId, channel}``; ``realtime:publish`` builds the Kuzzle
document notification once, serializes it once, frames it once (``prepareMessage``), sends that
prepared frame to every subscriber of the room, then answers ``{published: true}``.

    python bench/bare_server.py --port 7512
"""

import argparse
import sys
import time
from typing import Any

import orjson
from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet.endpoints import serverFromString
from twisted.web.resource import IResource, NoResource, Resource
from twisted.web.server import Site

NODE_ID = "knode-bare-bench"
PING = b'{"p":1}'
PONG = b'{"p":2}'


def answer(request: Any) -> dict[str, Any]:
    """The response envelope for one decoded request (``server:now`` or an error)."""
    if not isinstance(request, dict):
        request = {}
    controller = request.get("controller")
    action = request.get("action")
    if controller == "server" and action == "now":
        return envelope(request, 200, None, {"now": int(time.time() * 1000)})
    error = {"status": 404, "message": f'API action "{controller}":"{action}" not found'}
    return envelope(request, 404, error, None)


def envelope(request: dict, status: int, error: Any, result: Any) -> dict[str, Any]:
    return {
        "requestId": request.get("requestId"),
        "status": status,
        "error": error,
        "controller": request.get("controller"),
        "action": request.get("action"),
        "index": request.get("index"),
        "collection": request.get("collection"),
        # Kuzzle echoes the request's volatile in its response: the same protocol work.
        "volatile": request.get("volatile"),
        "result": result,
        "node": NODE_ID,
        "headers": {},
    }


def decode(payload: bytes) -> Any:
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None


class Rooms:
    """The realtime side: one room per (index, collection), whatever the filter."""

    def __init__(self) -> None:
        self.members: dict[tuple[Any, Any], dict[WebSocketServerProtocol, None]] = {}

    @staticmethod
    def names(request: dict) -> tuple[str, str]:
        room_id = f"bare-{request.get('index')}-{request.get('collection')}"
        return room_id, f"{room_id}-channel"

    def subscribe(self, connection: WebSocketServerProtocol, request: dict) -> dict[str, Any]:
        key = (request.get("index"), request.get("collection"))
        self.members.setdefault(key, {})[connection] = None
        room_id, channel = self.names(request)
        return {"roomId": room_id, "channel": channel}

    def publish(self, factory: WebSocketServerFactory, request: dict) -> dict[str, Any]:
        subscribers = self.members.get((request.get("index"), request.get("collection")))
        if subscribers:
            now = int(time.time() * 1000)
            body = request.get("body")
            source = {**(body if isinstance(body, dict) else {})}
            source["_kuzzle_info"] = {"author": "-1", "createdAt": now}
            # Kuzzle's document notification, built, serialized and framed once.
            notification = {
                "type": "document",
                "status": 200,
                "requestId": request.get("requestId"),
                "timestamp": now,
                "index": request.get("index"),
                "collection": request.get("collection"),
                "controller": "realtime",
                "action": "publish",
                "event": "publish",
                "scope": "in",
                "protocol": "websocket",
                "node": NODE_ID,
                "volatile": request.get("volatile"),
                "result": {"_source": source},
                "room": self.names(request)[1],
            }
            prepared = factory.prepareMessage(orjson.dumps(notification), False)
            for connection in subscribers:
                connection.sendPreparedMessage(prepared)
        return {"published": True}

    def leave(self, connection: WebSocketServerProtocol) -> None:
        for members in self.members.values():
            members.pop(connection, None)


class BareWebSocket(WebSocketServerProtocol):
    def onMessage(self, payload: bytes, isBinary: bool) -> None:  # noqa: N802 (autobahn API)
        if payload == PING:
            self.sendMessage(PONG)
            return
        request = decode(payload)
        if isinstance(request, dict) and request.get("controller") == "realtime":
            rooms: Rooms = self.factory.rooms
            action = request.get("action")
            if action == "subscribe":
                reply = envelope(request, 200, None, rooms.subscribe(self, request))
            elif action == "publish":
                reply = envelope(request, 200, None, rooms.publish(self.factory, request))
            else:
                reply = answer(request)
        else:
            reply = answer(request)
        reply["room"] = reply["requestId"]
        self.sendMessage(orjson.dumps(reply))

    def onClose(self, wasClean: bool, code: Any, reason: Any) -> None:  # noqa: N802
        self.factory.rooms.leave(self)


class Query(Resource):
    isLeaf = True

    def render_POST(self, request):  # noqa: N802 (twisted.web API)
        envelope = answer(decode(request.content.read()))
        request.setResponseCode(envelope["status"])
        request.setHeader(b"content-type", b"application/json")
        return orjson.dumps(envelope)


class Root(Resource):
    """Upgrade requests to the WebSocket resource, ``/_query`` to the HTTP one."""

    def __init__(self, websocket: IResource, query: IResource) -> None:
        super().__init__()
        self._websocket = websocket
        self._query = query

    def getChildWithDefault(self, path, request):  # noqa: N802 (twisted.web API)
        upgrade = request.getHeader(b"upgrade")
        if upgrade is not None and upgrade.lower() == b"websocket":
            return self._websocket
        if path == b"_query":
            return self._query
        return NoResource()


class QuietSite(Site):
    """A Site without the per-request access log line."""

    def log(self, request) -> None:
        pass


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--port", type=int, default=7512)
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument(
        "--no-form-parsing",
        action="store_true",
        help="switch off twisted.web's POST form parsing (kuzzle_tx does)",
    )
    args = parser.parse_args(argv)

    from twisted.internet import reactor

    factory = WebSocketServerFactory()
    factory.protocol = BareWebSocket
    factory.rooms = Rooms()
    root = Root(WebSocketResource(factory), Query())
    endpoint = serverFromString(reactor, f"tcp:{args.port}:interface={args.interface}")
    # Twisted's defaults parse form bodies (and every POST's content type, through the
    # email package) into request.args; --no-form-parsing skips that, as kuzzle_tx does.
    endpoint.listen(QuietSite(root, parsePOSTFormSubmission=not args.no_form_parsing))
    reactor.run()


if __name__ == "__main__":
    main(sys.argv[1:])
