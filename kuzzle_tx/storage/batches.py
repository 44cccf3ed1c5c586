# -*- test-case-name: tests.storage.test_batches -*-
"""
Storage work sent to threads in batches: the jobs submitted during one reactor
turn go to a thread together and come back together.

A job per thread hop costs a queue hand-off, a wake-up of the reactor and two
GIL hand-overs; under load, dozens of requests arrive in one turn, and one hop
for all of them is what lets the API keep up with the store. For writes, a batch
is also one transaction: one commit for every write of the turn (group commit),
each job inside its own savepoint so that one job's failure undoes only its own
statements.

At most ``in_flight`` batches are out at a time (one per thread): while the
threads are busy, new jobs wait and leave together with the next batch, so
batches grow with the load instead of queueing up one small batch per turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

T = TypeVar("T")
Job = Callable[[], Any]
# Runs a batch's jobs in the thread; returns one result or Failure per job.
BatchRunner = Callable[[list[Job]], list[Any]]


def run_each(jobs: list[Job]) -> list[Any]:
    """Run jobs one after the other, catching each one's failure."""
    results: list[Any] = []
    for job in jobs:
        try:
            results.append(job())
        except BaseException:
            results.append(Failure())
    return results


class ThreadBatches:
    def __init__(
        self,
        reactor: Any,
        pool: ThreadPool,
        runner: BatchRunner = run_each,
        max_batch: int = 256,
        in_flight: int = 1,
    ) -> None:
        self._reactor = reactor
        self._pool = pool
        self._runner = runner
        self._max_batch = max_batch
        self._max_in_flight = in_flight
        self._in_flight = 0
        self._pending: list[tuple[Job, Deferred[Any]]] = []
        self._flush_scheduled = False

    def submit(self, job: Callable[[], T]) -> Deferred[T]:
        """Run ``job`` on the pool with the others of this reactor turn."""
        done: Deferred[T] = Deferred()
        self._pending.append((job, done))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._reactor.callLater(0, self._flush)
        return done

    def _flush(self) -> None:
        self._flush_scheduled = False
        while self._pending and self._in_flight < self._max_in_flight:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            self._in_flight += 1
            self._pool.callInThread(self._run, batch)

    def _run(self, batch: list[tuple[Job, Deferred[Any]]]) -> None:
        try:
            results = self._runner([job for job, _ in batch])
        except BaseException:
            failure = Failure()
            results = [failure] * len(batch)
        self._reactor.callFromThread(self._deliver, batch, results)

    def _deliver(self, batch: list[tuple[Job, Deferred[Any]]], results: list[Any]) -> None:
        self._in_flight -= 1
        # The jobs that waited for a free thread leave now, before the callbacks add more.
        self._flush()
        for (_, done), result in zip(batch, results, strict=True):
            if isinstance(result, Failure):
                done.errback(result)
            else:
                done.callback(result)
