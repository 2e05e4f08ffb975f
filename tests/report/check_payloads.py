#!/usr/bin/python3
"""check_payloads.py INSPECT SNAPSHOT - the in-transit messages of payloads.c's
snapshot, decoded by `mpisnap-inspect messages` (JSON and text), must be exactly what
payloads.c sent (the values below are computed as payloads.c computes them). Exit 1
naming the first difference."""
import json
import subprocess
import sys

inspect, snap = sys.argv[1], sys.argv[2]
s = "</td><script>alert('payload')</script> & \"co\"\0"
expected = {  # tag: (datatype, signature, elements, values_total, first values)
    1: ("MPI_DOUBLE", "<f8", 5, 5, [1.5, -2.25, 3.0e10, 0.125, 6.0]),
    2: ("MPI_INT", "<i4", 40, 40, [7 * i - 3 for i in range(8)]),
    3: ("MPI_CHAR", "S1", len(s), len(s), list(s[:8])),
    4: ("derived", "3<i4,<f8,4S1", 2, 16, [1, 2, 3, 0.5, "a", "b", "c", "d"]),
    5: ("derived", "3<f8", 1, 3, [10.0, 12.0, 14.0]),
}
q = b"".join(((i + 1) * 1000000007).to_bytes(8, "little") for i in range(8))


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


doc = json.loads(subprocess.run([inspect, "messages", "--json", snap], check=True,
                                capture_output=True, text=True).stdout)
msgs = {m["tag"]: m for m in doc["messages"]}
if sorted(msgs) != [1, 2, 3, 4, 5, 6] or len(doc["messages"]) != 6:
    fail(f"expected one message of each tag 1..6 in transit, got tags {sorted(msgs)}")
for tag, (dt, sig, elements, total, first) in expected.items():
    m = msgs[tag]
    got = (m.get("datatype"), m.get("signature"), m.get("elements"), m.get("values_total"), m.get("values"))
    if got != (dt, sig, elements, total, first):
        fail(f"tag {tag}: got {got}, expected {(dt, sig, elements, total, first)}")
    if (m["src"], m["dst"]) != (1, 0):
        fail(f"tag {tag}: {m['src']} -> {m['dst']}, expected 1 -> 0")
m = msgs[6]  # nobody asked for it: its type is unknown, its bytes are shown
if m["datatype"] is not None or "values" in m or m["preview_hex"] != q[:16].hex() + "..." or m["bytes"] != 64:
    fail(f"tag 6 (type unknown): {m}")

text = subprocess.run([inspect, "messages", snap], check=True, capture_output=True, text=True).stdout
for line in ["tag 1  40 bytes  epoch 0  order", "MPI_DOUBLE[5]: 1.5 -2.25 3e+10 0.125 6",
             "MPI_INT[40]: -3 4 11 18 25 32 39 46 ...",
             "MPI_CHAR[46]: \"</td><script>alert('payload')</script> & \\\"co\\\"\\x00\"",
             "derived{3<i4,<f8,4S1}[2]: {1 2 3 0.5 \"abcd\"} {4 5 6} ...",
             "derived{3<f8}[1]: {10 12 14}", "data 07 ca 9a 3b 00 00 00 00 0e 94 35 77"]:
    if line not in text:
        fail(f"messages (text) lacks: {line}\n{text}")
print("payload values as sent: 5 typed messages decoded, 1 of unknown type shown as bytes")
