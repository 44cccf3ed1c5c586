"""The request pipeline: lookup, errors, the bounded queue, SDK checks, shutdown."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.api.controller import Controller
from kuzzle_tx.api.funnel import Funnel, check_sdk_version
from kuzzle_tx.api.request import Connection, Request, request_from_payload
from kuzzle_tx.errors import KuzzleError

CONNECTION = Connection("c1", "websocket")


class Sample(Controller):
    name = "sample"
    ACTIONS = ("plain", "later", "coroutine", "broken", "refuse")

    def __init__(self) -> None:
        self.waiting: list[Deferred[Any]] = []

    def plain(self, request: Request) -> Any:
        return {"echo": request.input.args.get("value")}

    def later(self, request: Request) -> Deferred[Any]:
        waiting: Deferred[Any] = Deferred()
        self.waiting.append(waiting)
        return waiting

    async def coroutine(self, request: Request) -> Any:
        return await self.later(request)

    def broken(self, request: Request) -> Any:
        raise RuntimeError("secret detail")

    def refuse(self, request: Request) -> Any:
        raise KuzzleError("api.assert.missing_argument", "thing")


def make_request(action: str, connection: Connection = CONNECTION, **extra: Any) -> Request:
    payload = {"controller": "sample", "action": action, **extra}
    return request_from_payload(payload, connection, 0)


class FunnelTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.sample = Sample()
        self.funnel = Funnel([self.sample], concurrent_requests=2, buffer_size=2)

    def run_request(self, request: Request) -> Request:
        return self.successResultOf(self.funnel.execute(request))

    def test_plain_result(self) -> None:
        """A plain return value becomes the result, status 200."""
        done = self.run_request(make_request("plain", value=3))
        self.assertEqual((done.status, done.result), (200, {"echo": 3}))

    def test_unknown_controller_and_action(self) -> None:
        """Unknown controller and action give Kuzzle's 404 ids with their props."""
        done = self.run_request(
            request_from_payload({"controller": "x", "action": "y"}, CONNECTION, 0)
        )
        self.assertEqual(done.error.id, "api.process.controller_not_found")
        done = self.run_request(make_request("nope"))
        self.assertEqual(done.error.id, "api.process.action_not_found")
        self.assertEqual(done.error.props, ["sample", "nope"])
        self.assertEqual(done.status, 404)

    def test_kuzzle_error(self) -> None:
        """A KuzzleError raised by an action is the response's error."""
        done = self.run_request(make_request("refuse"))
        self.assertEqual(done.error.id, "api.assert.missing_argument")
        self.assertEqual(done.status, 400)

    def test_unexpected_error_hides_details(self) -> None:
        """A bug answers 500 without its message or stack, and is logged."""
        done = self.run_request(make_request("broken"))
        self.assertEqual(done.status, 500)
        self.assertNotIn("secret", done.error.message)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    def test_deferred_and_coroutine_actions(self) -> None:
        """Deferred and coroutine actions answer when they fire."""
        pending = self.funnel.execute(make_request("later"))
        coroutine = self.funnel.execute(make_request("coroutine"))
        self.assertNoResult(pending)
        self.assertNoResult(coroutine)
        self.sample.waiting[0].callback("one")
        self.sample.waiting[1].callback("two")
        self.assertEqual(self.successResultOf(pending).result, "one")
        self.assertEqual(self.successResultOf(coroutine).result, "two")

    def test_queue_then_overload(self) -> None:
        """Past concurrentRequests requests wait in a bounded queue; past it: 503."""
        running = [self.funnel.execute(make_request("later")) for _ in range(2)]
        queued = [self.funnel.execute(make_request("plain")) for _ in range(2)]
        self.assertEqual(self.funnel.pending, 2)
        self.assertTrue(self.funnel.overloaded)
        refused = self.run_request(make_request("plain"))
        self.assertEqual(refused.error.id, "api.process.overloaded")
        self.assertEqual(refused.status, 503)
        for deferred in queued:
            self.assertNoResult(deferred)
        self.sample.waiting[0].callback(None)
        self.assertEqual(self.successResultOf(queued[0]).status, 200)
        self.assertEqual(self.successResultOf(queued[1]).status, 200)
        self.assertNoResult(running[1])
        self.assertEqual(self.funnel.pending, 0)

    def test_queued_request_of_a_gone_connection(self) -> None:
        """A queued request whose connection went away is dropped, not executed."""
        alive = {"c1"}
        self.funnel.connection_alive = alive.__contains__
        for _ in range(2):
            self.funnel.execute(make_request("later"))
        gone = Connection("c2", "websocket")
        queued = self.funnel.execute(make_request("plain", connection=gone))
        self.sample.waiting[0].callback(None)
        self.assertEqual(self.successResultOf(queued).error.id, "api.process.connection_dropped")

    def test_shutdown(self) -> None:
        """While shutting down new requests get 503; drained() waits for those in flight."""
        pending = self.funnel.execute(make_request("later"))
        self.funnel.shutting_down = True
        refused = self.run_request(make_request("plain"))
        self.assertEqual(refused.error.id, "api.process.shutting_down")
        drained = self.funnel.drained()
        self.assertNoResult(drained)
        self.sample.waiting[0].callback(1)
        self.successResultOf(pending)
        self.successResultOf(drained)

    def test_implemented(self) -> None:
        """implemented() lists every controller:action pair."""
        self.assertIn(("sample", "later"), self.funnel.implemented())
        self.assertEqual(len(self.funnel.implemented()), len(Sample.ACTIONS))


class SdkVersionTests(SynchronousTestCase):
    def test_current_js_sdk_passes(self) -> None:
        """The official SDK 7.x (a beta version string included) passes."""
        check_sdk_version({"sdkName": "js@7.17.1-beta.1", "sdkInstanceId": "x"})
        check_sdk_version({"sdkName": "unknown@1.0.0"})
        check_sdk_version({"sdkName": "js"})
        check_sdk_version(None)

    def test_old_sdk_refused(self) -> None:
        """An SDK below its minimum major gets 400 incompatible_sdk_version."""
        error = self.assertRaises(KuzzleError, check_sdk_version, {"sdkName": "js@6.2.1"})
        self.assertEqual(error.id, "api.process.incompatible_sdk_version")
        self.assertEqual(error.code, 33685510)
        self.assertEqual(
            error.message,
            "Incompatible SDK client. Your SDK version (6.2.1) does not match Kuzzle "
            "requirement (min: 7, max: none).",
        )

    def test_v1_sdk_refused(self) -> None:
        """A v1 SDK (volatile.sdkVersion) is always refused."""
        error = self.assertRaises(KuzzleError, check_sdk_version, {"sdkVersion": "5.0"})
        self.assertIn("Kuzzle v2", error.message)

    def test_strict_off(self) -> None:
        """With strictSdkVersion false, old SDKs are served."""
        funnel = Funnel([Sample()], strict_sdk_version=False)
        request = make_request("plain", volatile={"sdkName": "js@5.0.0"})
        self.assertEqual(self.successResultOf(funnel.execute(request)).status, 200)
        strict = Funnel([Sample()])
        request = make_request("plain", volatile={"sdkName": "js@5.0.0"})
        self.assertEqual(self.successResultOf(strict.execute(request)).status, 400)
