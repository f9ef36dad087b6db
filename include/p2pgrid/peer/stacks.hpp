#pragma once
/// The grid stacks the harness runs, and the contracts each must meet,
/// checked by the compiler.

#include "p2pgrid/match/can_match.hpp"
#include "p2pgrid/match/central.hpp"
#include "p2pgrid/match/rntree.hpp"
#include "p2pgrid/peer/can_job_owners.hpp"
#include "p2pgrid/peer/chord_job_owners.hpp"
#include "p2pgrid/peer/grid_peer.hpp"

namespace p2pgrid::peer {

static_assert(Overlay<chord::Node>);
static_assert(Overlay<can::Node>);
static_assert(JobOwners<ChordJobOwners>);
static_assert(JobOwners<CanJobOwners>);
static_assert(Matchmaker<match::Central, chord::Node>);
static_assert(Matchmaker<match::Central, can::Node>);
static_assert(Matchmaker<match::RnTree, chord::Node>);
static_assert(Matchmaker<match::CanMatch, can::Node>);

using CentralPeer = GridPeer<ChordJobOwners, match::Central>;
using RnTreePeer = GridPeer<ChordJobOwners, match::RnTree>;
using CanPeer = GridPeer<CanJobOwners, match::CanMatch>;

}  // namespace p2pgrid::peer
