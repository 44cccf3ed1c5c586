# -*- test-case-name: tests.test_tap -*-
"""``twistd kuzzle``: command-line options and the service they make."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from twisted.python import usage

from kuzzle_tx.config import DEFAULT_CONFIG_FILE, ConfigError, load_config


class Options(usage.Options):
    synopsis = "[options]"
    longdesc = (
        "Run kuzzle_tx, a Kuzzle-compatible API server: HTTP and WebSocket on one port "
        "(server.port from kuzzlerc.json, 7512 by default)."
    )
    optParameters = [
        [
            "config",
            "c",
            None,
            f"Path to a kuzzlerc.json file (default: ./{DEFAULT_CONFIG_FILE} if present, "
            "else built-in defaults).",
        ],
        ["port", "p", None, "Shortcut for server.port (HTTP and WebSocket).", int],
        ["data-dir", "d", "data", "Directory where the server keeps its data."],
        [
            "access-log",
            None,
            None,
            "Access log format: combined, logstash or off (server.logs.accessLogFormat).",
        ],
    ]

    def __init__(self) -> None:
        super().__init__()
        self["listen"] = []

    def opt_listen(self, description: str) -> None:
        """Listen on this Twisted endpoint (repeatable), e.g. tcp:7512 or
        ssl:7443:privateKey=key.pem:certKey=cert.pem. Replaces the default tcp:<server.port>."""
        self["listen"].append(description)

    opt_l = opt_listen

    def postOptions(self) -> None:  # noqa: N802
        overrides: dict[str, Any] = {}
        if self["port"] is not None:
            overrides.setdefault("server", {})["port"] = self["port"]
        if self["access-log"] is not None:
            overrides.setdefault("server", {}).setdefault("logs", {})["accessLogFormat"] = self[
                "access-log"
            ]
        path = self["config"]
        if path is None and os.path.exists(DEFAULT_CONFIG_FILE):
            path = DEFAULT_CONFIG_FILE
        try:
            self["kuzzle_config"] = load_config(path, overrides=overrides)
        except ConfigError as error:
            # One line, no traceback, non-zero exit: what an operator needs.
            sys.stderr.write(f"kuzzle: invalid configuration: {error}\n")
            raise SystemExit(1)


def makeService(options: Options) -> Any:  # noqa: N802
    from twisted.internet import reactor

    # twistd re-raises SIGTERM at exit after a clean stop (exit status 143); a
    # graceful shutdown is a success, so stop the reactor ourselves and exit 0.
    reactor.callWhenRunning(_exit_zero_on_sigterm, reactor)

    from kuzzle_tx.service import KuzzleService

    config = options["kuzzle_config"]
    listen = options["listen"] or [f"tcp:{config.server.port}"]
    return KuzzleService(
        config, reactor, listen=listen, data_dir=options["data-dir"], exit_on_listen_error=True
    )


def _exit_zero_on_sigterm(reactor: Any) -> None:
    def stop(signum: int, frame: object) -> None:
        reactor.callFromThread(reactor.stop)

    signal.signal(signal.SIGTERM, stop)
