#!/usr/bin/env python3
"""Builds the markdown table and the ratio chart from OUT/data/*.json.

Per row and tool the reported numbers are those of the median round by req/s (the lower middle
one when the number of rounds is even, so a lucky round never sets the figure); errors are
summed over all rounds so none hides. Ratios are Sluice req/s divided by the peer's req/s.
Usage: report.py OUT_DIR
"""
import glob
import json
import os
import subprocess
import sys

ROWS = [
    ("http", "HTTP/1.1 keep-alive 100 B", "wrk, 64 connections"),
    ("https", "HTTPS keep-alive 100 B", "wrk, 64 connections, TLS terminated by the proxy"),
    ("https-new", "HTTPS new connection per request", "wrk, 32 connections, Connection: close, "
     "full ECDSA P-256 handshake each time (session resumption disabled in the client)"),
    ("h2", "HTTP/2 100 B", "h2load, 16 connections x 10 streams, ALPN h2"),
    ("pass-1m", "TLS passthrough 1 MiB", "wrk, 16 connections through SNI passthrough to the "
     "backend's TLS listener; req/s x 1 MiB = MiB/s"),
    ("pass-new", "TLS passthrough new connection", "wrk, 32 connections, Connection: close, full "
     "handshake with the backend through the proxy"),
    ("ws", "WebSocket echo 64 B", "32 WebSocket connections, one message in flight each; "
     "req/s = round trips/s"),
]
TOOLS = [("nginx", "nginx"), ("haproxy", "HAProxy"), ("sluice", "Sluice")]
DASH = "–"


def load(out):
    results = {}
    for path in glob.glob(os.path.join(out, "data", "*.json")):
        with open(path) as f:
            text = f.read().strip()
        if not text:
            continue
        r = json.loads(text)
        results.setdefault((r["row"], r["tool"]), []).append(r)
    return results


def summarize(rounds):
    """The median round (by req/s) of the rounds that produced numbers, plus totals."""
    ok = sorted((r for r in rounds if r["status"] == "ok"), key=lambda r: r["rps"])
    if not ok:
        return None
    median = dict(ok[(len(ok) - 1) // 2])
    median["errors_total"] = sum(r["errors"] for r in ok)
    median["rounds_ok"] = len(ok)
    median["rounds_failed"] = len(rounds) - len(ok)
    return median


def fmt_ratio(a, b):
    return "%.2fx" % (a["rps"] / b["rps"]) if a and b and b["rps"] > 0 else DASH


def table(results, meta):
    lines = [
        "| row | tool | req/s | p50 | p99 | CPU s/1k req | peak RSS | errors | ratio to nginx | ratio to HAProxy |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ratios = []
    for row, title, _ in ROWS:
        if row not in meta["rows"]:
            continue
        summary = {tool: summarize(results.get((row, tool), [])) for tool, _ in TOOLS}
        for tool, tool_title in TOOLS:
            if tool not in meta["tools"]:
                continue
            rounds = results.get((row, tool), [])
            s = summary[tool]
            if s is None:
                na = next((r for r in rounds if r["status"] == "na"), None)
                if na:
                    why = na["note"].split(" (probe")[0]
                    cells = ["n/a (%s)" % why] + [DASH] * 7
                else:
                    note = next((r["note"] for r in rounds if r.get("note")), "no result")
                    cells = ["failed: " + note] + [DASH] * 7
            else:
                errors = str(s["errors_total"])
                if s["rounds_failed"]:
                    errors += " (+%d failed round%s)" % (
                        s["rounds_failed"], "s" if s["rounds_failed"] > 1 else "")
                cells = [
                    "{:,.0f}".format(s["rps"]),
                    "%.2f ms" % s["p50_ms"],
                    "%.2f ms" % s["p99_ms"],
                    "%.3f" % s["cpu_per_1k"],
                    "%.1f MiB" % s["rss_mib"],
                    errors,
                ]
                if tool == "sluice":
                    cells += [fmt_ratio(s, summary["nginx"]), fmt_ratio(s, summary["haproxy"])]
                else:
                    cells += ["", ""]
            lines.append("| %s | %s | %s |" % (title, tool_title, " | ".join(cells)))
        if "sluice" in meta["tools"]:
            s = summary["sluice"]
            ratios.append((row, ratio_value(s, summary["nginx"]), ratio_value(s, summary["haproxy"])))
    return lines, ratios


def ratio_value(a, b):
    return a["rps"] / b["rps"] if a and b and b["rps"] > 0 else None


def chart(out, ratios):
    """ratios.png: one pair of bars per row (Sluice vs nginx, vs HAProxy), parity line at 1."""
    dat = os.path.join(out, "ratios.dat")
    with open(dat, "w") as f:
        f.write("# row  sluice/nginx  sluice/haproxy\n")
        for row, vn, vh in ratios:
            f.write("%s %s %s %s\n" % (row, "%.4f" % vn if vn else "NaN", "%.4f" % vh if vh else "NaN",
                                       '""' if vn or vh else '"n/a"'))
    measured = [v for _, vn, vh in ratios for v in (vn, vh) if v]
    common = """set terminal pngcairo size 1100,560 font ",11"
set output '{png}'
set title "Sluice throughput relative to nginx and HAProxy (req/s ratio; above 1 = Sluice faster)"
""".format(png=os.path.join(out, "ratios.png"))
    if not measured:
        script = common + """unset border; unset tics; unset key
set label 1 "No Sluice row was measured in this run (all n/a)." at screen 0.5, 0.5 center
plot [0:1] [0:1] NaN notitle
"""
    else:
        top = max(measured + [1.0]) * 1.25
        script = common + """set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "Sluice req/s / peer req/s"
set yrange [0:{top}]
set grid ytics
set key top left
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linewidth 2 linecolor rgb "black"
set label 1 "parity" at graph 1, first 1 offset -5, 0.7
plot '{dat}' using 2:xtic(1) title 'vs nginx' linecolor rgb "#2b8cbe", \\
     '' using 3 title 'vs HAProxy' linecolor rgb "#e6550d", \\
     '' using ($0 - 1.0/6):2:(sprintf("%.2f", $2)) with labels offset 0, 0.8 notitle, \\
     '' using ($0 + 1.0/6):3:(sprintf("%.2f", $3)) with labels offset 0, 0.8 notitle, \\
     '' using 0:({na_y}):4 with labels textcolor rgb "#777777" notitle
""".format(top=top, dat=dat, na_y=top * 0.04)
    gp = os.path.join(out, "ratios.gp")
    with open(gp, "w") as f:
        f.write(script)
    proc = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write("gnuplot failed: %s\n" % proc.stderr)


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "meta.json")) as f:
        meta = json.load(f)
    results = load(out)
    lines, ratios = table(results, meta)
    head = [
        "# Sluice vs nginx vs HAProxy — %s" % meta["started"],
        "",
        "Mode: %s; %d round(s) per tool, interleaved nginx, HAProxy, Sluice per row; %ss warm-up + "
        "%ss measured per run; median round by req/s shown, errors summed over rounds. "
        "Proxy pinned to CPU %s, load generator and backends to CPU %s. Commit %s. %s"
        % (meta["mode"], meta["rounds"], meta["warmup"], meta["duration"], meta["proxy_cpu"],
           meta["load_cpu"], meta["commit"], meta["sluice_note"]),
        "",
    ]
    notes = ["", "Rows:"]
    for row, title, how in ROWS:
        if row in meta["rows"]:
            notes.append("- **%s** (`%s`): %s." % (title, row, how))
    notes += ["", "Spread (req/s of every round, in run order; a wide spread means a noisy machine):", ""]
    for row, title, _ in ROWS:
        if row not in meta["rows"]:
            continue
        parts = []
        for tool, tool_title in TOOLS:
            rounds = sorted((r for r in results.get((row, tool), []) if r["status"] == "ok"),
                            key=lambda r: int(r["round"]))
            if rounds:
                parts.append("%s %s" % (tool_title, " / ".join("{:,.0f}".format(r["rps"]) for r in rounds)))
        if parts:
            notes.append("- `%s`: %s" % (row, "; ".join(parts)))
    notes += ["", "p50/p99 on new-connection rows are measured by wrk from request write to "
              "response, after the handshake; the handshake cost shows in req/s and CPU s/1k req."]
    text = "\n".join(head + lines + notes) + "\n"
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    chart(out, ratios)
    # nginx and HAProxy must produce numbers on every row; if not, the harness is broken.
    missing = [(row, tool) for row in meta["rows"] for tool in ("nginx", "haproxy")
               if tool in meta["tools"] and summarize(results.get((row, tool), [])) is None]
    if missing:
        sys.stderr.write("no numbers for: %s\n" % ", ".join("%s/%s" % m for m in missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
