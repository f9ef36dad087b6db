"""Overhead per node, by protocol role, from the traffic table (runs with
trace.traffic = true): messages and bytes each node sends and receives per
simulated second, averaged over all peers of the run (idle ones as 0), and
where the load concentrates: the busiest peer's received messages per second
and its ratio to the mean. Roles are the protocol ids of the messages:
chord / can = overlay upkeep and every routed payload (a job's Insert
travels inside the overlay's route messages), grid = the job protocol
between clients, owners and run nodes (heartbeats, results), match = the
matchmaker's own messages (RN-Tree aggregation and searches, CAN load
updates and hand-offs, central's status reports)."""

from dataclasses import dataclass

import numpy as np

from .reader import TraceError
from .results import labels, peer_count
from .statistics import NS

PROTOCOLS = {0: "unknown", 1: "phold", 2: "chord", 3: "can", 4: "grid", 5: "match"}


@dataclass
class RoleTraffic:
    scenario: str
    matchmaker: str
    role: str
    msgs_per_node_s: float      # (sent + received) / 2 per peer per simulated second
    bytes_per_node_s: float     # sent bytes per peer per second
    hottest_received_s: float   # the busiest peer's received messages per second
    hottest_over_mean: float
    hottest_peer: int


def run_traffic(trace):
    if not trace.has("traffic") or not int(trace.table_info("traffic").get("recorded", 1)):
        raise TraceError(f"{trace.path}: no traffic table (run with --set trace.traffic=true)")
    matchmaker, scenario = labels(trace)
    peers = peer_count(trace)
    seconds = float(trace.table("engine")["sim_end"].max()) * NS
    t = trace.table("traffic")
    out = []
    for code in sorted(set(int(p) for p in t["protocol"])):
        rows = t[t["protocol"] == code]
        received = np.zeros(peers)
        np.add.at(received, rows["peer"].astype(np.int64), rows["received"].astype(np.float64))
        per_s = received / seconds
        mean = per_s.mean()
        hottest = int(per_s.argmax())
        msgs = (rows["sent"].astype(np.float64).sum() + rows["received"].astype(np.float64).sum()) / 2
        out.append(RoleTraffic(scenario, matchmaker, PROTOCOLS.get(code, str(code)), msgs / peers / seconds,
                               rows["sent_bytes"].astype(np.float64).sum() / peers / seconds, float(per_s[hottest]),
                               float(per_s[hottest] / mean) if mean > 0 else float("nan"), hottest))
    return out


def markdown(rows):
    out = ["| scenario | matchmaker | role | messages/node/s | bytes/node/s | busiest peer: received/s | busiest / mean |",
           "|:---|:---|:---|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r.scenario} | {r.matchmaker} | {r.role} | {r.msgs_per_node_s:.3f} | {r.bytes_per_node_s:.1f} | "
                   f"{r.hottest_received_s:.3f} (peer {r.hottest_peer}) | {r.hottest_over_mean:.1f} |")
    note = ("messages/node/s: (sent + received) / 2 over all peers and the simulated duration; bytes: payload bytes "
            "sent; busiest peer: the most messages received per second for that role.")
    return "\n".join(out + ["", note]) + "\n"
