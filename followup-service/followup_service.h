// salesfollow.v1.FollowUpService: the handlers. Business rules live in
// cadence.h (pure) and the SQL in followup_repository.h.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "customer_client.h"
#include "followup_repository.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/common/page_token.h"
#include "salesfollow/common/team_calendar.h"
#include "salesfollow/v1/followup.grpc.pb.h"

namespace salesfollow::followup_service {

// A request's timestamp, refused (INVALID_ARGUMENT naming `field`) when unset
// or outside 1970 .. 9999, what DATETIME(6) stores.
TimePoint checked_time(const google::protobuf::Timestamp& t, const std::string& field);

struct FollowUpSettings {
  std::int64_t attachment_max_bytes = 20 * 1024 * 1024;
  std::chrono::milliseconds clock_skew{std::chrono::minutes(5)};
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(15)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
  // Each open WatchReminders stream holds a thread of the synchronous
  // server for its whole life: beyond this many, new streams are refused
  // (RESOURCE_EXHAUSTED) so that the other calls keep threads to run on.
  int max_reminder_streams = 32;
};

// Business metrics; labels hold channel names and rep ids only.
class FollowUpMetrics {
 public:
  explicit FollowUpMetrics(prometheus::Registry& registry);
  void logged(int channel);
  void late(const std::string& follower);
  void amended() { amendments_.Increment(); }
  void stream_opened() { open_streams_.Increment(); }
  void stream_closed() { open_streams_.Decrement(); }
  void set_overdue(const std::vector<std::pair<std::string, long long>>& by_owner);

 private:
  prometheus::Family<prometheus::Counter>& logged_;
  prometheus::Family<prometheus::Counter>& late_;
  prometheus::Counter& amendments_;
  prometheus::Gauge& open_streams_;
  prometheus::Family<prometheus::Gauge>& overdue_;
  std::mutex overdue_mutex_;
  std::vector<std::string> overdue_owners_;
};

struct FollowUpDeps {
  ConnectionPool& db;
  const Clock& clock;
  const TeamCalendar& calendar;
  const TokenVerifier& tokens;
  const PageTokenCodec& page_tokens;
  const CustomerClient& customers;
  FollowUpMetrics& metrics;
  FollowUpSettings settings;
};

class FollowUpServiceImpl final : public v1::FollowUpService::Service {
 public:
  explicit FollowUpServiceImpl(FollowUpDeps deps) : deps_(deps) {}

  // Wakes reminder streams (new reminders) and, with `stopping`, ends them.
  void notify_reminders();
  void stop_streams();

  grpc::Status LogFollowUp(grpc::ServerContext* context, const v1::LogFollowUpRequest* request,
                           v1::LogFollowUpResponse* response) override;
  grpc::Status GetFollowUp(grpc::ServerContext* context, const v1::GetFollowUpRequest* request,
                           v1::FollowUp* response) override;
  grpc::Status ListFollowUps(grpc::ServerContext* context, const v1::ListFollowUpsRequest* request,
                             v1::ListFollowUpsResponse* response) override;
  grpc::Status AmendFollowUp(grpc::ServerContext* context, const v1::AmendFollowUpRequest* request,
                             v1::FollowUp* response) override;
  grpc::Status PlanNextFollowUp(grpc::ServerContext* context,
                                const v1::PlanNextFollowUpRequest* request,
                                v1::FollowUpPlan* response) override;
  grpc::Status ListDueFollowUps(grpc::ServerContext* context,
                                const v1::ListDueFollowUpsRequest* request,
                                v1::ListDueFollowUpsResponse* response) override;
  grpc::Status ListStalledCustomers(grpc::ServerContext* context,
                                    const v1::ListStalledCustomersRequest* request,
                                    v1::ListStalledCustomersResponse* response) override;
  grpc::Status ListHighIntentCustomers(grpc::ServerContext* context,
                                       const v1::ListHighIntentCustomersRequest* request,
                                       v1::ListHighIntentCustomersResponse* response) override;
  grpc::Status WatchReminders(grpc::ServerContext* context,
                              const v1::WatchRemindersRequest* request,
                              grpc::ServerWriter<v1::Reminder>* writer) override;
  grpc::Status GetCadencePolicy(grpc::ServerContext* context,
                                const v1::GetCadencePolicyRequest* request,
                                v1::CadencePolicy* response) override;
  grpc::Status UpdateCadencePolicy(grpc::ServerContext* context,
                                   const v1::UpdateCadencePolicyRequest* request,
                                   v1::CadencePolicy* response) override;
  grpc::Status SetCustomerCadence(grpc::ServerContext* context,
                                  const v1::SetCustomerCadenceRequest* request,
                                  v1::CustomerCadence* response) override;
  grpc::Status UploadAttachment(grpc::ServerContext* context,
                                grpc::ServerReader<v1::UploadAttachmentRequest>* reader,
                                v1::Attachment* response) override;
  grpc::Status DownloadAttachment(
      grpc::ServerContext* context, const v1::DownloadAttachmentRequest* request,
      grpc::ServerWriter<v1::DownloadAttachmentResponse>* writer) override;
  grpc::Status ListAttachments(grpc::ServerContext* context,
                               const v1::ListAttachmentsRequest* request,
                               v1::ListAttachmentsResponse* response) override;

 private:
  DbBudget budget(const grpc::ServerContext& context) const;
  CustomerView accessible_customer(FollowUpRepository& repository, const Caller& caller,
                                   std::uint64_t id) const;
  // The follow-up and its customer, if the caller may see them.
  std::pair<FollowUpRow, CustomerView> accessible_follow_up(FollowUpRepository& repository,
                                                            const Caller& caller, std::uint64_t id,
                                                            bool for_update) const;
  ListScope list_scope(const Caller& caller, const std::string& owner_id) const;
  v1::FollowUp to_proto(const FollowUpRow& row) const;
  v1::FollowUpPlan plan_to_proto(const PlanRow& row) const;
  std::pair<TimePoint, TimePoint> today_bounds() const;

  FollowUpDeps deps_;
  std::mutex streams_mutex_;
  std::condition_variable streams_wake_;
  std::uint64_t reminder_generation_ = 0;
  bool stopping_ = false;
  int open_streams_ = 0;  // guarded by streams_mutex_
};

std::string follow_up_name(std::uint64_t id);
std::uint64_t parse_follow_up_name(const std::string& name, const std::string& field);

}  // namespace salesfollow::followup_service
