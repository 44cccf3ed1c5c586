# -*- test-case-name: tests.api.test_server_controller -*-
"""The ``server`` controller: time, identity, health and metrics of this node."""

from __future__ import annotations

import os
import platform
import resource
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.request import Request
from kuzzle_tx.config import Config

SERVICES = ("internalCache", "memoryStorage", "storageEngine")


class ServerController(Controller):
    name = "server"
    ACTIONS = (
        "now",
        "info",
        "healthCheck",
        "publicApi",
        "getConfig",
        "capabilities",
        "metrics",
        "adminExists",
    )

    def __init__(
        self,
        clock: IReactorTime,
        config: Config,
        version: str,
        public_api: Callable[[], dict[str, Any]],
        metrics: Callable[[], dict[str, Any]],
        admin_exists: Callable[[], Any] = lambda: False,
    ) -> None:
        self._clock = clock
        self._config = config
        self._version = version
        self._public_api = public_api
        self._metrics = metrics
        self._admin_exists = admin_exists
        self._started = clock.seconds()

    def now(self, request: Request) -> dict[str, int]:
        return {"now": int(self._clock.seconds() * 1000)}

    def info(self, request: Request) -> dict[str, Any]:
        return {
            "serverInfo": {
                "kuzzle": {
                    "version": self._version,
                    "api": {"routes": self._public_api()},
                    "plugins": {},
                    "application": {"name": "kuzzle_tx", "version": self._version},
                    "memoryUsed": _rss_bytes(),
                    "nodeVersion": f"python {platform.python_version()}",
                    "uptime": f"{int(self._clock.seconds() - self._started)}s",
                    "system": {"cpus": _cpus(), "memory": _system_memory()},
                },
                "services": {
                    "internalCache": {"type": "in-process"},
                    "memoryStorage": {"type": "in-process"},
                    "internalStorage": {"type": "none"},
                    "publicStorage": {"type": "none"},
                },
            }
        }

    def healthCheck(self, request: Request) -> dict[str, Any]:  # noqa: N802
        wanted = request.input.args.get("services")
        names: tuple[str, ...] = SERVICES
        if isinstance(wanted, str) and wanted:
            names = tuple(name for name in wanted.split(",") if name in SERVICES)
        return {"status": "green", "services": dict.fromkeys(names, "green")}

    def publicApi(self, request: Request) -> dict[str, Any]:  # noqa: N802
        return self._public_api()

    def getConfig(self, request: Request) -> dict[str, Any]:  # noqa: N802
        document = self._config.as_dict()
        document.pop("security", None)
        if isinstance(document.get("http"), dict):
            document["http"].pop("routes", None)
        return document

    def capabilities(self, request: Request) -> dict[str, Any]:
        return {
            "version": self._version,
            "limits": self._config.as_dict().get("limits", {}),
            "plugins": {},
            "routes": self._public_api(),
            "services": {},
        }

    def metrics(self, request: Request) -> dict[str, Any]:
        return self._metrics()

    async def adminExists(self, request: Request) -> dict[str, bool]:  # noqa: N802
        exists = self._admin_exists()
        if isinstance(exists, Deferred):
            exists = await exists
        return {"exists": bool(exists)}


def _rss_bytes() -> int:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpus() -> list[dict[str, Any]]:
    return [{"model": platform.processor() or platform.machine()}] * (os.cpu_count() or 1)


def _system_memory() -> dict[str, int]:
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        return {
            "total": page * os.sysconf("SC_PHYS_PAGES"),
            "free": page * os.sysconf("SC_AVPHYS_PAGES"),
        }
    except (ValueError, OSError):
        return {"total": 0, "free": 0}
