#!/usr/bin/python3
"""check_python.py PYTHON_MD INSPECT SNAPSHOT - runs the h5py recipe of docs/PYTHON.md
(the first ```python block, taken from the file as it is) on SNAPSHOT and checks the
numpy arrays it gives against `mpisnap-inspect --json` and `messages --json` of the
same file: every rank's attributes, the sent/received counters, and every in-transit
message with its decoded values. Exit 1 naming the first difference."""
import json
import math
import re
import subprocess
import sys
import types

doc_path, inspect, snap = sys.argv[1:4]
code = re.search(r"```python\n(.*?)```", open(doc_path).read(), re.S).group(1)
recipe = types.ModuleType("mpisnap_read")
exec(compile(code, doc_path, "exec"), recipe.__dict__)


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    return a == b


def run(*args):
    return json.loads(subprocess.run([inspect, *args, snap], check=True, capture_output=True, text=True).stdout)


summary, transit = run("--json"), run("messages", "--json")
job, ranks, sent, recvd, messages, payloads = recipe.read_snapshot(snap)
if job["snapshot_id"] != summary["snapshot_id"] or job["program"] != summary["program"]:
    fail(f"job attributes differ: {job['snapshot_id']} {job['program']!r}")
if len(ranks) != summary["nranks"]:
    fail(f"{len(ranks)} ranks, inspect says {summary['nranks']}")
for r, j in zip(ranks, summary["ranks"]):
    for name in ["rank", "pid", "host", "trigger", "call", "call_args", "call_seconds", "t_record", "initiator"]:
        if not same(r[name].item(), j[name]):
            fail(f"rank {j['rank']}: {name} is {r[name]!r} in numpy, {j[name]!r} in inspect")
    if sent[j["rank"]].tolist() != j["sent"] or recvd[j["rank"]].tolist() != j["recvd"]:
        fail(f"rank {j['rank']}: counters differ")
    if j["in_transit_messages"] != int((messages["dst"] == j["rank"]).sum()):
        fail(f"rank {j['rank']}: in-transit count differs")
if len(messages) != len(transit["messages"]) or len(payloads) != len(messages):
    fail(f"{len(messages)} messages, inspect lists {len(transit['messages'])}")
typed = 0
for m, p, j in zip(messages, payloads, transit["messages"]):
    for name in ["src", "dst", "comm", "src_comm", "tag", "epoch", "order", "bytes"]:
        if m[name].item() != j[name]:
            fail(f"message {j}: {name} is {m[name]} in numpy")
    if p[:16].hex() != j["preview_hex"].removesuffix("..."):
        fail(f"message tag {j['tag']}: payload bytes differ")
    values = recipe.payload_values(m, p)
    if values is None:
        if j["datatype"] is not None or "values" in j:
            fail(f"message tag {j['tag']}: the recipe found no signature, inspect decoded it")
        continue
    flat = recipe.flat_values(values)
    if len(values) != j["elements"] or len(flat) != j["values_total"]:
        fail(f"message tag {j['tag']}: {len(values)} elements / {len(flat)} values, inspect says "
             f"{j['elements']} / {j['values_total']}")
    if len(flat[:8]) != len(j["values"]) or not all(map(same, flat[:8], j["values"])):
        fail(f"message tag {j['tag']}: values {flat[:8]}, inspect says {j['values']}")
    typed += 1
if typed == 0:
    fail("no message had a signature: nothing decoded was compared")
print(f"python recipe: {len(ranks)} ranks, counters, {len(messages)} messages ({typed} decoded) "
      "as mpisnap-inspect says")
