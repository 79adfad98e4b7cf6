// A customer as stored: the row of `customers` plus its need tags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "salesfollow/common/clock.h"

namespace salesfollow::customer_service {

// Stage codes as stored (same numbers as salesfollow.v1.Stage).
inline constexpr int kStagePotential = 1;
inline constexpr int kStageLost = 5;
inline constexpr int kStageWon = 4;

struct SealedContact {
  std::string name_enc, name_masked, title;
  std::optional<std::string> phone_enc, phone_masked, phone_bidx;
  std::optional<std::string> email_enc, email_masked, email_bidx;
  std::optional<std::string> wechat_enc, wechat_masked;
};

struct CustomerRecord {
  std::uint64_t id = 0;
  std::string display_name;
  std::string name_key;
  std::string industry;
  std::string source;
  SealedContact contact;
  std::string first_contact_date;  // YYYY-MM-DD
  std::vector<std::string> need_tags;
  std::string need_description;
  std::string company_size;
  std::string notes;
  std::string owner_id;
  std::string team_id;
  int stage = kStagePotential;
  TimePoint stage_changed_at;
  bool deleted = false;
  std::optional<TimePoint> deleted_at;
  std::string created_by;
  TimePoint created_at;
  TimePoint updated_at;
  std::uint32_t version = 1;
};

struct StageEventRecord {
  std::uint64_t id = 0;
  std::uint64_t customer_id = 0;
  std::optional<int> from_stage;
  int to_stage = kStagePotential;
  std::string reason;
  std::string loss_reason;
  std::string loss_note;
  std::string actor_id;
  std::string owner_id;
  std::string team_id;
  TimePoint created_at;
};

struct OwnerEventRecord {
  std::uint64_t customer_id = 0;
  std::optional<std::string> from_owner, from_team;
  std::string to_owner, to_team, reason, actor_id;
  TimePoint created_at;
};

}  // namespace salesfollow::customer_service
