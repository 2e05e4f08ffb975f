#!/usr/bin/python3
"""check_report.py INSPECT SNAPDIR OUTDIR - `mpisnap-inspect report` of payloads.c's
snapshots (SNAPDIR/snap-*.h5: a deadlock of ranks 0 and 1, rank 2 in a barrier, typed
messages in transit), opened in real headless Chromium.

Checks: the page is written (exit 0); it fetches nothing and has no script (every
href/src is an in-page anchor); Chromium loads it with no console message (the
detection itself is first shown to work on a page that does log errors); the DOM
Chromium built holds the wait-for graph (an <svg> in the waits section with the nodes
"rank 0", "rank 1", "rank 2"), the call-prefix tree (an <svg> naming main and
payloads.c), the ranks table, the decoded messages, the progress view (every rank
without progress between two snapshots of the hang); and HTML injection is impossible: the payload string "</td><script>..."
and a file crafted with markup in its program name, host and call arguments come out
as text, with no element of theirs in the DOM; a file that is not a snapshot, and
snapshots of two jobs, are refused with one line. Artifacts in OUTDIR: report.html,
report.png (the screenshot), crafted.html, chromium.log."""
import glob
import html.parser
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

inspect, snapdir, outdir = sys.argv[1:4]
if not shutil.which("chromium"):
    print("FAIL: chromium is not installed: apt-get install chromium (scripts/setup-deps.sh)", file=sys.stderr)
    sys.exit(1)
os.makedirs(outdir, exist_ok=True)
profile = os.path.join(outdir, "chromium-profile")  # no state from a previous run
shutil.rmtree(profile, ignore_errors=True)


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def chromium(page, *args):
    """Chromium headless on a file; (DOM or "", console lines)."""
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}",
           *args, "file://" + os.path.abspath(page)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    with open(os.path.join(outdir, "chromium.log"), "a") as log:
        log.write(f"$ {' '.join(cmd)}\n{r.stderr}\n")
    console = [l for l in r.stderr.splitlines() if ":CONSOLE" in l or "Refused to" in l or "net::ERR" in l]
    return r.stdout, console


class Dom(html.parser.HTMLParser):
    """Elements (tag, attrs, the section they are in) and the text of each section, of
    svg <text> elements per section, and of table cells."""

    def __init__(self):
        super().__init__()
        self.elements, self.stack, self.texts, self.svg_text, self.cells = [], [], {}, {}, []
        self.section, self.in_svg_text, self.cell = None, False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id")
        self.elements.append((tag, a, self.section))
        self.in_svg_text |= tag == "text"
        if tag == "td":
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "text":
            self.in_svg_text = False
        if tag == "td" and self.cell is not None:
            self.cells.append(self.cell)
            self.cell = None

    def handle_data(self, data):
        self.texts[self.section] = self.texts.get(self.section, "") + data
        if self.in_svg_text:
            self.svg_text.setdefault(self.section, []).append(data.strip())
        if self.cell is not None:
            self.cell += data


def parse(dom):
    d = Dom()
    d.feed(dom)
    return d


snaps = sorted(glob.glob(os.path.join(snapdir, "snap-*.h5")))
if len(snaps) < 1:
    fail(f"no snapshot in {snapdir}")
if len(snaps) == 1:
    # the watchdog of each rank may take a snapshot of the hang, or only one of them does:
    # for a series every time, a copy of it taken "2 s later" (the same job, nothing moved)
    later = os.path.join(outdir, "later.h5")
    shutil.copy(snaps[0], later)
    with h5py.File(later, "r+") as f:
        f.attrs["snapshot_id"] = np.uint64(f.attrs["snapshot_id"] + 1)
        f.attrs["t_start"] = f.attrs["t_start"] + 2.0
    snaps.append(later)
page = os.path.join(outdir, "report.html")
with open(page, "w") as out:
    r = subprocess.run([inspect, "report", *snaps], stdout=out, stderr=subprocess.PIPE, text=True)
if r.returncode != 0:
    fail(f"report exited with {r.returncode}: {r.stderr}")
source = open(page).read()

# 1. self-contained: no script, every link an in-page anchor, nothing to fetch
static = parse(source)
for tag, a, _ in static.elements:
    if tag in ("script", "iframe", "object", "embed", "link", "img"):
        fail(f"the page has a <{tag}> element")
    for k in ("href", "src", "xlink:href", "action"):
        if k in a and not a[k].startswith("#"):
            fail(f"<{tag} {k}={a[k]!r}> points outside the page")
    if any(k.startswith("on") for k in a):
        fail(f"<{tag}> has an event handler attribute")
if "url(" in source or "@import" in source:
    fail("the CSS fetches something")

# 2. the console check works: a page that logs must be caught
probe = os.path.join(outdir, "probe.html")
with open(probe, "w") as p:
    p.write('<!DOCTYPE html><html><body><script>console.error("probe"); nosuch();</script></body></html>')
_, console = chromium(probe, "--dump-dom")
if not any('"probe"' in l for l in console) or not any("nosuch" in l for l in console):
    fail(f"Chromium's console is not seen (the check could not fail): {console}")

# 3. the report in Chromium: no console message, the DOM it built
dom, console = chromium(page, "--dump-dom")
if console:
    fail("Chromium's console while loading the report:\n" + "\n".join(console))
d = parse(dom)
if not dom.strip() or "mpisnap report" not in d.texts.get(None, ""):
    fail("Chromium gave no DOM for the report")
for section in ("job", "waits", "tree", "ranks", "messages", "progress"):
    if section not in d.texts:
        fail(f"no section {section}")
if not any(tag == "svg" and s == "waits" for tag, _, s in d.elements):
    fail("no <svg> wait-for graph in the waits section")
nodes = set(d.svg_text.get("waits", []))
if not {"rank 0", "rank 1", "rank 2"} <= nodes:
    fail(f"the wait-for graph lacks the nodes rank 0, rank 1, rank 2: {sorted(nodes)}")
if "Deadlock among ranks 0, 1; rank 2 blocked by it" not in d.texts["waits"]:
    fail("the verdict is not the deadlock of ranks 0 and 1")
tree = " ".join(d.svg_text.get("tree", []))
if "main (payloads.c:" not in tree or "MPI_Recv" not in tree or "MPI_Barrier" not in tree:
    fail(f"the call-prefix tree lacks main (payloads.c:...), MPI_Recv, MPI_Barrier: {tree}")
for want in ("MPI_DOUBLE[5]: 1.5 -2.25 3e+10 0.125 6", "MPI_INT[40]: -3 4 11 18 25 32 39 46 ...",
             "derived{3<i4,<f8,4S1}[2]:"):
    if not any(want in c for c in d.cells):
        fail(f"messages lack the cell {want!r}")
payload = "MPI_CHAR[46]: \"</td><script>alert('payload')</script> & \\\"co\\\"\\x00\""
if payload not in d.cells:
    fail("the payload with markup is not shown as text in one cell")
if any(tag == "script" for tag, _, _ in d.elements):
    fail("a <script> element is in the DOM")
for want in ("MPI_Recv", "peer=1 tag=7 comm=0 count=1 datatype=MPI_INT", "Irecv peer 1 tag 1 WORLD 5 MPI_DOUBLE"):
    if not any(want in c for c in d.cells):
        fail(f"the ranks table lacks {want!r}")
if "No progress at all: 3 of 3 ranks" not in d.texts["progress"] or len(d.texts["progress"].split("no progress")) < 4:
    fail("the progress view does not show that no rank made progress")

# 4. a crafted file: markup in strings the page shows
crafted = os.path.join(outdir, "crafted.h5")
shutil.copy(snaps[-1], crafted)
evil = {"program": "<script>alert(1)</script><img src=x onerror=alert(2)>",
        "ranks/0/host": "<b>host</b>\"'&",
        "ranks/1/call_args": "</td></tr></table><iframe src=//evil>"}
with h5py.File(crafted, "r+") as f:
    for path, value in evil.items():
        obj, name = (f, path) if "/" not in path else (f[path.rsplit("/", 1)[0]], path.rsplit("/", 1)[1])
        del obj.attrs[name]
        obj.attrs.create(name, np.bytes_(value), dtype=h5py.string_dtype("ascii", len(value) + 1))
crafted_page = os.path.join(outdir, "crafted.html")
with open(crafted_page, "w") as out:
    r = subprocess.run([inspect, "report", crafted], stdout=out, stderr=subprocess.PIPE, text=True)
if r.returncode != 0:
    fail(f"report of the crafted file exited with {r.returncode}: {r.stderr}")
dom, console = chromium(crafted_page, "--dump-dom")
c = parse(dom)
if console:
    fail("console messages on the crafted report:\n" + "\n".join(console))
bad = [tag for tag, a, _ in c.elements if tag in ("script", "img", "iframe", "b") or any(k.startswith("on") for k in a)]
if bad:
    fail(f"the crafted file injected elements: {bad}")
alltext = "".join(c.texts.values())
for value in evil.values():
    if value not in alltext:
        fail(f"the crafted string {value!r} is not shown as text")
tables = [len([t for t, _, _ in x.elements if t == "table"]) for x in (d, c)]
if tables[1] != tables[0] - (len(snaps) - 1):  # one progress table per interval
    fail(f"the crafted call arguments changed the page's structure: {tables[1]} tables")

# 5. refusals: one line, exit 2, no half page
other = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(snapdir)), "payloads.ly", "snap-*.h5")))
cases = [([__file__], "not an HDF5 file")] + ([([snaps[0], other[0]], "a report is about one job")] if other else [])
if not other:
    fail("no snapshot of the ly job to compare with (test report.payloads.ly.run)")
for files, why in cases:
    r = subprocess.run([inspect, "report", *files], capture_output=True, text=True)
    if r.returncode != 2 or r.stdout or len(r.stderr.splitlines()) != 1 or why not in r.stderr:
        fail(f"report {files}: exit {r.returncode}, {len(r.stdout)} bytes out, stderr {r.stderr!r}")

# 6. the screenshot, kept as an artifact
shot = os.path.join(outdir, "report.png")
if os.path.exists(shot):
    os.remove(shot)
_, console = chromium(page, f"--screenshot={shot}", "--window-size=1280,3000")
if console or not os.path.exists(shot) or os.path.getsize(shot) < 20000:
    fail(f"no screenshot {shot} ({console})")
with open(shot, "rb") as p:
    if p.read(8) != b"\x89PNG\r\n\x1a\n":
        fail("the screenshot is not a PNG")
print(f"report: loads in Chromium without console messages, wait-for graph and tree present, "
      f"markup shown as text; screenshot {shot}")
