#!/usr/bin/python3
"""plot.py RESULTS_DIR - the plots of a benchmark campaign (bench/campaign.sh), as PNG
and SVG next to its CSV files (Debian's python3 with python3-matplotlib):
  overhead.{png,svg}   idle overhead: ping-pong latency with mpisnap / without, per
                       message size (overhead.csv)
  snapcost.{png,svg}   one snapshot against the number of ranks: time to complete and
                       messages it took, with N(N-1) and N log2 N (snapcost.csv)
  bandwidth.{png,svg}  snapshot and restart bandwidth against dd writing and reading
                       the same bytes on the same disk (bigstate.csv, medians of rounds)
A CSV that is missing is skipped, saying so; none at all is an error."""
import csv
import math
import os
import statistics as st
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def subtitle(rs):
    r = rs[0]
    return f"{r['host']}, {r['mpi']}, mpisnap {r['commit']}, {r['date'][:10]}"


def save(fig, out, name):
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out, f"{name}.{ext}"), dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"plot.py: {name}.png, {name}.svg")


def size_label(b):
    return f"{b // 1048576} MiB" if b >= 1048576 else f"{b // 1024} KiB" if b >= 1024 else f"{b} B"


def overhead(rs, out):
    sizes = [int(r["size_bytes"]) for r in rs]
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for algo, mark in (("cl", "o-"), ("ly", "s-")):
        ax.plot(sizes, [float(r[f"{algo}_ratio"]) for r in rs], mark, label=f"{algo} / plain MPI")
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [size_label(s) for s in sizes])
    ax.set_xlabel("message size")
    ax.set_ylabel("one-way latency, mpisnap / plain")
    ax.set_ylim(bottom=0)
    ax.set_title(f"Idle overhead, 2-rank ping-pong (median of {rs[0]['rounds']} rounds)\n{subtitle(rs)}", fontsize=9)
    ax.legend()
    ax.grid(alpha=0.3)
    save(fig, out, "overhead")


def snapcost(rs, out):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9.6, 4))
    for algo, mark in (("cl", "o-"), ("ly", "s-")):
        sel = sorted((int(r["ranks"]), r) for r in rs if r["algo"] == algo)
        n = [x[0] for x in sel]
        ms = [float(x[1]["complete_ms"]) if x[1]["complete_ms"] else math.nan for x in sel]
        a1.plot(n, ms, mark, label=algo)
        a2.plot(n, [int(x[1]["messages"]) for x in sel], mark, label=algo)
    n = sorted({int(r["ranks"]) for r in rs})
    a2.plot(n, [k * (k - 1) for k in n], ":", color="grey", label="N(N-1)")
    a2.plot(n, [k * math.log2(k) for k in n], "--", color="grey", label="N log2 N")
    for a in (a1, a2):
        a.set_xscale("log", base=2)
        a.set_xticks(n, [str(k) for k in n])
        a.set_xlabel("ranks")
        a.grid(alpha=0.3)
        a.legend()
    a1.set_ylabel("time to complete one snapshot (ms)")
    a1.set_ylim(bottom=0)
    a2.set_ylabel("messages to complete one snapshot")
    a2.set_yscale("log")
    fig.suptitle(f"Cost of one snapshot against ranks\n{subtitle(rs)}", fontsize=9)
    save(fig, out, "snapcost")


def bandwidth(rs, out):
    groups = sorted({(int(r["total_mib"]), int(r["ranks"])) for r in rs})
    bars = ("dd write (fsync)", "snapshot", "dd read", "restart")
    fig, ax = plt.subplots(figsize=(6.4, 4))
    width = 0.8 / len(bars)
    for g, (mib, np_) in enumerate(groups):
        sel = [r for r in rs if int(r["total_mib"]) == mib and int(r["ranks"]) == np_]
        med = lambda f: st.median(f(r) for r in sel)  # noqa: E731
        secs = (med(lambda r: float(r["dd_write_s"])), med(lambda r: float(r["snapshot_s"])),
                med(lambda r: float(r["dd_read_s"])),
                med(lambda r: float(r["restart_with_init_s"]) - float(r["init_s"])))
        for i, s in enumerate(secs):
            ax.bar(g + (i - 1.5) * width, mib / s if s > 0 else 0, width,
                   color=f"C{i}", label=bars[i] if g == 0 else None)
    ax.set_xticks(range(len(groups)), [f"{m} MiB, {n} ranks" for m, n in groups])
    ax.set_ylabel("MiB/s (median of rounds)")
    ax.set_title(f"Snapshot and restart bandwidth against dd, same disk\n{subtitle(rs)}", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    save(fig, out, "bandwidth")


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    out = sys.argv[1]
    done = 0
    for name, plot in (("overhead", overhead), ("snapcost", snapcost), ("bigstate", bandwidth)):
        path = os.path.join(out, f"{name}.csv")
        if not os.path.exists(path):
            print(f"plot.py: no {path}: its plot is skipped")
            continue
        rs = rows(path)
        if not rs:
            sys.exit(f"plot.py: {path} has no rows: rerun its benchmark")
        try:
            plot(rs, out)
        except (KeyError, ValueError) as e:
            sys.exit(f"plot.py: {path} is not a campaign CSV ({type(e).__name__}: {e}): rerun bench/campaign.sh")
        done += 1
    if not done:
        sys.exit(f"plot.py: no overhead.csv, snapcost.csv or bigstate.csv in {out}: run bench/campaign.sh first")


main()
