// The sample data: the brief's two template customers with their follow-ups,
// then weeks of realistic history for two teams, written through the public
// gRPC API. With a clock file, the generator moves the processes' test clock
// through the weeks so that every recorded time (creations, stage events,
// follow-ups, reminders) falls where it would have. Deterministic for a seed;
// request ids make a re-run write nothing twice.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "salesfollow/common/auth.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/team_calendar.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "salesfollow/v1/dictionary.grpc.pb.h"
#include "salesfollow/v1/followup.grpc.pb.h"

namespace salesfollow::seed {

struct SampleUser {
  std::string id, name;
  Role role;
  std::string team;
};

struct SeedSettings {
  std::string customer_service, followup_service;
  std::string token_secret;
  std::optional<std::filesystem::path> clock_file;  // move the test clock here
  int history_weeks = 12;
  unsigned seed = 42;
};

class SampleData {
 public:
  explicit SampleData(SeedSettings settings);
  // Returns the number of API calls that wrote something.
  int load();

 private:
  struct Customer {
    std::string name;   // customers/N
    std::string owner;  // user id
    v1::Stage stage;
    std::string first_contact;
  };

  void set_clock(TimePoint t);
  std::string token_of(const std::string& user_id) const;
  std::string create_customer(const v1::Customer& profile, const std::string& token,
                              const std::string& request_id);
  v1::LogFollowUpResponse log_follow_up(const v1::LogFollowUpRequest& request,
                                        const std::string& token);
  void load_template();
  void load_talk_tracks();
  void amend_follow_up(const std::string& follow_up, const std::string& feedback,
                       const std::string& token);
  void simulate_day(TimePoint day_start, int day_number);
  v1::Customer random_profile(const SampleUser& owner, const std::string& first_contact);

  SeedSettings settings_;
  TeamCalendar calendar_{"Asia/Shanghai"};
  std::unique_ptr<v1::CustomerService::Stub> customers_;
  std::unique_ptr<v1::DictionaryService::Stub> dictionaries_;
  std::unique_ptr<v1::FollowUpService::Stub> followups_;
  std::vector<SampleUser> users_;
  std::map<std::string, std::string> tokens_;
  std::vector<Customer> book_;
  std::mt19937 random_;
  TimePoint now_;
  int writes_ = 0;
  int serial_ = 0;
};

}  // namespace salesfollow::seed
