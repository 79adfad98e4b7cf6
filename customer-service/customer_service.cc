#include "customer_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "customer_query.h"
#include "customer_validation.h"
#include "salesfollow/common/errors.h"
#include "salesfollow/common/grpc_observer.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/common/idempotency.h"
#include "salesfollow/common/log.h"

namespace salesfollow::customer_service {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr std::size_t kMaxPurpose = 500;

const char* stage_label(int stage) {
  static constexpr std::array<const char*, 6> labels = {"none",           "potential", "intention",
                                                        "high_intention", "won",       "lost"};
  return labels.at(static_cast<std::size_t>(std::clamp(stage, 0, 5)));
}

ServiceError duplicate_of(const Duplicate& duplicate) {
  return {grpc::StatusCode::ALREADY_EXISTS,
          "DUPLICATE_CUSTOMER",
          fmt::format("a live customer with the same {} exists: {} (set allow_duplicate to "
                      "create anyway)",
                      duplicate.matched, customer_name(duplicate.id)),
          {{"existing", customer_name(duplicate.id)}, {"matched", duplicate.matched}}};
}

void check_etag(const std::string& given, const CustomerRecord& record) {
  if (!given.empty() && given != etag_of(record)) throw etag_mismatch(customer_name(record.id));
}

void check_live(const CustomerRecord& record) {
  if (record.deleted) {
    throw failed_precondition("CUSTOMER_DELETED",
                              customer_name(record.id) + " is deleted; undelete it first");
  }
}

void validate_user_id(const std::string& value, const std::string& field) {
  validate_text(value, field, 64, true);
  if (value.find(' ') != std::string::npos) throw invalid_field(field, "must not contain spaces");
}

std::string sort_value(const CustomerRecord& record, const std::string& column) {
  if (column == "display_name") return record.display_name;
  if (column == "first_contact_date") return record.first_contact_date;
  return to_sql_datetime(record.created_at);
}

// Fields UpdateCustomer may write, and the ones with their own methods.
const std::set<std::string>& writable_paths() {
  static const std::set<std::string> paths = {"display_name",
                                              "industry",
                                              "source",
                                              "contact",
                                              "contact.name",
                                              "contact.title",
                                              "contact.phone",
                                              "contact.email",
                                              "contact.wechat_id",
                                              "first_contact_date",
                                              "need_tags",
                                              "need_description",
                                              "company_size",
                                              "notes"};
  return paths;
}

}  // namespace

std::string etag_of(const CustomerRecord& record) { return std::to_string(record.version); }

CustomerMetrics::CustomerMetrics(prometheus::Registry& registry)
    : created_(prometheus::BuildCounter()
                   .Name("salesfollow_customers_created_total")
                   .Help("Customers created (one by one or by import)")
                   .Register(registry)
                   .Add({})),
      stage_changes_(prometheus::BuildCounter()
                         .Name("salesfollow_stage_changes_total")
                         .Help("Stage changes by from and to stage")
                         .Register(registry)),
      reveals_(prometheus::BuildCounter()
                   .Name("salesfollow_contact_reveals_total")
                   .Help("Contact details revealed in clear (each one audited)")
                   .Register(registry)
                   .Add({})),
      transfers_(prometheus::BuildCounter()
                     .Name("salesfollow_customer_transfers_total")
                     .Help("Customers transferred to another owner")
                     .Register(registry)
                     .Add({})),
      import_rows_(prometheus::BuildCounter()
                       .Name("salesfollow_import_rows_total")
                       .Help("Imported rows by outcome")
                       .Register(registry)) {
  for (int from = 1; from <= 5; ++from) {
    for (int to = 1; to <= 5; ++to) {
      if (from == to) continue;
      stage_change_counters_.at(static_cast<std::size_t>(from)).at(static_cast<std::size_t>(to)) =
          &stage_changes_.Add({{"from", stage_label(from)}, {"to", stage_label(to)}});
    }
  }
  for (const char* outcome : {"created", "duplicate", "invalid"}) {
    import_rows_.Add({{"outcome", outcome}});
  }
}

void CustomerMetrics::stage_changed(int from, int to) {
  if (from < 1 || from > 5 || to < 1 || to > 5 || from == to) return;
  stage_change_counters_.at(static_cast<std::size_t>(from))
      .at(static_cast<std::size_t>(to))
      ->Increment();
}

void CustomerMetrics::imported(const char* outcome, double count) {
  import_rows_.Add({{"outcome", outcome}}).Increment(count);
}

DbBudget CustomerServiceImpl::budget(const grpc::ServerContext& context) const {
  return remaining_budget(context, deps_.db.config().acquire_timeout);
}

std::string CustomerServiceImpl::today() const {
  return deps_.calendar.local_date(deps_.clock.now());
}

CustomerRecord CustomerServiceImpl::load_accessible(CustomerRepository& repository,
                                                    const Caller& caller, std::uint64_t id,
                                                    bool for_update) const {
  auto record = repository.find(id, for_update);
  if (record && caller.can_access(record->owner_id, record->team_id)) return std::move(*record);
  if (!record && (caller.role == Role::admin || caller.role == Role::service)) {
    throw not_found(customer_name(id));
  }
  throw permission_denied(customer_name(id) +
                          " is not accessible to you (it may not exist or belong to another rep "
                          "or team)");
}

v1::Customer CustomerServiceImpl::to_proto(const CustomerRecord& r) const {
  v1::Customer c;
  c.set_name(customer_name(r.id));
  c.set_display_name(r.display_name);
  c.set_industry(r.industry);
  c.set_source(r.source);
  auto* contact = c.mutable_contact();
  contact->set_name(r.contact.name_masked);
  contact->set_title(r.contact.title);
  contact->set_phone(r.contact.phone_masked.value_or(""));
  contact->set_email(r.contact.email_masked.value_or(""));
  contact->set_wechat_id(r.contact.wechat_masked.value_or(""));
  c.set_first_contact_date(r.first_contact_date);
  for (const auto& tag : r.need_tags) c.add_need_tags(tag);
  c.set_need_description(r.need_description);
  c.set_company_size(r.company_size);
  c.set_notes(r.notes);
  c.set_owner_id(r.owner_id);
  c.set_team_id(r.team_id);
  c.set_stage(static_cast<v1::Stage>(r.stage));
  *c.mutable_stage_time() = to_timestamp(r.stage_changed_at);
  *c.mutable_create_time() = to_timestamp(r.created_at);
  *c.mutable_update_time() = to_timestamp(r.updated_at);
  if (r.deleted_at) *c.mutable_delete_time() = to_timestamp(*r.deleted_at);
  c.set_deleted(r.deleted);
  c.set_etag(etag_of(r));
  c.set_creator_id(r.created_by);
  return c;
}

v1::Contact CustomerServiceImpl::open_contact(const CustomerRecord& r) const {
  v1::Contact contact;
  try {
    contact.set_name(deps_.contacts.open(r.contact.name_enc, "contact.name"));
    contact.set_title(r.contact.title);
    if (r.contact.phone_enc)
      contact.set_phone(deps_.contacts.open(*r.contact.phone_enc, "contact.phone"));
    if (r.contact.email_enc)
      contact.set_email(deps_.contacts.open(*r.contact.email_enc, "contact.email"));
    if (r.contact.wechat_enc) {
      contact.set_wechat_id(deps_.contacts.open(*r.contact.wechat_enc, "contact.wechat_id"));
    }
  } catch (const std::runtime_error& e) {
    log::error("contact_decrypt_failed", {{"customer", customer_name(r.id)}, {"error", e.what()}});
    throw ServiceError(
        grpc::StatusCode::INTERNAL, "CONTACT_KEY_UNAVAILABLE",
        "the contact of " + customer_name(r.id) + " cannot be decrypted with the configured keys");
  }
  return contact;
}

SealedContact CustomerServiceImpl::seal_contact(const v1::Contact& contact) const {
  const auto& p = deps_.contacts;
  SealedContact sealed;
  sealed.name_enc = p.seal(contact.name(), "contact.name");
  sealed.name_masked = mask_person_name(contact.name());
  sealed.title = contact.title();
  if (!contact.phone().empty()) {
    sealed.phone_enc = p.seal(contact.phone(), "contact.phone");
    sealed.phone_masked = mask_phone(contact.phone());
    sealed.phone_bidx = p.blind_index("phone", normalize_phone(contact.phone()));
  }
  if (!contact.email().empty()) {
    sealed.email_enc = p.seal(contact.email(), "contact.email");
    sealed.email_masked = mask_email(contact.email());
    sealed.email_bidx = p.blind_index("email", normalize_email(contact.email()));
  }
  if (!contact.wechat_id().empty()) {
    sealed.wechat_enc = p.seal(contact.wechat_id(), "contact.wechat_id");
    sealed.wechat_masked = mask_wechat(contact.wechat_id());
  }
  return sealed;
}

CustomerRecord CustomerServiceImpl::new_record(const v1::Customer& profile,
                                               const std::string& owner_id,
                                               const std::string& team_id, int stage,
                                               const Caller& caller, TimePoint now) const {
  CustomerRecord r;
  r.display_name = profile.display_name();
  r.name_key = normalize_customer_name(profile.display_name());
  r.industry = profile.industry();
  r.source = profile.source();
  r.contact = seal_contact(profile.contact());
  r.first_contact_date = profile.first_contact_date();
  r.need_tags.assign(profile.need_tags().begin(), profile.need_tags().end());
  std::sort(r.need_tags.begin(), r.need_tags.end());  // as reads return them
  r.need_description = profile.need_description();
  r.company_size = profile.company_size();
  r.notes = profile.notes();
  r.owner_id = owner_id;
  r.team_id = team_id;
  r.stage = stage;
  r.stage_changed_at = now;
  r.created_by = caller.user_id;
  r.created_at = now;
  r.updated_at = now;
  r.version = 1;
  return r;
}

void CustomerServiceImpl::check_dictionaries(CustomerRepository& repository,
                                             const v1::Customer& profile,
                                             const std::string& prefix) const {
  if (!repository.is_live_dictionary_entry("industry", profile.industry())) {
    throw invalid_field(prefix + ".industry",
                        fmt::format("'{}' is not a live industry code", profile.industry()));
  }
  if (!repository.is_live_dictionary_entry("source", profile.source())) {
    throw invalid_field(prefix + ".source",
                        fmt::format("'{}' is not a live source code", profile.source()));
  }
  for (int i = 0; i < profile.need_tags_size(); ++i) {
    if (!repository.is_live_dictionary_entry("need_tag", profile.need_tags(i))) {
      throw invalid_field(fmt::format("{}.need_tags[{}]", prefix, i),
                          fmt::format("'{}' is not a live need_tag code", profile.need_tags(i)));
    }
  }
}

void CustomerServiceImpl::check_not_duplicate(CustomerRepository& repository,
                                              const CustomerRecord& record) const {
  if (auto duplicate = repository.find_duplicate(record.name_key, record.contact.phone_bidx,
                                                 record.contact.email_bidx, record.id)) {
    throw duplicate_of(*duplicate);
  }
}

grpc::Status CustomerServiceImpl::CreateCustomer(grpc::ServerContext* context,
                                                 const v1::CreateCustomerRequest* request,
                                                 v1::Customer* response) {
  return guarded("CreateCustomer", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    check_request_id(request->request_id());
    validate_customer_profile(request->customer(), "customer", today());
    int stage = request->initial_stage();
    if (stage == v1::STAGE_UNSPECIFIED) stage = v1::STAGE_POTENTIAL;
    if (stage != v1::STAGE_POTENTIAL && stage != v1::STAGE_INTENTION &&
        stage != v1::STAGE_HIGH_INTENTION) {
      throw invalid_field("initial_stage",
                          "must be potential, intention or high intention (won and lost need a "
                          "stage change with a reason)");
    }
    std::string owner_id = request->customer().owner_id();
    if (owner_id.empty()) owner_id = caller.user_id;
    validate_user_id(owner_id, "customer.owner_id");
    if (caller.role == Role::rep && owner_id != caller.user_id) {
      throw permission_denied("a rep may only create customers they own");
    }
    std::string team_id = caller.team_id;
    if ((caller.role == Role::admin || caller.role == Role::service) &&
        !request->customer().team_id().empty()) {
      team_id = request->customer().team_id();
    }
    if (team_id.empty()) throw invalid_field("customer.team_id", "is required for this caller");
    validate_user_id(team_id, "customer.team_id");

    v1::CreateCustomerRequest fingerprinted = *request;
    fingerprinted.clear_request_id();
    bool created = false;
    *response = run_idempotent<v1::Customer>(
        deps_.db, budget(*context), "CreateCustomer", request->request_id(),
        request_fingerprint(fingerprinted, caller.user_id), caller.user_id, deps_.clock,
        [&](soci::session& sql) {
          CustomerRepository repository(sql);
          check_dictionaries(repository, request->customer(), "customer");
          const TimePoint now = deps_.clock.now();
          CustomerRecord record =
              new_record(request->customer(), owner_id, team_id, stage, caller, now);
          if (!request->allow_duplicate()) check_not_duplicate(repository, record);
          record.id = repository.insert(record);
          repository.append_stage_event({0, record.id, std::nullopt, stage, "created", "", "",
                                         caller.user_id, owner_id, team_id, now});
          repository.append_owner_event({record.id, std::nullopt, std::nullopt, owner_id, team_id,
                                         "created", caller.user_id, now});
          created = true;
          return to_proto(record);
        });
    if (created) deps_.metrics.created();
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::GetCustomer(grpc::ServerContext* context,
                                              const v1::GetCustomerRequest* request,
                                              v1::Customer* response) {
  return guarded("GetCustomer", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto id = parse_customer_name(request->name());
    *response = deps_.db.run(
        [&](soci::session& sql) {
          CustomerRepository repository(sql);
          return to_proto(load_accessible(repository, caller, id, false));
        },
        budget(*context));
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::ListCustomers(grpc::ServerContext* context,
                                                const v1::ListCustomersRequest* request,
                                                v1::ListCustomersResponse* response) {
  return guarded("ListCustomers", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    ListSpec spec;
    spec.limit = checked_page_size(request->page_size(), kDefaultPageSize, kMaxPageSize) + 1;
    spec.query = parse_customer_filter(request->filter());
    spec.order = parse_customer_order(request->order_by());
    spec.show_deleted = request->show_deleted();
    spec.scope = scope_of(caller);
    const std::string fingerprint = fmt::format(
        "ListCustomers|{}|{}|{}|{}|{}|{}", caller.user_id, role_name(caller.role), caller.team_id,
        spec.query.canonical_filter, spec.order.canonical, spec.show_deleted);
    if (!request->page_token().empty()) {
      const auto cursor = deps_.page_tokens.decode(request->page_token(), fingerprint);
      try {
        spec.after_value = cursor.at("v").get<std::string>();
        spec.after_id = cursor.at("id").get<std::uint64_t>();
      } catch (const nlohmann::json::exception&) {
        throw invalid_field("page_token", "is malformed");
      }
    }
    const auto rows = deps_.db.run(
        [&](soci::session& sql) { return CustomerRepository(sql).list(spec); }, budget(*context));
    const auto page_size = static_cast<std::size_t>(spec.limit - 1);
    for (std::size_t i = 0; i < rows.size() && i < page_size; ++i) {
      *response->add_customers() = to_proto(rows[i]);
    }
    if (rows.size() > page_size) {
      const auto& last = rows[page_size - 1];
      response->set_next_page_token(deps_.page_tokens.encode(
          {{"v", sort_value(last, spec.order.column)}, {"id", last.id}}, fingerprint));
    }
    return grpc::Status::OK;
  });
}

template <typename Change>
v1::Customer CustomerServiceImpl::modify(const grpc::ServerContext& context, const Caller& caller,
                                         std::uint64_t id, Change&& change) {
  return deps_.db.run(
      [&](soci::session& sql) {
        soci::transaction transaction(sql);
        CustomerRepository repository(sql);
        CustomerRecord record = load_accessible(repository, caller, id, true);
        const bool tags_changed = change(repository, record);
        record.updated_at = deps_.clock.now();
        ++record.version;
        repository.update(record, tags_changed);
        transaction.commit();
        return to_proto(record);
      },
      budget(context));
}

grpc::Status CustomerServiceImpl::UpdateCustomer(grpc::ServerContext* context,
                                                 const v1::UpdateCustomerRequest* request,
                                                 v1::Customer* response) {
  return guarded("UpdateCustomer", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto id = parse_customer_name(request->customer().name(), "customer.name");
    if (request->update_mask().paths().empty()) {
      throw invalid_field("update_mask", "is required (name the fields to change)");
    }
    std::set<std::string> paths;
    for (const auto& path : request->update_mask().paths()) {
      if (writable_paths().count(path) == 0) {
        static const std::set<std::string> other_methods = {"stage", "stage_time", "owner_id",
                                                            "team_id"};
        throw invalid_field("update_mask",
                            other_methods.count(path) != 0
                                ? fmt::format("'{}' is not writable here (use ChangeCustomerStage "
                                              "or TransferCustomer)",
                                              path)
                                : fmt::format("'{}' is not a writable field", path));
      }
      paths.insert(path);
    }
    const auto& in = request->customer();
    const auto has = [&](const std::string& path) { return paths.count(path) != 0; };
    *response =
        modify(*context, caller, id, [&](CustomerRepository& repository, CustomerRecord& record) {
          check_live(record);
          check_etag(in.etag(), record);
          // Merge into the clear profile, validate it whole, then re-seal.
          v1::Customer merged = to_proto(record);
          *merged.mutable_contact() = open_contact(record);
          if (has("display_name")) merged.set_display_name(in.display_name());
          if (has("industry")) merged.set_industry(in.industry());
          if (has("source")) merged.set_source(in.source());
          if (has("contact")) *merged.mutable_contact() = in.contact();
          if (has("contact.name")) merged.mutable_contact()->set_name(in.contact().name());
          if (has("contact.title")) merged.mutable_contact()->set_title(in.contact().title());
          if (has("contact.phone")) merged.mutable_contact()->set_phone(in.contact().phone());
          if (has("contact.email")) merged.mutable_contact()->set_email(in.contact().email());
          if (has("contact.wechat_id")) {
            merged.mutable_contact()->set_wechat_id(in.contact().wechat_id());
          }
          if (has("first_contact_date")) merged.set_first_contact_date(in.first_contact_date());
          if (has("need_tags")) *merged.mutable_need_tags() = in.need_tags();
          if (has("need_description")) merged.set_need_description(in.need_description());
          if (has("company_size")) merged.set_company_size(in.company_size());
          if (has("notes")) merged.set_notes(in.notes());
          validate_customer_profile(merged, "customer", today());
          // Only codes chosen now must be live: a customer keeps retired ones.
          if (has("industry") &&
              !repository.is_live_dictionary_entry("industry", merged.industry())) {
            throw invalid_field("customer.industry",
                                fmt::format("'{}' is not a live industry code", merged.industry()));
          }
          if (has("source") && !repository.is_live_dictionary_entry("source", merged.source())) {
            throw invalid_field("customer.source",
                                fmt::format("'{}' is not a live source code", merged.source()));
          }
          if (has("need_tags")) {
            for (int i = 0; i < merged.need_tags_size(); ++i) {
              const auto& tag = merged.need_tags(i);
              const bool kept = std::find(record.need_tags.begin(), record.need_tags.end(), tag) !=
                                record.need_tags.end();
              if (!kept && !repository.is_live_dictionary_entry("need_tag", tag)) {
                throw invalid_field(fmt::format("customer.need_tags[{}]", i),
                                    fmt::format("'{}' is not a live need_tag code", tag));
              }
            }
          }

          const bool contact_changed = has("contact") || has("contact.name") ||
                                       has("contact.title") || has("contact.phone") ||
                                       has("contact.email") || has("contact.wechat_id");
          record.display_name = merged.display_name();
          record.name_key = normalize_customer_name(merged.display_name());
          record.industry = merged.industry();
          record.source = merged.source();
          if (contact_changed) record.contact = seal_contact(merged.contact());
          record.first_contact_date = merged.first_contact_date();
          record.need_tags.assign(merged.need_tags().begin(), merged.need_tags().end());
          std::sort(record.need_tags.begin(), record.need_tags.end());  // as reads return them
          record.need_description = merged.need_description();
          record.company_size = merged.company_size();
          record.notes = merged.notes();
          if (has("display_name") || contact_changed) check_not_duplicate(repository, record);
          return has("need_tags");
        });
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::DeleteCustomer(grpc::ServerContext* context,
                                                 const v1::DeleteCustomerRequest* request,
                                                 v1::Customer* response) {
  return guarded("DeleteCustomer", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto id = parse_customer_name(request->name());
    *response = modify(*context, caller, id, [&](CustomerRepository&, CustomerRecord& record) {
      check_live(record);
      check_etag(request->etag(), record);
      record.deleted = true;
      record.deleted_at = deps_.clock.now();
      return false;
    });
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::UndeleteCustomer(grpc::ServerContext* context,
                                                   const v1::UndeleteCustomerRequest* request,
                                                   v1::Customer* response) {
  return guarded("UndeleteCustomer", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto id = parse_customer_name(request->name());
    *response =
        modify(*context, caller, id, [&](CustomerRepository& repository, CustomerRecord& record) {
          if (!record.deleted) {
            throw failed_precondition("NOT_DELETED", customer_name(id) + " is not deleted");
          }
          check_not_duplicate(repository, record);
          record.deleted = false;
          record.deleted_at.reset();
          return false;
        });
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::ChangeCustomerStage(grpc::ServerContext* context,
                                                      const v1::ChangeCustomerStageRequest* request,
                                                      v1::ChangeCustomerStageResponse* response) {
  return guarded("ChangeCustomerStage", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto id = parse_customer_name(request->name());
    check_request_id(request->request_id());
    const int target = request->stage();
    if (target < v1::STAGE_POTENTIAL || target > v1::STAGE_LOST) {
      throw invalid_field("stage", "must be one of the five stages");
    }
    validate_text(request->reason(), "reason", kMaxReason, true, true);
    validate_text(request->loss_note(), "loss_note", kMaxReason, false, true);
    if (target == v1::STAGE_LOST && request->loss_reason().empty()) {
      throw invalid_field("loss_reason", "is required when the stage becomes lost");
    }
    if (target != v1::STAGE_LOST && !request->loss_reason().empty()) {
      throw invalid_field("loss_reason", "is only allowed when the stage becomes lost");
    }
    v1::ChangeCustomerStageRequest fingerprinted = *request;
    fingerprinted.clear_request_id();
    int changed_from = 0;
    *response = run_idempotent<v1::ChangeCustomerStageResponse>(
        deps_.db, budget(*context), "ChangeCustomerStage", request->request_id(),
        request_fingerprint(fingerprinted, caller.user_id), caller.user_id, deps_.clock,
        [&](soci::session& sql) {
          CustomerRepository repository(sql);
          CustomerRecord record = load_accessible(repository, caller, id, true);
          check_live(record);
          check_etag(request->etag(), record);
          if (record.stage == target) {
            throw failed_precondition("SAME_STAGE",
                                      fmt::format("{} is already in stage {}", customer_name(id),
                                                  v1::Stage_Name(static_cast<v1::Stage>(target))));
          }
          if (target == v1::STAGE_LOST &&
              !repository.is_live_dictionary_entry("loss_reason", request->loss_reason())) {
            throw invalid_field("loss_reason", fmt::format("'{}' is not a live loss_reason code",
                                                           request->loss_reason()));
          }
          const TimePoint now = deps_.clock.now();
          StageEventRecord event{0,
                                 id,
                                 record.stage,
                                 target,
                                 request->reason(),
                                 request->loss_reason(),
                                 request->loss_note(),
                                 caller.user_id,
                                 record.owner_id,
                                 record.team_id,
                                 now};
          changed_from = record.stage;
          record.stage = target;
          record.stage_changed_at = now;
          record.updated_at = now;
          ++record.version;
          repository.update(record, false);
          event.id = repository.append_stage_event(event);
          v1::ChangeCustomerStageResponse answer;
          *answer.mutable_customer() = to_proto(record);
          auto* out = answer.mutable_event();
          out->set_name(fmt::format("{}/stageEvents/{}", customer_name(id), event.id));
          out->set_from_stage(static_cast<v1::Stage>(changed_from));
          out->set_to_stage(static_cast<v1::Stage>(target));
          out->set_reason(event.reason);
          out->set_loss_reason(event.loss_reason);
          out->set_loss_note(event.loss_note);
          out->set_actor_id(event.actor_id);
          out->set_owner_id(event.owner_id);
          *out->mutable_event_time() = to_timestamp(now);
          return answer;
        });
    if (changed_from != 0) deps_.metrics.stage_changed(changed_from, target);
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::ListStageEvents(grpc::ServerContext* context,
                                                  const v1::ListStageEventsRequest* request,
                                                  v1::ListStageEventsResponse* response) {
  return guarded("ListStageEvents", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto id = parse_customer_name(request->parent(), "parent");
    const int page_size = checked_page_size(request->page_size(), 100, 1000);
    const std::string fingerprint = fmt::format("ListStageEvents|{}|{}", caller.user_id, id);
    std::uint64_t after = 0;
    if (!request->page_token().empty()) {
      try {
        after = deps_.page_tokens.decode(request->page_token(), fingerprint)
                    .at("after")
                    .get<std::uint64_t>();
      } catch (const nlohmann::json::exception&) {
        throw invalid_field("page_token", "is malformed");
      }
    }
    const auto events = deps_.db.run(
        [&](soci::session& sql) {
          CustomerRepository repository(sql);
          load_accessible(repository, caller, id, false);
          return repository.stage_events(id, after, page_size + 1);
        },
        budget(*context));
    for (std::size_t i = 0; i < events.size() && i < static_cast<std::size_t>(page_size); ++i) {
      const auto& e = events[i];
      auto* out = response->add_stage_events();
      out->set_name(fmt::format("{}/stageEvents/{}", customer_name(id), e.id));
      if (e.from_stage) out->set_from_stage(static_cast<v1::Stage>(*e.from_stage));
      out->set_to_stage(static_cast<v1::Stage>(e.to_stage));
      out->set_reason(e.reason);
      out->set_loss_reason(e.loss_reason);
      out->set_loss_note(e.loss_note);
      out->set_actor_id(e.actor_id);
      out->set_owner_id(e.owner_id);
      *out->mutable_event_time() = to_timestamp(e.created_at);
    }
    if (events.size() > static_cast<std::size_t>(page_size)) {
      response->set_next_page_token(deps_.page_tokens.encode(
          {{"after", events[static_cast<std::size_t>(page_size) - 1].id}}, fingerprint));
    }
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::TransferCustomer(grpc::ServerContext* context,
                                                   const v1::TransferCustomerRequest* request,
                                                   v1::Customer* response) {
  return guarded("TransferCustomer", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    if (caller.role == Role::rep) {
      throw permission_denied("only managers and admins may transfer customers");
    }
    const auto id = parse_customer_name(request->name());
    check_request_id(request->request_id());
    validate_user_id(request->new_owner_id(), "new_owner_id");
    validate_text(request->reason(), "reason", kMaxReason, true, true);
    if (!request->new_team_id().empty()) validate_user_id(request->new_team_id(), "new_team_id");
    if (caller.role == Role::manager && !request->new_team_id().empty() &&
        request->new_team_id() != caller.team_id) {
      throw permission_denied("a manager may only transfer customers within their own team");
    }
    v1::TransferCustomerRequest fingerprinted = *request;
    fingerprinted.clear_request_id();
    bool transferred = false;
    *response = run_idempotent<v1::Customer>(
        deps_.db, budget(*context), "TransferCustomer", request->request_id(),
        request_fingerprint(fingerprinted, caller.user_id), caller.user_id, deps_.clock,
        [&](soci::session& sql) {
          CustomerRepository repository(sql);
          CustomerRecord record = load_accessible(repository, caller, id, true);
          check_live(record);
          check_etag(request->etag(), record);
          std::string new_team = request->new_team_id();
          if (new_team.empty())
            new_team = caller.role == Role::manager ? caller.team_id : record.team_id;
          if (record.owner_id == request->new_owner_id() && record.team_id == new_team) {
            throw failed_precondition("SAME_OWNER", customer_name(id) + " is already owned by " +
                                                        request->new_owner_id());
          }
          const TimePoint now = deps_.clock.now();
          repository.append_owner_event({id, record.owner_id, record.team_id,
                                         request->new_owner_id(), new_team, request->reason(),
                                         caller.user_id, now});
          record.owner_id = request->new_owner_id();
          record.team_id = new_team;
          record.updated_at = now;
          ++record.version;
          repository.update(record, false);
          repository.move_plan(id, record.owner_id, record.team_id);
          transferred = true;
          return to_proto(record);
        });
    if (transferred) deps_.metrics.transferred();
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::RevealContact(grpc::ServerContext* context,
                                                const v1::RevealContactRequest* request,
                                                v1::RevealContactResponse* response) {
  return guarded("RevealContact", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const auto id = parse_customer_name(request->name());
    validate_text(request->purpose(), "purpose", kMaxPurpose, true);
    *response->mutable_contact() = deps_.db.run(
        [&](soci::session& sql) {
          soci::transaction transaction(sql);
          CustomerRepository repository(sql);
          const CustomerRecord record = load_accessible(repository, caller, id, false);
          check_live(record);
          v1::Contact contact = open_contact(record);
          // The audit row commits with the reveal or not at all.
          repository.record_reveal(id, caller.user_id, role_name(caller.role), request->purpose(),
                                   deps_.clock.now());
          transaction.commit();
          return contact;
        },
        budget(*context));
    deps_.metrics.revealed();
    log::info("contact_revealed", {{"customer", customer_name(id)},
                                   {"actor", caller.user_id},
                                   {"request_id", request_id_of(*context)}});
    return grpc::Status::OK;
  });
}

grpc::Status CustomerServiceImpl::ExportCustomers(grpc::ServerContext* context,
                                                  const v1::ExportCustomersRequest* request,
                                                  grpc::ServerWriter<v1::Customer>* writer) {
  return guarded("ExportCustomers", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    ListSpec spec;
    spec.query = parse_customer_filter(request->filter());
    spec.order = parse_customer_order("");
    spec.show_deleted = request->show_deleted();
    spec.scope = scope_of(caller);
    spec.limit = 500;
    for (;;) {
      const auto rows =
          deps_.db.run([&](soci::session& sql) { return CustomerRepository(sql).list(spec); },
                       deps_.db.config().acquire_timeout);
      for (const auto& row : rows) {
        if (context->IsCancelled()) {
          return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
        }
        if (!writer->Write(to_proto(row))) {
          return grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading");
        }
      }
      if (rows.size() < static_cast<std::size_t>(spec.limit)) break;
      spec.after_value = sort_value(rows.back(), spec.order.column);
      spec.after_id = rows.back().id;
    }
    return grpc::Status::OK;
  });
}

}  // namespace salesfollow::customer_service
