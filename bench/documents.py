"""
Document benchmark (issue 4): document:create, document:get and document:search (a term
query on an indexed field of a 100,000-document collection) through the WebSocket API with
16 connections, and the same operations through the storage layer alone, side by side in one
run, so the API's cost shows as a ratio. Also the latency of that search on 10,000 and on
100,000 documents (it should not grow more than 2x).

    ./bench/documents [--duration 5] [--warmup 1] [--documents 100000]

The data is seeded once into a scratch data directory through the storage layer; every
measured phase then runs on it: first the storage alone (in this process, pinned to the server
core), then `twistd kuzzle` on the same directory (server core) driven by bench/load.js in
mode ws-doc (load core). Prints a table and the ratios; standard library + kuzzle_tx only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from runner import BENCH, REPO, VENV_BIN, free_port, say, server_env, stop, wait_for_port

INDEX = "bench"
MAPPINGS = {
    "properties": {
        "tag": {"type": "keyword"},
        "n": {"type": "integer"},
        "name": {"type": "text"},
    }
}
CONCURRENCY = 16  # storage-alone loops, as many as API connections (one request each)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/documents", description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per phase")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per phase")
    p.add_argument("--documents", type=int, default=100_000, help="size of the big collection")
    p.add_argument("--small", type=int, default=10_000, help="size of the small collection")
    p.add_argument("--server-cpu", default="0")
    p.add_argument("--load-cpu", default="1")
    p.add_argument("--json", help="also write the results to this file")
    return p.parse_args(argv)


def collection_name(size: int) -> str:
    return f"docs{size}"


# -- the storage layer alone (in this process) ------------------------------------------------


def storage_phase(args: argparse.Namespace, data_dir: str) -> None:
    """
    Seed the collections, then measure each operation on the storage layer alone;
    prints the results as one JSON line and exits.
    """
    from twisted.internet import defer, task

    from kuzzle_tx.storage.mappings import validate_mappings
    from kuzzle_tx.storage.model import CollectionSchema, Create
    from kuzzle_tx.storage.query_ast import Search, Term
    from kuzzle_tx.storage.sqlite import SQLiteStorage

    os.sched_setaffinity(0, {int(args.server_cpu)})
    results: dict[str, Any] = {}

    async def run(reactor: Any) -> None:
        storage = SQLiteStorage(data_dir, reactor)
        await storage.start()
        schema = CollectionSchema(validate_mappings(MAPPINGS), {})
        began = time.monotonic()
        for size in (args.small, args.documents):
            name = collection_name(size)
            await storage.put_collection(INDEX, name, schema)
            for start in range(0, size, 2000):
                ops = [
                    Create(f"d{i}", {"n": i, "tag": f"t{i // 10}", "name": f"document {i}"})
                    for i in range(start, min(size, start + 2000))
                ]
                await storage.write(INDEX, name, ops)
        await storage.put_collection(INDEX, "created", schema)
        say(
            f"seeded {args.small + args.documents:,} documents in {time.monotonic() - began:.1f} s"
        )
        big = collection_name(args.documents)
        sequence = iter(range(10**9))

        def create() -> Any:
            n = next(sequence)
            source = {"n": n, "tag": f"new{n % 1000}", "name": f"created {n}"}
            return storage.write(INDEX, "created", [Create(None, source)])

        def get() -> Any:
            return storage.get(INDEX, big, [f"d{random.randrange(args.documents)}"])

        def search(collection: str, size: int) -> Any:
            tag = f"t{random.randrange(size) // 10}"
            return storage.search(INDEX, collection, Search(Term("tag", tag), (), 0, 10))

        operations = {
            "create": create,
            "get": get,
            "search": lambda: search(big, args.documents),
        }
        for name, operation in operations.items():
            results[name] = await measure(reactor, operation, CONCURRENCY, args)
            say(f"storage {name}: {results[name]:,.0f}/s")
        for size in (args.small, args.documents):
            rate = await measure(reactor, lambda s=size: search(collection_name(s), s), 1, args)
            results[f"search-latency-{size}"] = 1000.0 / rate
            say(f"storage search latency on {size:,}: {1000.0 / rate:.3f} ms")
        await storage.stop()
        # task.react exits the process when run() is done: report now.
        print(json.dumps(results), flush=True)

    async def measure(reactor: Any, operation: Any, loops: int, args: argparse.Namespace) -> float:
        state = {"running": True, "count": 0, "counting": False}

        async def loop() -> None:
            while state["running"]:
                await operation()
                if state["counting"]:
                    state["count"] += 1

        loops_done = [defer.ensureDeferred(loop()) for _ in range(loops)]
        await task.deferLater(reactor, args.warmup, lambda: None)
        state["counting"] = True
        began = time.monotonic()
        await task.deferLater(reactor, args.duration, lambda: None)
        state["running"] = False
        elapsed = time.monotonic() - began
        await defer.gatherResults(loops_done)
        return state["count"] / elapsed

    task.react(lambda reactor: defer.ensureDeferred(run(reactor)))


# -- the WebSocket API (twistd kuzzle + bench/load.js) ----------------------------------------


def api_phase(args: argparse.Namespace, data_dir: str) -> dict[str, Any]:
    port = free_port()
    twistd = [str(VENV_BIN / "twistd"), "-n", "--pidfile=", "kuzzle"]
    command = ["taskset", "-c", args.server_cpu, *twistd, "--port", str(port)]
    command += ["--data-dir", data_dir]
    log_path = Path(data_dir) / "server.log"
    results: dict[str, Any] = {}
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command, cwd=REPO, env=server_env(), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, server, timeout=60)
        big = collection_name(args.documents)
        plans = [
            ("create", "create", "created", args.documents, 16),
            ("get", "get", big, args.documents, 16),
            ("search", "search", big, args.documents, 16),
            (f"search-latency-{args.small}", "search", collection_name(args.small), args.small, 1),
            (f"search-latency-{args.documents}", "search", big, args.documents, 1),
        ]
        for label, action, collection, count, connections in plans:
            report = load(args, port, server.pid, action, collection, count, connections)
            rate = report["per_second"]
            results[label] = 1000.0 / rate if label.startswith("search-latency") else rate
            results[f"{label}-errors"] = report.get("errors", 0)
            results[f"{label}-server-cpu"] = report.get("server_cpu")
            say(f"api {label}: {results[label]:,.3f}")
    finally:
        stop(server)
    return results


def load(
    args: argparse.Namespace,
    port: int,
    pid: int,
    action: str,
    collection: str,
    count: int,
    connections: int,
) -> dict[str, Any]:
    options = {
        "mode": "ws-doc",
        "port": port,
        "server-pid": pid,
        "clk-tck": os.sysconf("SC_CLK_TCK"),
        "connections": connections,
        "inflight": 1,
        "workers": 1,
        "duration": args.duration,
        "warmup": args.warmup,
        "doc-action": action,
        "doc-collection": collection,
        "doc-count": count,
    }
    command = ["taskset", "-c", args.load_cpu, "node", str(BENCH / "load.js")]
    command += [arg for name, value in options.items() for arg in (f"--{name}", str(value))]
    budget = args.warmup + args.duration + 120
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=budget)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-800:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report.get("errors"):
        raise RuntimeError(
            f"{action}: {report['errors']} bad answers: {report.get('first_error')}"
        )
    return report


# -- report ------------------------------------------------------------------------------------


def print_report(args: argparse.Namespace, storage: dict[str, Any], api: dict[str, Any]) -> None:
    print("\nDocuments: WebSocket API (16 connections, 1 request each) vs storage layer alone")
    print(f"{'operation':<34}{'storage':>12}{'API':>12}{'API / storage':>15}")
    for name in ("create", "get", "search"):
        label = f"document:{name}" + (
            f" (term, {args.documents:,} docs)" if name == "search" else ""
        )
        ratio = api[name] / storage[name]
        print(f"{label:<34}{storage[name]:>10,.0f}/s{api[name]:>10,.0f}/s{ratio:>15.2f}")
    small, big = f"search-latency-{args.small}", f"search-latency-{args.documents}"
    print("\nIndexed term search latency, one request at a time (ms)")
    print(f"{'':<34}{f'{args.small:,} docs':>12}{f'{args.documents:,} docs':>14}{'ratio':>9}")
    for where, values in (("storage layer", storage), ("WebSocket API", api)):
        ratio = values[big] / values[small]
        print(f"{where:<34}{values[small]:>12.3f}{values[big]:>14.3f}{ratio:>9.2f}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="kuzzle-bench-documents-")
    data_dir = os.path.join(scratch, "data")
    try:
        # The storage phase runs its own reactor: a child process, so the API phase and the
        # parent stay free of it.
        child = subprocess.run(
            [sys.executable, __file__, "--storage-only", data_dir, *argv],
            cwd=REPO,
            env=server_env(),
            capture_output=True,
            text=True,
        )
        sys.stderr.write(child.stderr)
        if child.returncode != 0:
            return child.returncode
        storage = json.loads(child.stdout.strip().splitlines()[-1])
        api = api_phase(args, data_dir)
        print_report(args, storage, api)
        if args.json:
            Path(args.json).write_text(json.dumps({"storage": storage, "api": api}, indent=2))
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--storage-only":
        storage_phase(parse_args(sys.argv[3:]), sys.argv[2])
    sys.exit(main(sys.argv[1:]))
