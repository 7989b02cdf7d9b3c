"""The results table (markdown, printed and written to bench/results/<date>.md with a
.json beside it), and which of the issue's goals the figures meet."""

# ruff: noqa: RUF001 - the table is typeset (multiplication sign, en dash)

import json
import math
from pathlib import Path
from typing import Any

SORT_NAMES = {"top": "Most Voted", "new": "Newest", "old": "Oldest"}


def _f(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    ratio = a / b
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.2f}×"


def rate(result: dict[str, Any] | None) -> tuple[float | None, bool]:
    """Requests/s, and whether it is only an upper bound: a server that completed no
    request within the run answered slower than one per run."""
    if not result:
        return None, False
    if result["requests"] == 0:
        return 1.0 / result["seconds"], True
    return float(result["rps"]), False


def ratio_of(p: dict[str, Any] | None, i: dict[str, Any] | None) -> tuple[float | None, bool]:
    """Parley / Isso, and whether it is only a lower bound."""
    parley, _ = rate(p)
    isso, bound = rate(i)
    if not parley or not isso:
        return None, False
    return parley / isso, bound


def _ratio_text(value: float | None, bound: bool) -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}×" if value >= 10 else f"{value:.2f}×"
    return "> " + text if bound else text


def table(rows: list[dict[str, Any]], ceiling: float | None) -> str:
    head = (
        "| measurement | Parley req/s | p50 ms | p99 ms | Isso req/s | p50 ms | p99 ms "
        "| Parley / Isso | Parley / ceiling |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    )
    lines = [head]
    by_key = {row["key"]: row for row in rows}
    for row in rows:
        own = by_key.get(row.get("ceiling_key", ""), {}).get("parley")
        row_ceiling = own["rps"] if own else ceiling
        p, i = row.get("parley"), row.get("isso")
        isso_rate, isso_bound = rate(i)
        lines.append(
            "| {name} | {prps} | {p50} | {p99} | {irps} | {i50} | {i99} | {pi} | {pc} |".format(
                name=row["name"],
                prps=_f(p and p["rps"]),
                p50=_f(p and p["p50_ms"], 1),
                p99=_f(p and p["p99_ms"], 1),
                irps=(f"< {isso_rate:.2f}" if isso_bound else _f(isso_rate, 1)),
                i50=_f(i and i["p50_ms"]),
                i99=_f(i and i["p99_ms"]),
                pi=_ratio_text(*ratio_of(p, i)),
                pc=_ratio(p and p["rps"], row_ceiling) if not row.get("is_ceiling") else "1.00×",
            )
        )
    return "\n".join(lines)


def flat_table(flat: dict[str, Any], small: str, large: str) -> str:
    lines = [
        f"| first page, page cache off | {small} ms | {large} ms | time ratio "
        f"| {small} queries | {large} queries |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for sort, figures in flat.items():
        s, g = figures["small"], figures["large"]
        lines.append(
            f"| {SORT_NAMES[sort]} | {s['ms']:.1f} | {g['ms']:.1f} | {g['ms'] / s['ms']:.2f} "
            f"| {s['queries']} | {g['queries']} |"
        )
    return "\n".join(lines)


def _share(value: float) -> str:
    return f"{value:.0%}" if value < 1 else f"{value:,.1f}× the ceiling"


def goals(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(goal, met / not met / not measured, the figures that decide it)."""
    rows = {row["key"]: row for row in results["rows"]}
    out = []

    first = [rows.get(f"first-{size}-{sort}") for size in ("1k", "20k") for sort in SORT_NAMES]
    ratios = [ratio_of(r.get("parley"), r.get("isso")) for r in first if r]
    known = [(v, bound) for v, bound in ratios if v is not None]
    if len(known) == 6:
        lowest, bound = min(known)
        out.append(
            (
                "Parley ≥ 100× Isso's requests/s on the first page, 1,000 and 20,000, every sort",
                "met" if lowest >= 100 else ("not shown" if bound else "not met"),
                f"lowest ratio {_ratio_text(lowest, bound)}",
            )
        )
    else:
        out.append(("Parley ≥ 100× Isso on first pages", "not measured", "Isso figures missing"))

    flat = results.get("flat")
    if flat:
        worst_time = max(f["large"]["ms"] / f["small"]["ms"] for f in flat.values())
        worst_q = max(f["large"]["queries"] / f["small"]["queries"] for f in flat.values())
        out.append(
            (
                f"First page of a {results['flat_large']} discussion within 20 % of a "
                f"{results['flat_small']} one",
                "met" if worst_time <= 1.2 and worst_q <= 1.2 else "not met",
                f"worst time ratio {worst_time:.2f}, worst query ratio {worst_q:.2f}",
            )
        )

    ceiling = results.get("ceiling_rps")
    # Every first page measured (both threads, every sort): the goal is about all of them.
    reads = [rows.get(f"first-{size}-{sort}") for size in ("1k", "20k") for sort in SORT_NAMES]
    reads = [r for r in reads if r and r.get("parley")]
    if ceiling and reads:
        share = min(r["parley"]["rps"] for r in reads) / ceiling
        slowest = max(reads, key=lambda r: r["parley"]["p99_ms"])
        p99 = slowest["parley"]["p99_ms"]
        local, local_ceiling = rows.get("local-1k", {}), rows.get("local-ceiling", {})
        aside = ""
        if local.get("parley") and local_ceiling.get("parley"):
            local_share = local["parley"]["rps"] / local_ceiling["parley"]["rps"]
            aside = f"; one worker, cache in memory: {_share(local_share)}"
        out.append(
            (
                "Anonymous reads ≥ 50 % of the hello-world ceiling, p99 ≤ 25 ms at 32 connections",
                "met" if share >= 0.5 and p99 <= 25 else "not met",
                f"lowest share {_share(share)}, highest p99 {p99:.1f} ms ({slowest['name']})"
                + aside,
            )
        )

    posting = rows.get("post", {}).get("parley")
    if posting and results["machine"].get("database", "").startswith("PostgreSQL"):
        out.append(
            (
                "Posting ≥ 300 comments/s on PostgreSQL",
                "met" if posting["rps"] >= 300 and not posting["errors"] else "not met",
                f"{posting['rps']:,.0f} posts/s, {posting['errors']} errors",
            )
        )
    else:
        out.append(
            (
                "Posting ≥ 300 comments/s on PostgreSQL",
                "not measured",
                "this run used SQLite (PostgreSQL did not answer on 127.0.0.1:5432)",
            )
        )
    return out


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    parts = [f"# Benchmark, {results['date']}", ""]
    if results.get("trial"):
        parts += [f"**Trial run at reduced settings** ({results['trial']}): not the reference.", ""]
    parts += [
        f"Machine: {machine['cpu']}, {machine['nproc']} cores, {machine['memory']}; "
        f"load average {machine['load_before']} before, {machine['load_after']} after.",
        f"Database: {machine['database']}. Cache: {machine['cache']}. "
        f"Servers: {machine['servers']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()) + ".",
        f"Load: wrk, {results['settings']}.",
        "",
        table(results["rows"], results.get("ceiling_rps")),
        "",
    ]
    if results.get("flat"):
        parts += [
            "Flat cost (in-process, median of many requests, page cache off):",
            "",
            flat_table(results["flat"], results["flat_small"], results["flat_large"]),
            "",
        ]
    parts += ["| goal | verdict | figures |", "|---|---|---|"]
    parts += [f"| {g} | **{v}** | {w} |" for g, v, w in goals(results)]
    parts += ["", *results.get("notes", [])]
    for name, output in results.get("hooks", {}).items():
        parts += ["", f"## {name}", "", "```", output.rstrip(), "```"]
    return "\n".join(parts) + "\n"


def write(results: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = results["date"].replace(" ", "_").replace(":", "")
    md, js = directory / f"{stem}.md", directory / f"{stem}.json"
    md.write_text(markdown(results))
    js.write_text(json.dumps(results, indent=1, default=str))
    return md, js
