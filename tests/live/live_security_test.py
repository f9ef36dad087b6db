"""Issue 16, message security: forged, replayed, truncated, oversized,
stale, spoofed, garbled and flooding datagrams are dropped and counted by
reason, and the node keeps serving. The envelope is built here from its
description in include/p2pgrid/live/envelope.hpp. Usage:
live_security_test.py BINARY"""

import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import time

from livegrid import Grid

HEADER = struct.Struct("<4sBBIHQq")
REQUEST, PROTOCOL = 3, 1


def ip_value(addr):
    return struct.unpack(">I", socket.inet_aton(addr))[0]


def seal(key, channel, sender, port, sequence, payload, sent_ms=None, magic=b"P2GL", version=1):
    sent_ms = int(time.time() * 1000) if sent_ms is None else sent_ms
    body = HEADER.pack(magic, version, channel, sender, port, sequence, sent_ms) + payload
    return body + hmac.new(key, body, hashlib.sha256).digest()


def stats_query(request_id):
    # The live layer's query: protocol byte 0, codec version 3, type 6 (query),
    # request id, query 3 (stats), job 0.
    return bytes([0, 3, 6]) + struct.pack("<QBQ", request_id, 3, 0)


def main():
    grid = Grid(sys.argv[1], 2, seeds=1)
    # A low rate limit for this grid, so a flood is cut off.
    grid.extra = "rate_limit = 400\nrate_burst = 800\nmax_message = 20000\n"
    failures = []
    try:
        grid.start_all()
        key = open(grid.secret, "rb").read().strip()
        node = (grid.addresses[0], grid.port)
        before = grid.stats(0)["drops"]
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        client.bind((grid.net + ".100", 0))
        client.settimeout(2)
        seq = time.time_ns() // 1000

        def ask(datagram, patience=2.0):
            client.settimeout(patience)
            client.sendto(datagram, node)
            try:
                return client.recvfrom(65536)[0]
            except socket.timeout:
                return None

        good = seal(key, REQUEST, 0, 0, seq, stats_query(7))
        if ask(good) is None:
            failures.append("a well-formed, authentic request got no answer")
        if ask(good, 0.5) is not None:
            failures.append("a replayed request was answered")
        seq += 1
        sent = {
            "bad_mac": [seal(b"not the grid's secret, at all", REQUEST, 0, 0, seq + 1, stats_query(8)),
                        good[:-1] + bytes([good[-1] ^ 1])],
            "truncated": [good[:40], b"", good[:59]],
            "oversized": [seal(key, REQUEST, 0, 0, seq + 2, stats_query(9) + bytes(30000))],
            "bad_magic": [seal(key, REQUEST, 0, 0, seq + 3, stats_query(10), magic=b"XXXX")],
            "bad_version": [seal(key, REQUEST, 0, 0, seq + 4, stats_query(11), version=9)],
            "stale": [seal(key, REQUEST, 0, 0, seq + 5, stats_query(12), sent_ms=int(time.time() * 1000) - 3600_000)],
            "undecodable": [seal(key, REQUEST, 0, 0, seq + 6, b"\x00\x02\x06garbage")],
            # A protocol message that claims to come from the other node.
            "spoofed": [seal(key, PROTOCOL, ip_value(grid.addresses[1]), grid.port, seq + 7, b"\x04\x02\x01")],
        }
        for datagrams in sent.values():
            for d in datagrams:
                if ask(d, 0.2) is not None:
                    failures.append(f"a bad datagram was answered: {d[:32]!r}")
        # A garbled protocol message from a real peer address and port.
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind((grid.net + ".200", grid.port))
        peer.sendto(seal(key, PROTOCOL, ip_value(grid.net + ".200"), grid.port, seq + 8, b"\x02\x02\xff\x00"), node)
        sent["undecodable"].append(b"")
        # A flood well above the rate limit, from one more address.
        flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        flood.bind((grid.net + ".201", 0))
        start = time.time()
        for i in range(3000):
            flood.sendto(b"x" * 64, node)
            if i % 50 == 0:
                time.sleep(0.001)  # not faster than the node's socket buffer drains
        elapsed = time.time() - start
        time.sleep(0.5)
        after = grid.stats(0)
        drops = {k: after["drops"][k] - before[k] for k in before}
        print("drops:", json.dumps(drops), flush=True)
        expected = {"replayed": 1, **{k: len(v) for k, v in sent.items()}}
        for reason, count in expected.items():
            if drops.get(reason, 0) < count:
                failures.append(f"{reason}: {count} sent, {drops.get(reason, 0)} counted")
        # The flood's datagrams (not envelopes) that got past the rate limit
        # were counted bad_magic: at most the burst plus the rate meanwhile.
        admitted = drops["bad_magic"] - len(sent["bad_magic"])
        print(f"flood: 3000 sent in {elapsed:.2f} s, {admitted} admitted, {drops['rate_limited']} rate-limited")
        if drops["rate_limited"] == 0 or admitted > 800 + 400 * (elapsed + 0.5) + 1:
            failures.append(f"the rate limit let {admitted} of the flood through in {elapsed:.2f} s")
        # Still serving: a job submitted after all of that completes.
        r = grid.result(0, grid.submit(0, ["echo", "fine"]), timeout=30)
        if r.get("state") != "completed" or r.get("stdout") != "fine\n":
            failures.append(f"a job after the attacks: {r}")
        for i, p in grid.procs.items():
            if p.poll() is not None:
                failures.append(f"node {i} died: {grid.log(i)[-2000:]}")
    finally:
        leftovers = grid.stop()
    if leftovers:
        failures.append(f"job processes left running: {leftovers}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
