"""The batched timer that carries autobahn's per-socket timeouts on our clock."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.network.timers import BUCKET, BatchedTimer


class BatchedTimerTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000.03)
        self.timer = BatchedTimer(self.clock)
        self.fired: list[str] = []

    def test_never_early_at_most_one_bucket_late(self) -> None:
        """A call runs no earlier than its delay and no later than one bucket after."""
        self.timer.call_later(1.0, self.fired.append, "a")
        self.clock.advance(0.999)
        self.assertEqual(self.fired, [])
        self.clock.advance(BUCKET)
        self.assertEqual(self.fired, ["a"])

    def test_calls_share_reactor_timers(self) -> None:
        """A thousand calls due in the same slot use one reactor timer."""
        for n in range(1000):
            self.timer.call_later(5.0 + n / 100_000, self.fired.append, str(n))
        self.assertLessEqual(len(self.clock.getDelayedCalls()), 2)
        self.clock.advance(5.0 + BUCKET)
        self.assertEqual(len(self.fired), 1000)

    def test_cancel(self) -> None:
        """A cancelled call does not run; cancelling after it ran is harmless."""
        cancelled = self.timer.call_later(1.0, self.fired.append, "cancelled")
        ran = self.timer.call_later(1.0, self.fired.append, "ran")
        cancelled.cancel()
        self.clock.advance(2)
        ran.cancel()
        self.assertEqual(self.fired, ["ran"])
        self.assertEqual(self.timer.pending, 0)

    def test_failing_call(self) -> None:
        """A call that raises is logged and does not stop the others of its slot."""

        def boom() -> None:
            raise ZeroDivisionError()

        self.timer.call_later(1.0, boom)
        self.timer.call_later(1.0, self.fired.append, "after")
        self.clock.advance(2)
        self.assertEqual(self.fired, ["after"])
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
