// The weekly review as one self-contained HTML page for the review meeting:
// inline CSS and SVG only, no script, no external resource, Chinese labels.
// Every number the page shows from the ReportService carries a data-metric
// attribute naming it (e.g. data-metric="stage_share:won"), so that a test or
// a script can read the page back and compare it with the service's answer.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "labels.h"
#include "salesfollow/v1/followup.pb.h"
#include "salesfollow/v1/report.pb.h"

namespace salesfollow::salesctl {

struct WeeklyPageInput {
  v1::WeeklyReview review;
  std::vector<v1::FollowUpPlan> high_intent;
  std::vector<v1::StalledCustomer> stalled;
  // Dictionary labels by code (a code without a label is shown as is).
  std::map<std::string, std::string> source_labels;
  std::map<std::string, std::string> industry_labels;
  std::map<std::string, std::string> loss_reason_labels;
  // Whose numbers: "团队" / "全部" / an owner id.
  std::string scope;
  TimePoint generated_at;
};

// Formats shared by the page and its readers (tests compare with these).
std::string metric_count(long long value);
// share as "35.0%", or "—" when unset.
std::string metric_share(const v1::StageShare& stage);
// change in points as "+1.2", or "—" when unset.
std::string metric_change(const v1::StageShare& stage);
// seconds as days with one decimal.
std::string metric_days(double seconds);

std::string render_weekly_page(const WeeklyPageInput& input, const TeamTime& time);

}  // namespace salesfollow::salesctl
