// salesfollow.v1.CustomerService: the gRPC handlers. Each handler
// authenticates, validates, runs its SQL through CustomerRepository inside a
// transaction, and maps rows to messages; errors become statuses in guarded().
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <array>

#include "contact_protection.h"
#include "customer_record.h"
#include "customer_repository.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/clock.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/common/page_token.h"
#include "salesfollow/common/team_calendar.h"
#include "salesfollow/v1/customer.grpc.pb.h"

namespace salesfollow::customer_service {

// Business metrics; no personal data and no customer ids in labels.
class CustomerMetrics {
 public:
  explicit CustomerMetrics(prometheus::Registry& registry);
  void created(double count = 1) { created_.Increment(count); }
  void stage_changed(int from, int to);
  void revealed() { reveals_.Increment(); }
  void imported(const char* outcome, double count);
  void transferred() { transfers_.Increment(); }

 private:
  prometheus::Counter& created_;
  prometheus::Family<prometheus::Counter>& stage_changes_;
  std::array<std::array<prometheus::Counter*, 6>, 6> stage_change_counters_{};
  prometheus::Counter& reveals_;
  prometheus::Counter& transfers_;
  prometheus::Family<prometheus::Counter>& import_rows_;
};

struct CustomerServiceDeps {
  ConnectionPool& db;
  const Clock& clock;
  const TeamCalendar& calendar;
  const TokenVerifier& tokens;
  const ContactProtector& contacts;
  const PageTokenCodec& page_tokens;
  CustomerMetrics& metrics;
};

class CustomerServiceImpl final : public v1::CustomerService::Service {
 public:
  explicit CustomerServiceImpl(CustomerServiceDeps deps) : deps_(deps) {}

  grpc::Status CreateCustomer(grpc::ServerContext* context,
                              const v1::CreateCustomerRequest* request,
                              v1::Customer* response) override;
  grpc::Status GetCustomer(grpc::ServerContext* context, const v1::GetCustomerRequest* request,
                           v1::Customer* response) override;
  grpc::Status ListCustomers(grpc::ServerContext* context, const v1::ListCustomersRequest* request,
                             v1::ListCustomersResponse* response) override;
  grpc::Status UpdateCustomer(grpc::ServerContext* context,
                              const v1::UpdateCustomerRequest* request,
                              v1::Customer* response) override;
  grpc::Status DeleteCustomer(grpc::ServerContext* context,
                              const v1::DeleteCustomerRequest* request,
                              v1::Customer* response) override;
  grpc::Status UndeleteCustomer(grpc::ServerContext* context,
                                const v1::UndeleteCustomerRequest* request,
                                v1::Customer* response) override;
  grpc::Status ChangeCustomerStage(grpc::ServerContext* context,
                                   const v1::ChangeCustomerStageRequest* request,
                                   v1::ChangeCustomerStageResponse* response) override;
  grpc::Status ListStageEvents(grpc::ServerContext* context,
                               const v1::ListStageEventsRequest* request,
                               v1::ListStageEventsResponse* response) override;
  grpc::Status TransferCustomer(grpc::ServerContext* context,
                                const v1::TransferCustomerRequest* request,
                                v1::Customer* response) override;
  grpc::Status RevealContact(grpc::ServerContext* context, const v1::RevealContactRequest* request,
                             v1::RevealContactResponse* response) override;
  grpc::Status ImportCustomers(grpc::ServerContext* context,
                               grpc::ServerReader<v1::ImportCustomersRequest>* reader,
                               v1::ImportCustomersResponse* response) override;
  grpc::Status ExportCustomers(grpc::ServerContext* context,
                               const v1::ExportCustomersRequest* request,
                               grpc::ServerWriter<v1::Customer>* writer) override;

 private:
  DbBudget budget(const grpc::ServerContext& context) const;
  // The customer if the caller may see it; PERMISSION_DENIED otherwise (also
  // when it does not exist, unless the caller sees everything).
  CustomerRecord load_accessible(CustomerRepository& repository, const Caller& caller,
                                 std::uint64_t id, bool for_update) const;
  v1::Customer to_proto(const CustomerRecord& record) const;
  v1::Contact open_contact(const CustomerRecord& record) const;
  SealedContact seal_contact(const v1::Contact& contact) const;
  // Builds a new record (not yet stored) from a validated profile.
  CustomerRecord new_record(const v1::Customer& profile, const std::string& owner_id,
                            const std::string& team_id, int stage, const Caller& caller,
                            TimePoint now) const;
  void check_dictionaries(CustomerRepository& repository, const v1::Customer& profile,
                          const std::string& prefix) const;
  void check_not_duplicate(CustomerRepository& repository, const CustomerRecord& record) const;
  // The common shape of a write: in one transaction, load the customer for
  // update (caller's scope), let `change(repository, record)` edit it (it
  // returns whether the need tags changed), bump version and update time,
  // store it, and return the new state.
  template <typename Change>
  v1::Customer modify(const grpc::ServerContext& context, const Caller& caller, std::uint64_t id,
                      Change&& change);
  std::string today() const;

  CustomerServiceDeps deps_;
};

std::string etag_of(const CustomerRecord& record);

}  // namespace salesfollow::customer_service
