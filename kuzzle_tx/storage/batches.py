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
    ) -> None:
        self._reactor = reactor
        self._pool = pool
        self._runner = runner
        self._max_batch = max_batch
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
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), self._max_batch):
            batch = pending[start : start + self._max_batch]
            self._pool.callInThread(self._run, batch)

    def _run(self, batch: list[tuple[Job, Deferred[Any]]]) -> None:
        try:
            results = self._runner([job for job, _ in batch])
        except BaseException:
            failure = Failure()
            results = [failure] * len(batch)
        self._reactor.callFromThread(_deliver, batch, results)


def _deliver(batch: list[tuple[Job, Deferred[Any]]], results: list[Any]) -> None:
    for (_, done), result in zip(batch, results, strict=True):
        if isinstance(result, Failure):
            done.errback(result)
        else:
            done.callback(result)
