# -*- test-case-name: tests.network.test_site -*-
"""
The HTTP access log, through `twisted.logger`, in Kuzzle's formats.

Lines are buffered and emitted together, one log event per batch (every
`FLUSH_INTERVAL` seconds or `MAX_BATCH` lines, and when the service stops):
an event per request, formatted and written by the log observer, costs more
than the request itself on a busy server.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.web.server import Request

FLUSH_INTERVAL = 0.25
MAX_BATCH = 512

log = Logger(namespace="kuzzle_tx.access")


class AccessLog:
    def __init__(self, clock: IReactorTime, log_format: str = "combined", ip_offset: int = 0):
        if log_format not in ("combined", "logstash", "off"):
            raise ValueError(f"unknown access log format {log_format!r}")
        self._clock = clock
        self._format = log_format
        self._ip_offset = ip_offset
        self._lines: list[str] = []
        self._flush_call: IDelayedCall | None = None

    def record(self, request: Request, timestamp: str) -> None:
        """Log one finished request; ``timestamp`` is the combined format's date field."""
        if self._format == "off":
            return
        ip = client_ip(request, self._ip_offset)
        if self._format == "logstash":
            line = json.dumps(_logstash_record(request, ip, self._clock.seconds()))
        else:
            line = _combined_line(request, ip, timestamp)
        self._lines.append(line)
        if len(self._lines) >= MAX_BATCH:
            self.flush()
        elif self._flush_call is None:
            self._flush_call = self._clock.callLater(FLUSH_INTERVAL, self.flush)

    def flush(self) -> None:
        if self._flush_call is not None:
            if self._flush_call.active():
                self._flush_call.cancel()
            self._flush_call = None
        if self._lines:
            lines, self._lines = self._lines, []
            log.info("{lines}", lines="\n".join(lines), count=len(lines))


def client_ip(request: Request, offset: int) -> str:
    """The client's address: from X-Forwarded-For (``offset`` from the right) when present."""
    forwarded = request.getHeader(b"x-forwarded-for")
    if forwarded:
        addresses = [part.strip() for part in forwarded.decode("latin-1").split(",")]
        return addresses[max(0, len(addresses) - 1 - offset)]
    return getattr(request.getClientAddress(), "host", "-")


# Query-string arguments whose values never reach a log: credentials and tokens.
_SECRET_ARGUMENTS = re.compile(rb"([?&](?:password|jwt|token)=)[^&#]*", re.IGNORECASE)


def redacted_uri(uri: bytes) -> bytes:
    """The URI with the values of secret arguments replaced by ``***``."""
    if b"?" not in uri:
        return uri
    return _SECRET_ARGUMENTS.sub(rb"\1***", uri)


def _combined_line(request: Request, ip: str, timestamp: str) -> str:
    """One line in Apache's "combined" format."""

    def quoted(value: bytes | None) -> str:
        text = (value or b"-").decode("latin-1")
        if "\\" in text or '"' in text:
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        return text

    # Twisted's parser only lets HTTP tokens through in the method and protocol.
    method, proto = request.method.decode("latin-1"), request.clientproto.decode("latin-1")
    uri = quoted(redacted_uri(request.uri))
    size = request.sentLength or "-"
    referrer, agent = (
        quoted(request.getHeader(b"referer")),
        quoted(request.getHeader(b"user-agent")),
    )
    line = f'{ip} - - {timestamp} "{method} {uri} {proto}" {request.code} {size}'
    return f'{line} "{referrer}" "{agent}"'


def _logstash_record(request: Request, ip: str, now: float) -> dict[str, Any]:
    return {
        "@timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "remote_addr": ip,
        "method": request.method.decode("latin-1"),
        "url": redacted_uri(request.uri).decode("latin-1"),
        "status": request.code,
        "bytes": request.sentLength,
        "referrer": (request.getHeader(b"referer") or b"").decode("latin-1"),
        "user_agent": (request.getHeader(b"user-agent") or b"").decode("latin-1"),
    }
