"""
The benchmark baseline: a bare Twisted + autobahn + orjson server speaking the tiny protocol.

One port, one ``twisted.web`` Site. Requests carrying ``Upgrade: websocket`` go to autobahn's
``WebSocketResource``; ``POST /_query`` goes to a minimal resource. Both answer ``server:now``
with the Kuzzle response envelope, and the WebSocket side answers the ``{"p":1}`` ping with
``{"p":2}``. It does the work a real server minimally has to do (parse the JSON, build the
envelope, serialize it) and nothing more: no routing table, no access log, no heartbeat.

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
        status, error, result = 200, None, {"now": int(time.time() * 1000)}
    else:
        status, result = 404, None
        error = {"status": 404, "message": f'API action "{controller}":"{action}" not found'}
    return {
        "requestId": request.get("requestId"),
        "status": status,
        "error": error,
        "controller": controller,
        "action": action,
        "index": None,
        "collection": None,
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


class BareWebSocket(WebSocketServerProtocol):
    def onMessage(self, payload: bytes, isBinary: bool) -> None:  # noqa: N802 (autobahn API)
        if payload == PING:
            self.sendMessage(PONG)
            return
        envelope = answer(decode(payload))
        envelope["room"] = envelope["requestId"]
        self.sendMessage(orjson.dumps(envelope))


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
    root = Root(WebSocketResource(factory), Query())
    endpoint = serverFromString(reactor, f"tcp:{args.port}:interface={args.interface}")
    # Twisted's defaults parse form bodies (and every POST's content type, through the
    # email package) into request.args; --no-form-parsing skips that, as kuzzle_tx does.
    endpoint.listen(QuietSite(root, parsePOSTFormSubmission=not args.no_form_parsing))
    reactor.run()


if __name__ == "__main__":
    main(sys.argv[1:])
