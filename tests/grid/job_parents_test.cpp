#include "p2pgrid/grid/job_parents.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace p2pgrid::grid {
namespace {

std::vector<std::uint32_t> list(std::span<const std::uint32_t> s) { return {s.begin(), s.end()}; }

TEST(JobParents, RowsGiveEachJobItsOwnParents) {
  JobParents p;
  EXPECT_FALSE(p.any());
  EXPECT_TRUE(p.of(0).empty()) << "a client without workflows";
  p.append(0, {});
  p.append(1, std::vector<std::uint32_t>{0});
  p.append(2, {});
  p.append(3, std::vector<std::uint32_t>{0, 2});
  EXPECT_TRUE(p.any());
  EXPECT_EQ(list(p.of(0)), std::vector<std::uint32_t>{});
  EXPECT_EQ(list(p.of(1)), std::vector<std::uint32_t>{0});
  EXPECT_EQ(list(p.of(2)), std::vector<std::uint32_t>{});
  EXPECT_EQ(list(p.of(3)), (std::vector<std::uint32_t>{0, 2}));
  EXPECT_TRUE(p.of(4).empty()) << "jobs past the rows have none";
  EXPECT_GE(p.heap_bytes(), 8 * sizeof(std::uint32_t));  // five row starts, three parents
}

TEST(JobParents, RefusesJobsOutOfOrderAndLaterParents) {
  JobParents p;
  EXPECT_THROW(p.append(1, {}), std::logic_error);
  p.append(0, {});
  EXPECT_THROW(p.append(2, {}), std::logic_error);
  EXPECT_THROW(p.append(1, std::vector<std::uint32_t>{1}), std::logic_error) << "a job cannot wait for itself";
  p.append(1, std::vector<std::uint32_t>{0});
  EXPECT_EQ(list(p.of(1)), std::vector<std::uint32_t>{0});
}

}  // namespace
}  // namespace p2pgrid::grid
