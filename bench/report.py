"""
The benchmark's report: the table of absolute figures, the verdicts and the ratios to bare.

Pure functions over the results that ``bench/load.js`` prints (one JSON object per run).
"""

import argparse

# mode -> (result key, unit, "higher" or "lower" is better, kuzzle_tx/bare target or None)
METRICS = {
    "ws-now": ("per_second", "server:now/s", "higher", 0.8),
    "ws-ping": ("per_second", "pong/s", "higher", None),
    "http-query": ("per_second", "POST/s", "higher", 0.8),
    "ws-idle": ("kb_per_connection", "KB/conn", "lower", 1.2),
    "fanout": ("per_second", "notif/s", "higher", 0.9),
    "match": ("per_second", "publish/s", "higher", 0.5),
}
MATCH_ONE = "kuzzle_tx (1 room)"


def metric(mode: str) -> tuple:
    """METRICS of a mode (every fanout-N is a fanout)."""
    return METRICS["fanout" if mode.startswith("fanout-") else mode]


def noisy(result: dict, args: argparse.Namespace) -> bool:
    return result.get("other_cpu", 0) > args.noise


def clean(result: dict, args: argparse.Namespace) -> bool:
    """A throughput run that nothing else disturbed: no other process used the machine and the
    server had its core (or the load generator was the known limit)."""
    if "error" in result or noisy(result, args):
        return False
    server = result.get("server_cpu")
    return server is None or server >= 0.95 or result.get("load_cpu_total", 0) >= 0.8


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def bound_by(result: dict, args: argparse.Namespace) -> str:
    """Which side limited a throughput run: the server or the load generator."""
    server = result.get("server_cpu")
    load_core = result.get("cores_busy", {}).get(f"cpu{args.load_cpu}")
    busy_load_core = load_core is not None and load_core >= 0.95 and not noisy(result, args)
    if busy_load_core or result.get("load_cpu_total", 0) >= 0.8:
        verdict = "LOAD (lower bound)"
    elif server is not None and server >= 0.95:
        verdict = "server"
    else:
        verdict = "unclear"
    if noisy(result, args):
        verdict += f", NOISY: others used {pct(result['other_cpu'])}"
    return verdict


def efficiency(result: dict | None) -> float | None:
    """Responses per second of server CPU: a cross-check that holds when others steal CPU."""
    if not result or "error" in result or not result.get("server_cpu"):
        return None
    return result["per_second"] / result["server_cpu"]


def result_cells(mode: str, result: dict, args: argparse.Namespace) -> list[str]:
    """result, per server CPU-second, server CPU, load CPU, bound by."""
    if "error" in result:
        return ["FAILED: " + result["error"].splitlines()[0], "", "", "", ""]
    errors = f" ({result['errors']} errors)" if result.get("errors") else ""
    if mode == "ws-idle":
        figure = f"{result['kb_per_connection']:.2f} KB/conn"
        detail = (
            f"{result['opened']:,} open in {result['open_s']:.1f} s, RSS "
            f"{result['rss_before_kb'] / 1024:.0f} -> {result['rss_after_kb'] / 1024:.0f} MB"
        )
        if result["still_open"] != result["requested"]:
            detail += f", only {result['still_open']:,} still open"
        return [figure + errors, "", "", detail, ""]
    unit = metric(mode)[1]
    if "lost" in result:  # fanout, match: every notification of the whole run must arrive
        errors += f", {result['lost']:,} lost"
        if result.get("unanswered_publications"):
            errors += f", {result['unanswered_publications']} publications unanswered"
    workers = result["per_worker"]
    load = " + ".join(pct(w["cpu"]) for w in workers)
    if len(workers) > 1:
        load += f" = {pct(result['load_cpu_total'])}"
    core = result.get("cores_busy", {}).get(f"cpu{args.load_cpu}")
    new = sum(w.get("new_sockets", 0) for w in workers)
    if mode == "http-query" and new:
        errors += f" ({new} new sockets while measuring)"
    per_cpu = efficiency(result)
    return [
        f"{result['per_second']:,.0f} {unit}{errors}",
        "-" if per_cpu is None else f"{per_cpu:,.0f}",
        pct(result.get("server_cpu")),
        f"{load} (core busy {pct(core)})",
        bound_by(result, args),
    ]


def ratio(mode: str, a: dict | None, b: dict | None) -> float | None:
    key = metric(mode)[0]
    if not a or not b or "error" in a or "error" in b or not b.get(key):
        return None
    return a[key] / b[key]


def fanout_checks(mode: str, by_target: dict, args: argparse.Namespace, ratios: dict) -> list:
    """The issue's other fan-out targets: kuzzle_tx ahead of node-ws, no notification lost.
    (row, met, firm) for each."""
    checks = []
    mine, node = by_target.get("kuzzle_tx"), by_target.get("node-ws")
    r = ratio(mode, mine, node)
    if r is not None:
        # A load-bound node-ws figure is a lower bound: kuzzle_tx behind it is a firm FAIL,
        # ahead of it proves nothing about the server.
        lower_bound = bound_by(node, args).startswith("LOAD")
        firm = clean(mine, args) and clean(node, args) and not (r >= 1.0 and lower_bound)
        verdict = ("PASS" if r >= 1.0 else "FAIL") + ("" if firm else " (?)")
        entry = ratios.setdefault("kuzzle_tx", {}).setdefault(mode, {})
        entry["vs_node_ws"] = round(r, 3)
        row = [mode, "kuzzle_tx / node-ws", "notif/s", f"{r:.2f}", "", ">= 1.00", verdict]
        checks.append((row, r >= 1.0, firm))
    if mine and "error" not in mine and "lost" in mine:
        lost = mine["lost"] + mine.get("unanswered_publications", 0)
        expected = f"of {mine['notifications_expected']:,}"
        ratios.setdefault("kuzzle_tx", {}).setdefault(mode, {})["lost"] = lost
        verdict = "PASS" if not lost else "FAIL"
        checks.append(
            (
                [mode, "kuzzle_tx lost", "notif", f"{lost:,}", expected, "0", verdict],
                lost == 0,
                True,
            )
        )
    return checks


def match_ratio(by_target: dict, args: argparse.Namespace, ratios: dict) -> tuple:
    """(row, met, firm) of match: publish/s with --rooms rooms over publish/s with 1 room."""
    one = by_target.get(MATCH_ONE)
    many_name = next((t for t in by_target if t != MATCH_ONE), None)
    many = by_target.get(many_name) if many_name else None
    r = ratio("match", many, one)
    if r is None:
        return None, True, True
    _, unit, _, target = METRICS["match"]
    mine, base = efficiency(many), efficiency(one)
    per_cpu = mine / base if mine and base else None
    firm = clean(many, args) and clean(one, args)
    lost = sum(x.get("lost", 0) + x.get("unanswered_publications", 0) for x in (one, many))
    met = r >= target and lost == 0
    verdict = ("PASS" if met else "FAIL") + ("" if firm else " (?)")
    if lost:
        verdict += f" ({lost:,} notifications lost)"
    ratios.setdefault("kuzzle_tx", {})["match"] = {
        "ratio": round(r, 3),
        "per_server_cpu_second": None if per_cpu is None else round(per_cpu, 3),
        "firm": firm,
        "lost": lost,
    }
    per_cpu_text = "" if per_cpu is None else f"{per_cpu:.2f}"
    name = f"{many_name.removeprefix('kuzzle_tx (').rstrip(')')} / 1 room"
    row = ["match", name, unit, f"{r:.2f}", per_cpu_text, f">= {target:.2f}", verdict]
    return row, met, firm


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in rows]
    return "\n".join(line.rstrip() for line in out)


def report(results: dict, skipped: dict, args: argparse.Namespace) -> tuple[str, dict, bool]:
    rows = []
    for mode in args.modes:
        for target, result in results.get(mode, {}).items():
            rows.append([mode, target, *result_cells(mode, result, args)])
    load_column = f"load CPU per worker (core {args.load_cpu})"
    header = [
        "mode",
        "target",
        "result",
        "per server CPU-s",
        "server CPU",
        load_column,
        "bound by",
    ]
    text = [
        f"kuzzle_tx bench: {args.connections} connections x {args.inflight} in flight (WS), "
        f"{args.connections} keep-alive connections (HTTP), {args.duration:g} s measured after "
        f"{args.warmup:g} s warm-up, {args.idle:,} idle connections; server on CPU "
        f"{args.server_cpu}, load ({args.workers} node workers) on CPU {args.load_cpu}. "
        "CPU figures: 100% = one core.",
    ]
    if any(m.startswith("fanout-") for m in args.modes):
        text.append(
            "fanout-N: N subscribers to {} on one collection, one publisher paced by the slowest "
            "subscriber; notifications received per second; lost = publications x N - received "
            "over the whole run."
        )
    if "match" in args.modes:
        text.append(
            f"match: kuzzle_tx with 1 room, then {args.rooms:,} distinct filters "
            f"{{equals: {{k: v<i>}}}}; 4 publishers x 16 in flight, each publication matches one "
            "room; publications answered per second."
        )
    text += [
        "",
        table(rows, header),
        "",
    ]
    ratios: dict = {}
    ok = True
    footnote = False
    ratio_rows = []
    for mode in args.modes:
        by_target = results.get(mode, {})
        key, unit, better, target = metric(mode)
        if mode == "match":
            row, met, firm = match_ratio(by_target, args, ratios)
            if row:
                ratio_rows.append(row)
                ok = ok and met
                footnote = footnote or not firm
            continue
        for other in ("kuzzle_tx", "node-ws"):
            r = ratio(mode, by_target.get(other), by_target.get("bare"))
            if r is None:
                continue
            mine, bare = efficiency(by_target.get(other)), efficiency(by_target.get("bare"))
            per_cpu = mine / bare if mine and bare else None
            ratios.setdefault(other, {})[mode] = {
                "ratio": round(r, 3),
                "per_server_cpu_second": None if per_cpu is None else round(per_cpu, 3),
            }
            verdict, goal = "", "(reference)" if other == "node-ws" else "(no target)"
            if other == "kuzzle_tx" and target is not None:
                firm = all(clean(by_target[t], args) for t in (other, "bare"))
                footnote = footnote or not firm
                met = r >= target if better == "higher" else r <= target
                ok = ok and met
                verdict = ("PASS" if met else "FAIL") + ("" if firm else " (?)")
                goal = f"{'>=' if better == 'higher' else '<='} {target:.2f}"
                ratios[other][mode]["firm"] = firm
            per_cpu_text = "" if per_cpu is None else f"{per_cpu:.2f}"
            ratio_rows.append(
                [mode, f"{other} / bare", unit, f"{r:.2f}", per_cpu_text, goal, verdict]
            )
        if mode.startswith("fanout-"):
            for row, met, firm in fanout_checks(mode, by_target, args, ratios):
                ratio_rows.append(row)
                ok = ok and met
                footnote = footnote or not firm
        lean = ratio(mode, by_target.get("kuzzle_tx"), by_target.get("bare-lean"))
        if lean is not None:
            ratios.setdefault("kuzzle_tx", {}).setdefault(mode, {})["vs_bare_lean"] = round(
                lean, 3
            )
            ratio_rows.append(
                [mode, "kuzzle_tx / bare-lean", unit, f"{lean:.2f}", "", "(reference)", ""]
            )
    if ratio_rows:
        header = ["mode", "ratio", "of", "value", "per server CPU-s", "target", ""]
        text += [table(ratio_rows, header), ""]
    if footnote:
        text += [
            "(?) a run of this pair was disturbed (other processes, or its server below 95 % "
            "of its core: see the table); the per server CPU-s ratio is a rough cross-check, "
            "rerun for a firm figure.",
            "",
        ]
    for mode in args.modes:
        for target, result in results.get(mode, {}).items():
            if "error" in result:
                text += [f"FAILED {mode} {target}: {result['error']}", ""]
    for target, why in skipped.items():
        text.append(f"SKIPPED {target}: {why}")
    return "\n".join(text).rstrip() + "\n", ratios, ok
