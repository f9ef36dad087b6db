#pragma once
/// A live node: the emulator's peer stack (GridPeer<ChordJobOwners, RnTree>,
/// the same code) behind a real-time Context, one UDP socket and a
/// Boost.Asio event loop on one thread.
///
/// - Addresses: a live peer's PeerId is its IPv4 address, and every node of
///   a grid listens on the same UDP port, so any PeerId the protocols carry
///   (successor lists, run nodes, owners) is reachable without a directory.
///   On one machine, nodes use different loopback addresses (127.0.0.x).
/// - UDP, not TCP: the protocols already treat every message as droppable
///   (timeouts, heartbeats, retries), messages are small, and a connection
///   per peer would add state that a kill -9 leaves half-open.
/// - Time: now() is the wall clock (Unix ns), so times in messages mean the
///   same on every node; timers run on the monotonic clock.
/// - Jobs: grid::Executor starts the real program in the sandbox when the
///   job layer starts a job, and fires its completion timer when it ends.

#include <memory>

#include "p2pgrid/live/node_config.hpp"

namespace p2pgrid::live {

/// Runs until SIGINT or SIGTERM; returns the exit code. Throws
/// std::runtime_error when it cannot start (socket, secret, sandbox).
int run_node(const NodeSettings& settings);

}  // namespace p2pgrid::live
