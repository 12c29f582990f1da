#!/usr/bin/env python3
"""Turns one load-generator output into one JSON result line for the report.

wrk and the WebSocket client print a "BENCH_JSON {...}" line (see wrk-report.lua, ws/ws-bench.js);
h2load prints its summary text and writes a per-request log (RAW.h2log) from which the latency
percentiles are computed. CPU ticks and peak RSS are sampled by the caller around the run.
"""
import argparse
import json
import re
import sys


def percentile(sorted_values, p):
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, int(p / 100.0 * len(sorted_values)))]


def bench_json(text):
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    return None


def parse_wrk(text):
    r = bench_json(text)
    if r is None:
        return None
    errors = r["err_connect"] + r["err_read"] + r["err_write"] + r["err_status"] + r["err_timeout"]
    detail = {k[4:]: v for k, v in r.items() if k.startswith("err_") and v}
    return r["requests"], r["duration_us"] / 1e6, r["p50_us"], r["p99_us"], errors, detail


def parse_ws(text):
    r = bench_json(text)
    if r is None:
        return None
    return r["requests"], r["duration_us"] / 1e6, r["p50_us"], r["p99_us"], r["errors"], {}


def parse_h2load(text, log_path):
    finished = re.search(r"finished in ([\d.]+)(m?s)", text)
    reqs = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                     r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    if not (finished and reqs and codes):
        return None
    seconds = float(finished.group(1)) / (1000.0 if finished.group(2) == "ms" else 1.0)
    done, failed = int(reqs.group(3)), int(reqs.group(5))
    non2xx = sum(int(codes.group(i)) for i in (2, 3, 4))
    latencies = []
    try:
        with open(log_path) as f:
            for line in f:
                parts = line.split("\t")
                if len(parts) >= 3:
                    latencies.append(int(parts[2]))
    except OSError:
        pass
    latencies.sort()
    detail = {k: v for k, v in (("failed", failed), ("non2xx", non2xx)) if v}
    return (done, seconds, percentile(latencies, 50), percentile(latencies, 99),
            failed + non2xx, detail)


def main():
    ap = argparse.ArgumentParser()
    for name in ("--row", "--tool", "--round", "--raw"):
        ap.add_argument(name, required=True)
    for name in ("--exit-code", "--cpu-ticks", "--clk-tck", "--rss-kb"):
        ap.add_argument(name, type=int, required=True)
    a = ap.parse_args()
    result = {"row": a.row, "tool": a.tool, "round": a.round}
    text = open(a.raw, errors="replace").read()
    if a.row == "h2":
        parsed = parse_h2load(text, a.raw + ".h2log")
    elif a.row == "ws":
        parsed = parse_ws(text)
    else:
        parsed = parse_wrk(text)
    if parsed is None or parsed[0] == 0:
        result.update(status="failed",
                      note="no requests completed (exit %d), see %s" % (a.exit_code, a.raw))
        print(json.dumps(result))
        return
    requests, seconds, p50_us, p99_us, errors, detail = parsed
    cpu_s = a.cpu_ticks / float(a.clk_tck)
    result.update(
        status="ok", note="", requests=requests, duration_s=seconds,
        rps=requests / seconds if seconds > 0 else 0.0,
        p50_ms=p50_us / 1000.0, p99_ms=p99_us / 1000.0,
        errors=errors, error_detail=detail,
        cpu_s=cpu_s, cpu_per_1k=cpu_s / (requests / 1000.0),
        rss_mib=a.rss_kb / 1024.0, exit_code=a.exit_code)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
