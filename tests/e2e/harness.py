# -*- test-case-name: tests.e2e -*-
"""
The end-to-end harness: the real ``twistd kuzzle`` in a subprocess on a free
loopback port, and real clients (node scripts, raw TCP, twisted.web's Agent) to
drive it.

Every wait is a bounded poll on ``task.deferLater``; nothing sleeps.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, cast

from twisted.internet import reactor, task
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.error import ConnectError
from twisted.internet.interfaces import ITCPTransport
from twisted.internet.protocol import ProcessProtocol, Protocol, connectionDone
from twisted.python.failure import Failure
from twisted.python.filepath import FilePath
from twisted.trial.unittest import SkipTest, TestCase
from twisted.web.client import Agent, HTTPConnectionPool, readBody
from twisted.web.http_headers import Headers
from twisted.web.iweb import IBodyProducer
from zope.interface import implementer

HOST = "127.0.0.1"
JS_DIR = FilePath(__file__).sibling("js")

# ``python -m twisted.scripts.twistd`` does nothing (that module has no __main__ block), so
# the server is started the way the ``twistd`` console script does it.
TWISTD = (
    "-c",
    "import sys; from twisted.scripts.twistd import run; sys.argv[0] = 'twistd'; run()",
)

# Bounds for every wait, generous for a loaded 2-core machine.
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
NODE_TIMEOUT = 30.0
POLL_INTERVAL = 0.05


class E2EError(AssertionError):
    """Something outside the assertions of a test went wrong (with the logs to show why)."""


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def now() -> float:
    return float(reactor.seconds())


async def pause(seconds: float) -> None:
    await task.deferLater(reactor, seconds, lambda: None)


async def poll(
    predicate: Callable[[], Any | Awaitable[Any]],
    timeout: float,
    what: str,
    interval: float = POLL_INTERVAL,
) -> Any:
    """Call ``predicate`` until it returns something truthy, for at most ``timeout`` seconds."""
    deadline = now() + timeout
    while True:
        result = await maybeDeferred(predicate)
        if result:
            return result
        if now() >= deadline:
            raise E2EError(f"timed out after {timeout} s waiting for {what}")
        await pause(interval)


class _Process(ProcessProtocol):
    """Collects a child's output and reports how it ended."""

    def __init__(self) -> None:
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.running = True
        self.exit_code: int | None = None
        self.exit_signal: int | None = None

    def outReceived(self, data: bytes) -> None:  # noqa: N802
        self.stdout += data

    def errReceived(self, data: bytes) -> None:  # noqa: N802
        self.stderr += data

    def processEnded(self, reason: Failure) -> None:  # noqa: N802
        self.running = False
        self.exit_code = getattr(reason.value, "exitCode", None)
        self.exit_signal = getattr(reason.value, "signal", None)

    def signal(self, name: str) -> None:
        if self.running and self.transport is not None:
            self.transport.signalProcess(name)

    async def ended(self, timeout: float, what: str) -> int | None:
        await poll(lambda: not self.running, timeout, what)
        return self.exit_code

    async def terminate(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL if it does not go within ``timeout``."""
        if not self.running:
            return
        self.signal("TERM")
        try:
            await self.ended(timeout, "the process to exit")
        except E2EError:
            self.signal("KILL")
            await self.ended(timeout, "the process to die")

    def output(self) -> str:
        return (bytes(self.stdout) + bytes(self.stderr)).decode("utf-8", "replace")


def _keep_log(testcase: TestCase, what: str, process: _Process, path: FilePath[str]) -> None:
    """Save a child's output next to the test, and show it when the test did not pass."""
    path.setContent(process.output().encode())
    # trial sets _passed once the test method succeeded; cleanups run after that.
    if getattr(testcase, "_passed", False) is not True and testcase.getTodo() is None:
        sys.stderr.write(f"\n--- {what} ({testcase.id()}) ---\n{process.output()}\n")


def _environment(overrides: Mapping[str, str] | None) -> dict[str, str]:
    """This process's environment, without inherited ``kuzzle_*`` settings, plus ``overrides``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("kuzzle_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides or {})
    return env


class KuzzleServer:
    """One ``twistd kuzzle`` child process."""

    def __init__(self, process: _Process, port: int, directory: FilePath[str]) -> None:
        self.process = process
        self.port = port
        self.directory = directory

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def exit_code(self) -> int | None:
        return self.process.exit_code

    def log(self) -> str:
        return self.process.output()

    async def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM and wait for the exit; the exit code (None after a SIGKILL)."""
        await self.process.terminate(timeout)
        return self.process.exit_code


def _spawn_server(
    testcase: TestCase,
    port: int,
    config: Mapping[str, Any] | str | None,
    env: Mapping[str, str] | None,
    args: Sequence[str] | None,
    data_dir: FilePath[str] | str | None = None,
) -> tuple[_Process, FilePath[str]]:
    directory = FilePath(testcase.mktemp())
    directory.makedirs()
    argv = [sys.executable, *TWISTD, "-n", "--pidfile=", "kuzzle"]
    if data_dir is None:
        data_dir = directory.child("data")
    argv += ["--data-dir", data_dir if isinstance(data_dir, str) else data_dir.path]
    if args is None:
        argv += ["--port", str(port)]
    else:
        argv += list(args)
    if config is not None:
        text = config if isinstance(config, str) else json.dumps(config, indent=2)
        config_file = directory.child("kuzzlerc.json")
        config_file.setContent(text.encode())
        argv += ["--config", config_file.path]
    process = _Process()
    # The temporary directory is the working directory, so no ./kuzzlerc.json is picked up.
    reactor.spawnProcess(process, sys.executable, argv, env=_environment(env), path=directory.path)
    return process, directory


async def start_server(
    testcase: TestCase,
    config: Mapping[str, Any] | str | None = None,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] | None = None,
    port: int | None = None,
    healthcheck: bool = True,
    data_dir: FilePath[str] | str | None = None,
) -> KuzzleServer:
    """
    Start ``twistd kuzzle`` on a free port (``--port`` unless ``args`` replaces it) and wait
    until it answers ``GET /_healthcheck`` with 200 (or, with ``healthcheck=False``, until the
    port accepts connections). The test stops it on cleanup and shows its log on failure.
    ``--data-dir`` is ``data_dir`` when given (e.g. to restart on the same data), else a new
    ``data`` directory beside the server's log.
    """
    port = free_port() if port is None else port
    process, directory = _spawn_server(testcase, port, config, env, args, data_dir)
    server = KuzzleServer(process, port, directory)

    async def cleanup() -> None:
        await process.terminate()
        _keep_log(testcase, f"server on port {port}", process, directory.child("server.log"))

    testcase.addCleanup(cleanup)

    async def ready() -> bool:
        if not process.running:
            raise E2EError(
                f"the server exited with code {process.exit_code} while starting:\n{server.log()}"
            )
        if healthcheck:
            try:
                response = await http_request(
                    testcase, "GET", f"{server.url}/_healthcheck", timeout=2
                )
            except Exception:  # refused, reset, timed out: not ready yet
                return False
            return response.code == 200
        return await port_open(port)

    try:
        await poll(ready, START_TIMEOUT, f"the server on port {port}")
    except E2EError as error:
        raise E2EError(f"{error}\n--- server log ---\n{server.log()}")
    return server


async def run_server_to_exit(
    testcase: TestCase,
    config: Mapping[str, Any] | str | None = None,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] | None = None,
) -> tuple[int | None, str, KuzzleServer]:
    """Start a server expected to refuse to start; its exit code and whole output."""
    port = free_port()
    process, directory = _spawn_server(testcase, port, config, env, args)
    testcase.addCleanup(process.terminate)
    try:
        code = await process.ended(START_TIMEOUT, "the server to refuse to start")
    except E2EError as error:
        raise E2EError(f"{error}\n--- server log ---\n{process.output()}")
    return code, process.output(), KuzzleServer(process, port, directory)


# -- raw TCP ------------------------------------------------------------------------------


class RawClient(Protocol):
    """A TCP client that records what it receives and when the connection ends."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.connected_at = 0.0
        self.closed_at: float | None = None

    def connectionMade(self) -> None:  # noqa: N802
        self.connected_at = now()

    def dataReceived(self, data: bytes) -> None:  # noqa: N802
        self.received += data

    def connectionLost(self, reason: Failure = connectionDone) -> None:  # noqa: N802
        self.closed_at = now()

    def send(self, data: bytes) -> None:
        cast(ITCPTransport, self.transport).write(data)

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def close(self) -> None:
        if not self.closed:
            cast(ITCPTransport, self.transport).abortConnection()


async def raw_connect(testcase: TestCase, port: int) -> RawClient:
    endpoint = TCP4ClientEndpoint(reactor, HOST, port, timeout=5)
    client: RawClient = await connectProtocol(endpoint, RawClient())

    async def cleanup() -> None:
        client.close()
        await poll(lambda: client.closed, 5, "the raw client to close")

    testcase.addCleanup(cleanup)
    return client


async def port_open(port: int) -> bool:
    endpoint = TCP4ClientEndpoint(reactor, HOST, port, timeout=2)
    try:
        client = await connectProtocol(endpoint, RawClient())
    except ConnectError:
        return False
    client.close()
    await poll(lambda: client.closed, 5, "the probe connection to close")
    return True


# -- HTTP through a plain Agent ------------------------------------------------------------
# (treq would add Accept-Encoding: gzip to every request and decode the answer.)


@implementer(IBodyProducer)
class _BytesProducer:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self.length = len(data)

    def startProducing(self, consumer: Any) -> Deferred[None]:  # noqa: N802
        consumer.write(self._data)
        return succeed(None)

    def pauseProducing(self) -> None:  # noqa: N802
        pass

    def resumeProducing(self) -> None:  # noqa: N802
        pass

    def stopProducing(self) -> None:  # noqa: N802
        pass


def _agent(testcase: TestCase) -> Agent:
    agent = getattr(testcase, "_e2e_agent", None)
    if agent is None:
        pool = HTTPConnectionPool(reactor, persistent=True)
        agent = Agent(reactor, connectTimeout=5, pool=pool)
        testcase._e2e_agent = agent  # type: ignore[attr-defined]
        testcase.addCleanup(pool.closeCachedConnections)
    return agent


class HttpResponse:
    def __init__(self, code: int, headers: Headers, body: bytes) -> None:
        self.code = code
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        values = self.headers.getRawHeaders(name)
        return None if not values else values[0]

    def json(self) -> Any:
        return json.loads(self.body)


async def http_request(
    testcase: TestCase,
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> HttpResponse:
    """One HTTP request; the response with its whole body, as sent (not decompressed)."""
    sent = Headers({name: [value] for name, value in (headers or {}).items()})
    producer = None if body is None else _BytesProducer(body)
    answer = _agent(testcase).request(method.encode(), url.encode(), sent, producer)
    response = await answer.addTimeout(timeout, reactor)
    content = await readBody(response).addTimeout(timeout, reactor)
    return HttpResponse(response.code, response.headers, content)


# -- node scripts ---------------------------------------------------------------------------


class NodeScript:
    """A running ``node tests/e2e/js/<script>``; its last stdout line is a JSON report."""

    def __init__(self, process: _Process, name: str) -> None:
        self.process = process
        self.name = name

    def lines(self) -> list[str]:
        return bytes(self.process.stdout).decode("utf-8", "replace").splitlines()

    def events(self) -> list[dict[str, Any]]:
        found = []
        for line in self.lines():
            try:
                found.append(json.loads(line))
            except ValueError:
                pass
        return found

    async def wait_for_event(self, name: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until the script prints a JSON line with ``"event": name``."""

        def seen() -> dict[str, Any] | None:
            for event in self.events():
                if event.get("event") == name:
                    return event
            if not self.process.running:
                raise E2EError(f"{self.name} ended before {name!r}:\n{self.process.output()}")
            return None

        try:
            found: dict[str, Any] = await poll(seen, timeout, f"{self.name} to report {name!r}")
            return found
        except E2EError as error:
            raise E2EError(f"{error}\n{self.process.output()}")

    async def result(self, timeout: float = NODE_TIMEOUT) -> dict[str, Any]:
        """Wait for the script to exit by itself and return its last line, parsed."""
        try:
            await self.process.ended(timeout, f"{self.name} to finish")
        except E2EError as error:
            self.process.signal("KILL")
            raise E2EError(f"{error}\n{self.process.output()}")
        lines = [line for line in self.lines() if line.strip()]
        try:
            report = json.loads(lines[-1])
        except (IndexError, ValueError):
            raise E2EError(f"{self.name} printed no JSON report:\n{self.process.output()}")
        if self.process.exit_code != 0 or not isinstance(report, dict):
            raise E2EError(
                f"{self.name} exited with code {self.process.exit_code}:\n{self.process.output()}"
            )
        return report


def start_node(testcase: TestCase, script: str, *args: object) -> NodeScript:
    node = shutil.which("node")
    if node is None:
        raise SkipTest("node is not installed")
    if not JS_DIR.sibling("node_modules").child("kuzzle-sdk").exists():
        raise SkipTest("tests/e2e/node_modules is missing: run npm ci in tests/e2e")
    process = _Process()
    argv = [node, JS_DIR.child(script).path, *(str(arg) for arg in args)]
    reactor.spawnProcess(process, node, argv, env=dict(os.environ), path=JS_DIR.path)

    async def cleanup() -> None:
        await process.terminate(5)
        log = FilePath(f"{testcase.mktemp()}-{script}.log")
        _keep_log(testcase, f"node {script}", process, log)

    testcase.addCleanup(cleanup)
    return NodeScript(process, script)


async def run_node(
    testcase: TestCase, script: str, *args: object, timeout: float = NODE_TIMEOUT
) -> dict[str, Any]:
    """Run a node script to its end; its JSON report."""
    return await start_node(testcase, script, *args).result(timeout)


class E2ETestCase(TestCase):
    """Base class: one real server per test, started on demand."""

    timeout = 90

    async def server(self, **kwargs: Any) -> KuzzleServer:
        return await start_server(self, **kwargs)

    async def node(self, script: str, *args: object, timeout: float = NODE_TIMEOUT) -> Any:
        """Run ``tests/e2e/js/<script>`` to its end; its JSON report."""
        return await run_node(self, script, *args, timeout=timeout)

    def start_node(self, script: str, *args: object) -> NodeScript:
        """Start ``tests/e2e/js/<script>`` and return at once."""
        return start_node(self, script, *args)

    async def fetch(self, method: str, url: str, **kwargs: Any) -> HttpResponse:
        return await http_request(self, method, url, **kwargs)

    async def get(self, server: KuzzleServer, path: str, **kwargs: Any) -> HttpResponse:
        return await http_request(self, "GET", server.url + path, **kwargs)

    async def request(
        self, server: KuzzleServer, method: str, path: str, **kwargs: Any
    ) -> HttpResponse:
        return await http_request(self, method, server.url + path, **kwargs)


__all__ = [
    "E2EError",
    "E2ETestCase",
    "HttpResponse",
    "KuzzleServer",
    "free_port",
    "http_request",
    "now",
    "pause",
    "poll",
    "raw_connect",
    "run_node",
    "run_server_to_exit",
    "start_node",
    "start_server",
]
