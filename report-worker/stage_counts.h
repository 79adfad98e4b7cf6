// How many live customers each owner has in each stage at an instant, as of
// the stage and owner histories (REPORTS.md: stage shares and the monthly
// distribution). Two ways to get there:
//
//  - from the whole history (`at`): the latest stage event and owner event of
//    every customer before the instant. Exact, but its cost grows with every
//    customer and event that ever existed;
//  - from the counts at an earlier instant, stored by a previous period
//    (`advance`): only the customers with a stage or owner event between the
//    two instants can have moved, so their state at the earlier instant is
//    taken out and their state at the later one put in. Its cost grows with
//    what happened in between.
//
// Both give the same counts (tested by comparing a chained backfill with
// single-period ones); the runner chains periods in ascending order, and
// falls back to the history when there is no earlier period to start from.
#pragma once

#include <soci/soci.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "periods.h"
#include "salesfollow/common/clock.h"

namespace salesfollow::report_worker {

class StageCounts {
 public:
  struct Key {
    std::string owner, team;
    int stage = 0;
    auto operator<=>(const Key&) const = default;
  };

  static StageCounts at(soci::session& read, TimePoint end);
  // The counts at `to`, from these counts at `from`. nullopt when the stored
  // counts and the histories disagree (a count would go negative): the
  // caller then computes from the history.
  std::optional<StageCounts> advance(soci::session& read, TimePoint from, TimePoint to) const;

  // The rows a previous pass stored; nullopt when that period was never
  // computed.
  static std::optional<StageCounts> stored_week(soci::session& write, LocalDate monday);
  static std::optional<StageCounts> stored_month(soci::session& write, LocalDate first_day);

  // Keys with a count of zero are dropped, so equal counts compare equal
  // however they were reached.
  const std::map<Key, long long>& entries() const { return counts_; }
  void add(const Key& key, long long delta);
  // A stored week keeps one team per owner, so a week advanced from it may
  // hold a negative (owner, team) entry that its positive twin offsets; a
  // month never may.
  bool has_negative_entry() const;

 private:
  static std::optional<StageCounts> stored(soci::session& write, const char* kind,
                                           const std::string& query, LocalDate period);
  std::map<Key, long long> counts_;
};

}  // namespace salesfollow::report_worker
