"""Storage work batched per reactor turn (`kuzzle_tx.storage.batches`)."""

from __future__ import annotations

from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from kuzzle_tx.storage.batches import ThreadBatches, run_each


class _Reactor(Clock):
    """A Clock whose callFromThread runs at once (the 'thread' is this one)."""

    def callFromThread(self, f: Any, *args: Any) -> None:  # noqa: N802
        f(*args)


class _Pool:
    """Records the batches handed to it and runs them when told."""

    def __init__(self) -> None:
        self.queued: list[tuple[Any, tuple[Any, ...]]] = []

    def callInThread(self, f: Any, *args: Any) -> None:  # noqa: N802
        self.queued.append((f, args))

    def run_all(self) -> None:
        while self.queued:
            f, args = self.queued.pop(0)
            f(*args)


class ThreadBatchesTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.reactor = _Reactor()
        self.pool = _Pool()
        self.batches: list[int] = []

    def runner(self, jobs: list[Any]) -> list[Any]:
        self.batches.append(len(jobs))
        return run_each(jobs)

    def test_one_turn_one_batch(self) -> None:
        """Jobs submitted in one reactor turn go to the pool as one batch, results in order."""
        batches = ThreadBatches(self.reactor, self.pool, self.runner)  # type: ignore[arg-type]
        done = [batches.submit(lambda i=i: i * 2) for i in range(5)]
        self.assertEqual(self.pool.queued, [])
        self.reactor.advance(0)
        self.assertEqual(len(self.pool.queued), 1)
        self.pool.run_all()
        self.assertEqual([self.successResultOf(d) for d in done], [0, 2, 4, 6, 8])
        self.assertEqual(self.batches, [5])

    def test_failures_are_per_job(self) -> None:
        """A job that raises fails its own Deferred only."""
        batches = ThreadBatches(self.reactor, self.pool, self.runner)  # type: ignore[arg-type]
        good = batches.submit(lambda: "ok")
        bad = batches.submit(lambda: 1 / 0)
        self.reactor.advance(0)
        self.pool.run_all()
        self.assertEqual(self.successResultOf(good), "ok")
        self.failureResultOf(bad, ZeroDivisionError)

    def test_runner_failure_fails_the_batch(self) -> None:
        """When the batch itself fails (a commit, say), every job of it fails."""

        def broken(jobs: list[Any]) -> list[Any]:
            raise OSError("disk full")

        batches = ThreadBatches(self.reactor, self.pool, broken)  # type: ignore[arg-type]
        done = [batches.submit(lambda: 1), batches.submit(lambda: 2)]
        self.reactor.advance(0)
        self.pool.run_all()
        for deferred in done:
            self.failureResultOf(deferred, OSError)

    def test_batches_are_bounded(self) -> None:
        """A turn with more jobs than max_batch is split into several batches."""
        batches = ThreadBatches(
            self.reactor,
            self.pool,  # type: ignore[arg-type]
            self.runner,
            max_batch=2,
            in_flight=3,
        )
        done = [batches.submit(lambda i=i: i) for i in range(5)]
        self.reactor.advance(0)
        self.assertEqual(len(self.pool.queued), 3)
        self.pool.run_all()
        self.assertEqual(self.batches, [2, 2, 1])
        self.assertEqual([self.successResultOf(d) for d in done], list(range(5)))

    def test_next_turn_next_batch(self) -> None:
        """Jobs submitted after a flush start a new batch."""
        batches = ThreadBatches(self.reactor, self.pool, self.runner)  # type: ignore[arg-type]
        batches.submit(lambda: 1)
        self.reactor.advance(0)
        batches.submit(lambda: 2)
        self.reactor.advance(0)
        self.pool.run_all()
        self.assertEqual(self.batches, [1, 1])

    def test_jobs_wait_for_a_free_thread(self) -> None:
        """
        While every thread has a batch, new jobs wait and leave together as soon as a
        batch comes back: batches grow with the load.
        """
        batches = ThreadBatches(self.reactor, self.pool, self.runner)  # type: ignore[arg-type]
        first = batches.submit(lambda: 0)
        self.reactor.advance(0)
        waiting = []
        for turn in range(3):
            waiting.append(batches.submit(lambda turn=turn: turn + 1))
            self.reactor.advance(0)
        self.assertEqual(len(self.pool.queued), 1)
        self.pool.run_all()
        self.assertEqual(self.batches, [1, 3])
        self.assertEqual(self.successResultOf(first), 0)
        self.assertEqual([self.successResultOf(d) for d in waiting], [1, 2, 3])
