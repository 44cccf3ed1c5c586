"""
Koncorde matching throughput against the number of rooms of a collection.

Run: ``.venv/bin/python -m tests.realtime.koncorde_bench [--seconds 3] [--rounds 5]``

For 1, 10, 1,000 and 10,000 rooms of distinct filters on one collection, it
measures ``Koncorde.test()`` calls per second (best of several alternated
rounds, to resist a busy machine) on documents that each match one room, and
prints the ratio of the throughput with 10,000 rooms to the throughput with 1
room (the issue asks for at least 0.5). Families:

- ``equals``: room i is ``{equals: {name: "user-<i>"}}``;
- ``range``: room i is ``{range: {age: {gte: 10 i, lt: 10 i + 10}}}``;
- ``mixed``: room i is ``{and: [{equals: {kind: "k<i % 10>"}}, {range: ...}]}``.

Not a test module (no ``test_`` prefix): trial does not collect it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from kuzzle_tx.realtime.koncorde import Koncorde

SIZES = (1, 10, 1000, 10_000)
INDEX, COLLECTION = "bench", "items"


def equals_filter(i: int) -> dict[str, Any]:
    return {"equals": {"name": f"user-{i}"}}


def equals_document(i: int) -> dict[str, Any]:
    return {"name": f"user-{i}", "age": 42, "city": "Montpellier", "tags": ["a", "b"]}


def range_filter(i: int) -> dict[str, Any]:
    return {"range": {"age": {"gte": 10 * i, "lt": 10 * i + 10}}}


def range_document(i: int) -> dict[str, Any]:
    return {"name": "someone", "age": 10 * i + 5, "city": "Montpellier", "tags": ["a"]}


def mixed_filter(i: int) -> dict[str, Any]:
    return {"and": [{"equals": {"kind": f"k{i % 10}"}}, range_filter(i)]}


def mixed_document(i: int) -> dict[str, Any]:
    return {"kind": f"k{i % 10}", "age": 10 * i + 5, "name": "someone"}


FAMILIES: dict[str, tuple[Callable[[int], Any], Callable[[int], Any]]] = {
    "equals": (equals_filter, equals_document),
    "range": (range_filter, range_document),
    "mixed": (mixed_filter, mixed_document),
}


def prepare(rooms: int, family: str) -> tuple[Koncorde, list[dict[str, Any]]]:
    """A Koncorde holding ``rooms`` rooms of the family, and documents to test."""
    make_filter, make_document = FAMILIES[family]
    koncorde = Koncorde(max_conditions=0)
    for i in range(rooms):
        koncorde.store(koncorde.normalize(INDEX, COLLECTION, make_filter(i)))
    assert koncorde.room_count == rooms
    chooser = random.Random(1)
    return koncorde, [make_document(chooser.randrange(rooms)) for _ in range(1000)]


def throughput(koncorde: Koncorde, documents: list[dict[str, Any]], seconds: float) -> float:
    """``test()`` calls per second over ``seconds``."""
    test = koncorde.test
    calls = 0
    started = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        for document in documents:
            if len(test(INDEX, COLLECTION, document, "some-id")) != 1:
                raise AssertionError("each document should match exactly one room")
        calls += len(documents)
        elapsed = time.perf_counter() - started
    return calls / elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per family and size")
    parser.add_argument("--rounds", type=int, default=5, help="alternated measures (best kept)")
    options = parser.parse_args(argv)
    for family in FAMILIES:
        engines = {size: prepare(size, family) for size in SIZES}
        best = dict.fromkeys(SIZES, 0.0)
        for _ in range(options.rounds):
            for size, (koncorde, documents) in engines.items():
                rate = throughput(koncorde, documents, options.seconds / options.rounds)
                best[size] = max(best[size], rate)
        for size, rate in best.items():
            sys.stdout.write(f"{family:7} {size:>6} rooms: {rate:>10,.0f} test()/s\n")
        ratio = best[SIZES[-1]] / best[SIZES[0]]
        sys.stdout.write(f"{family:7} ratio {SIZES[-1]:,} rooms / 1 room: {ratio:.2f}\n\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
