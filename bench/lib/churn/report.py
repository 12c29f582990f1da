#!/usr/bin/env python3
"""churn.md from the JSON files bench/churn.sh wrote: load phases, churn counts, visibility."""
import json
import os
import sys

out, mode, rate, changes, commit, java_opts = sys.argv[1:7]


def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None


rows = []
for phase in ("warmup", "baseline", "churn", "after"):
    r, m = load(phase + ".json"), load(phase + ".meta.json") or {}
    if r:
        rows.append((phase, r, m))

lines = [
    f"# Churn under fixed-rate load ({mode} mode)",
    "",
    f"Commit {commit}; Sluice `{java_opts}` pinned to CPU 0; load generator, churner and backends on CPU 1.",
    f"Load: open loop (bench/lib/churn/openloop.js, Node), {rate} req/s of `GET /100b` over HTTP/1.1 "
    "keep-alive to the measured host; latency counted from each request's scheduled time. "
    f"Churn: {changes} changes/s, in turn a new Ingress, an EndpointSlice flip of the measured "
    "Service, a TLS Secret rotation of the measured host.",
    "",
    "| phase | requests | 2xx | non-2xx | socket errors | lost | p50 ms | p99 ms | p99.9 ms | max ms | generator lag p99 ms | p99 from send ms | Sluice CPU s | load avg |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]
failed = 0
for phase, r, m in rows:
    if phase != "warmup":
        failed += r["non2xx"] + r["errors"] + r["lost"]
    lines.append(
        f"| {phase} | {r['due']} | {r['ok']} | {r['non2xx']} | {r['errors']} | {r['lost']} | {r['p50_ms']} | "
        f"{r['p99_ms']} | {r['p999_ms']} | {r['max_ms']} | {r.get('send_lag_p99_ms')} | {r.get('from_send_p99_ms')} | "
        f"{m.get('cpu_s', '')} | {m.get('loadavg', '')} |")
lines.append("")
lines.append("Latency columns count from each request's scheduled time. *Generator lag* is how late the load "
             "generator itself handed requests to Node (its CPU, shared with backends and churner); when it is "
             "large, the generator, not Sluice, was behind, and *p99 from send* (latency from hand-over) is "
             "the fairer figure for Sluice.")
lines.append("")
lines.append(f"**Failed requests over baseline, churn and after: {failed}** (non-2xx + socket errors + never "
             "answered; must be 0). The warm-up row is the cold JVM's first seconds, shown for honesty, not a gate.")
kinds = {k: v for _, r, _ in rows for k, v in r.get("error_kinds", {}).items()}
if kinds:
    lines.append(f"Error kinds: {kinds}; statuses: {[(p, r['statuses']) for p, r, _ in rows]}")
lines.append("")

c = load("churner.json")
if c:
    v = c["visibility"]
    lines += [
        "## Changes",
        "",
        f"{c['changes']} changes in the churn phase ({c['changes_per_s']}/s achieved, worst schedule lag "
        f"{c['max_schedule_lag_ms']} ms): {c['ingress_added']} Ingresses added ({c['ingress_deleted']} old ones "
        f"deleted), {c['endpoint_changes']} EndpointSlice changes, {c['cert_rotations']} certificate rotations, "
        f"{c['write_errors']} failed writes.",
        "",
        "Time from writing a new Ingress (file renamed into the folder / create call returned) to the first "
        f"200 for its host, over {v['probed']} sampled Ingresses ({v['timeouts']} not seen within 10 s):",
        "",
        "| min ms | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
        f"| {v['min_ms']} | {v['p50_ms']} | {v['p90_ms']} | {v['p99_ms']} | {v['max_ms']} |",
        "",
    ]
churn = next((r for p, r, _ in rows if p == "churn"), None)
if churn:
    lines += ["## p99 per second during churn", "", "| s | requests | failed | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|---|"]
    for b in churn["per_second"]:
        lines.append(f"| {b['s']} | {b['n']} | {b['fail']} | {b['p50_ms']} | {b['p99_ms']} | {b['max_ms']} |")
open(os.path.join(out, "churn.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
