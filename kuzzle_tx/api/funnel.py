# -*- test-case-name: tests.api.test_funnel -*-
"""
The request pipeline, in Kuzzle's order, so that errors take the same precedence:

envelope checks → shutdown → throttle (bounded queue) → connection still there →
gate (authentication and rights; anonymous and open until security exists) →
controller/action lookup → SDK version check → the action itself.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from types import CoroutineType
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from kuzzle_tx.api.controller import Action, Controller
from kuzzle_tx.api.request import Request
from kuzzle_tx.errors import KuzzleError, internal_error
from kuzzle_tx.interfaces import IGate
from kuzzle_tx.network.cors import OriginPolicy

# Minimum major version per SDK name (Kuzzle's sdkCompatibility table).
SDK_MIN_MAJOR: Mapping[str, int] = {
    "js": 7,
    "csharp": 2,
    "cpp": 2,
    "java": 3,
    "android": 5,
    "go": 3,
    "php": 4,
}


class Funnel:
    log = Logger()

    def __init__(
        self,
        controllers: Iterable[Controller],
        *,
        concurrent_requests: int = 100,
        buffer_size: int = 50000,
        buffer_warning_threshold: int = 5000,
        strict_sdk_version: bool = True,
        gate: IGate | None = None,
        connection_alive: Callable[[str], bool] = lambda _id: True,
        origin_policy: OriginPolicy | None = None,
    ) -> None:
        self._actions: dict[str, Mapping[str, Action]] = {}
        for controller in controllers:
            self._actions[controller.name] = controller.actions()
        # Kuzzle's alias for the memory storage controller.
        if "ms" in self._actions:
            self._actions["memoryStorage"] = self._actions["ms"]
        self._concurrent = concurrent_requests
        self._buffer_size = buffer_size
        self._warning_threshold = buffer_warning_threshold
        self._strict_sdk = strict_sdk_version
        # No gate: every caller is anonymous with every right (Kuzzle's first start).
        self._gate = gate
        self.connection_alive = connection_alive
        self._origins = origin_policy
        self._check_origin = origin_policy is not None and not origin_policy.allow_all
        self._queue: deque[tuple[Request, Callable[[Request], object]]] = deque()
        self._idle_waiters: list[Deferred[None]] = []
        self.running = 0
        self.completed = 0
        self.failed = 0
        self.shutting_down = False

    # -- introspection (server:publicApi, server:metrics, /_ready) --------------------

    def implemented(self) -> set[tuple[str, str]]:
        return {
            (controller, action)
            for controller, actions in self._actions.items()
            if controller != "memoryStorage"
            for action in actions
        }

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def overloaded(self) -> bool:
        return len(self._queue) >= self._buffer_size

    # -- execution --------------------------------------------------------------------

    def execute(self, request: Request) -> Deferred[Request]:
        """Run a request; the Deferred always fires with it, result or error set."""
        finished: Deferred[Request] = Deferred()
        self.submit(request, finished.callback)
        return finished

    def submit(self, request: Request, respond: Callable[[Request], object]) -> None:
        """
        Run a request and call ``respond(request)`` once it has its result or error.

        The protocols use this form: a synchronous action answers without any
        Deferred being built, which matters on the per-message hot path.
        """
        if request.error is None and (self._check_origin or self.shutting_down):
            error = self._refusal(request)
            if error is not None:
                request.set_error(error)
        if request.error is not None:
            respond(request)
        elif self.running < self._concurrent:
            self._run(request, respond)
        elif len(self._queue) >= self._buffer_size:
            request.set_error(KuzzleError("api.process.overloaded"))
            respond(request)
        else:
            self._queue.append((request, respond))
            if len(self._queue) == self._warning_threshold:
                self.log.warn(
                    "Overload: {pending} requests waiting (limits.requestsBufferWarningThreshold)",
                    pending=len(self._queue),
                )

    def _refusal(self, request: Request) -> KuzzleError | None:
        if self._origins is not None and self._check_origin:
            origin = request.connection.headers.get("origin")
            if not self._origins.allows(origin):
                return KuzzleError("api.process.unauthorized_origin", origin)
        if self.shutting_down:
            return KuzzleError("api.process.shutting_down")
        return None

    def _run(self, request: Request, respond: Callable[[Request], object]) -> None:
        self.running += 1
        try:
            outcome = self._process(request)
        except KuzzleError as error:
            request.set_error(error)
        except Exception:
            self._fail_unexpectedly(request, Failure())
        else:
            if isinstance(outcome, Deferred):
                outcome.addCallbacks(
                    request.set_result, lambda failure: self._fail(request, failure)
                )
                outcome.addCallback(lambda _: self._done(request, respond))
                return
            request.result = outcome
            request.status = 200
        self._done(request, respond)

    def _process(self, request: Request) -> Any:
        if self._gate is not None:
            admitted = self._gate.admit(request)
            if admitted is not None:
                return admitted.addCallback(lambda _: self._act(request))
        return self._act(request)

    def _act(self, request: Request) -> Any:
        controller, action = request.input.controller, request.input.action
        actions = self._actions.get(controller)  # type: ignore[arg-type]
        if actions is None:
            raise KuzzleError("api.process.controller_not_found", controller)
        handler = actions.get(action)  # type: ignore[arg-type]
        if handler is None:
            raise KuzzleError("api.process.action_not_found", controller, action)
        volatile = request.input.volatile
        if volatile and self._strict_sdk:
            check_sdk_version(volatile)
        outcome = handler(request)
        if type(outcome) is CoroutineType:
            return Deferred.fromCoroutine(outcome)
        return outcome

    def _fail(self, request: Request, failure: Failure) -> None:
        if isinstance(failure.value, KuzzleError):
            request.set_error(failure.value)
        else:
            self._fail_unexpectedly(request, failure)

    def _fail_unexpectedly(self, request: Request, failure: Failure) -> None:
        self.log.failure(
            "Unexpected error in {controller}:{action}",
            failure,
            controller=request.input.controller,
            action=request.input.action,
        )
        request.set_error(internal_error("internal error"))

    def _done(self, request: Request, respond: Callable[[Request], object]) -> None:
        self.running -= 1
        if request.error is None:
            self.completed += 1
        else:
            self.failed += 1
        try:
            respond(request)
        except Exception:
            self.log.failure("Sending a response failed")
        while self._queue and self.running < self._concurrent:
            queued, respond_later = self._queue.popleft()
            # A request that waited may have outlived its connection (Kuzzle's order:
            # throttle, then "connection still alive").
            if self.connection_alive(queued.connection.id):
                self._run(queued, respond_later)
            else:
                queued.set_error(KuzzleError("api.process.connection_dropped"))
                self.failed += 1
                respond_later(queued)
        if self._idle_waiters and self.running == 0 and not self._queue:
            waiters, self._idle_waiters = self._idle_waiters, []
            for waiter in waiters:
                waiter.callback(None)

    def drained(self) -> Deferred[None]:
        """Fires when no request is running or queued (for graceful shutdown)."""
        if self.running == 0 and not self._queue:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._idle_waiters.append(waiter)
        return waiter


def check_sdk_version(volatile: Mapping[str, Any] | None) -> None:
    """Refuse SDKs older than the minimum major version (``server.strictSdkVersion``)."""
    if not volatile:
        return
    if volatile.get("sdkVersion"):
        raise KuzzleError(
            "api.process.incompatible_sdk_version", volatile["sdkVersion"], "Kuzzle v2"
        )
    sdk_name = volatile.get("sdkName")
    if isinstance(sdk_name, str):
        refusal = _sdk_refusal(sdk_name)
        if refusal is not None:
            raise KuzzleError("api.process.incompatible_sdk_version", *refusal)


@functools.lru_cache(maxsize=256)
def _sdk_refusal(sdk_name: str) -> tuple[str, str] | None:
    """(version, requirement) when this ``name@version`` is too old; cached: SDKs repeat it."""
    name, _, version = sdk_name.partition("@")
    minimum = SDK_MIN_MAJOR.get(name)
    if not version or minimum is None:
        return None
    major = _leading_int(version)
    if major is not None and major < minimum:
        return version, f"min: {minimum}, max: none"
    return None


def _leading_int(version: str) -> int | None:
    digits = ""
    for char in version:
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None
