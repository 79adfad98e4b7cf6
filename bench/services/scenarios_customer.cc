// CustomerService scenarios and their raw database floors. The floors send
// the statements of customer-service/customer_repository.cc and
// common/src/idempotency.cc, in the same order and transaction, with values
// as SOCI's MySQL backend sends them (it substitutes bound values into the
// text: no server-side prepared statements). Contact encryption and blind
// indexes are not computed in the floor: it sends strings of the same length.
#include <fmt/format.h>

#include <atomic>
#include <chrono>

#include "customer_repository.h"
#include "salesfollow/common/sql_util.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "scenarios.h"

namespace salesfollow::bench {
namespace {

using Stub = v1::CustomerService::Stub;

using customer_service::customer_columns;  // the repository's own list

constexpr const char* kInsertCustomer =
    "INSERT INTO customers (display_name, name_key, industry, source, contact_name_enc, "
    "contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc, "
    "email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description, "
    "company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at, "
    "created_by, created_at, updated_at, version) VALUES ";

std::string first_contact_date() {
  // Ten days ago (a past team date, valid for every scenario).
  const auto at = std::chrono::system_clock::now() - std::chrono::hours(24 * 10);
  return utc_datetime(at).substr(0, 10);
}

// A realistic new customer of this client (unique name, phone and email).
struct NewCustomer {
  v1::Customer profile;
  std::string request_id;
};

class CustomerMaker {
 public:
  CustomerMaker(const Context& context, int client, const char* tag)
      : context_(context),
        client_(client),
        tag_(tag),
        gen_(std::hash<std::string>{}(context.nonce + tag) + static_cast<std::uint64_t>(client)) {}

  NewCustomer next() {
    const std::uint64_t n = counter_++;
    const std::string unique = fmt::format("{}-{}{}-{}", context_.nonce, tag_, client_, n);
    NewCustomer c;
    auto& p = c.profile;
    p.set_display_name(gen_.company_name(unique));
    p.set_industry(gen_.industry());
    p.set_source(gen_.source());
    auto* contact = p.mutable_contact();
    contact->set_name(gen_.person_name());
    contact->set_title(gen_.title());
    // Unique within the run by construction (a hashed phone collided twice in
    // 100k rows, and the service rightly rejected the duplicates).
    contact->set_phone(fmt::format("1{}{:02d}{:07d}", phone_digit(), client_ % 100, n % 10000000));
    if (n % 2 == 0) contact->set_email(fmt::format("c{}@example.com", unique));
    if (n % 3 == 0) contact->set_wechat_id(fmt::format("wx_{}", unique));
    p.set_first_contact_date(first_contact_date());
    for (const auto& t : gen_.need_tags()) p.add_need_tags(t);
    p.set_need_description(gen_.need_description());
    p.set_company_size("50-100");
    c.request_id = "bench-" + unique;
    return c;
  }
  DataGen& gen() { return gen_; }

 private:
  int phone_digit() const {  // one digit per generator, so that they never collide
    if (tag_ == "cc") return 3;
    if (tag_ == "fc") return 5;
    if (tag_ == "im") return 7;
    return 8;
  }
  const Context& context_;
  int client_;
  std::string tag_;
  DataGen gen_;
  std::uint64_t counter_ = 0;
};

// ---------------------------------------------------------------- CreateCustomer
class CreateWorker : public Worker {
 public:
  CreateWorker(const Context& context, int client)
      : rep_(rep_of(context, client)),
        stub_(v1::CustomerService::NewStub(client_channel(context.customer_address, client))),
        maker_(context, client, "cc") {}
  void call() override {
    auto c = maker_.next();
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = std::move(c.profile);
    request.set_request_id(c.request_id);
    v1::Customer response;
    check(with_retries([&] {
            grpc::ClientContext call;
            prepare(call, rep_.token);
            return stub_->CreateCustomer(&call, request, &response);
          }),
          "CreateCustomer");
  }

 private:
  const Rep& rep_;
  std::unique_ptr<Stub> stub_;
  CustomerMaker maker_;
};

// The values customer-service would write for a profile (sealed contacts
// replaced by strings of the same length).
std::string values_tuple(RawDb& db, DataGen& gen, const v1::Customer& p, const Rep& rep,
                         const std::string& now) {
  const auto& ct = p.contact();
  const auto opt = [&](bool has, const std::string& v) { return has ? db.quote(v) : "NULL"; };
  const bool phone = !ct.phone().empty(), email = !ct.email().empty(),
             wechat = !ct.wechat_id().empty();
  return fmt::format(
      "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, "
      "{}, {}, NULL, {}, {}, {}, {})",
      db.quote(p.display_name()), db.quote(p.display_name()), db.quote(p.industry()),
      db.quote(p.source()), db.quote(fake_sealed(gen, ct.name().size())), db.quote("李*"),
      db.quote(ct.title()), opt(phone, fake_sealed(gen, ct.phone().size())),
      opt(phone, "139****6789"), opt(phone, fake_hex(gen, 32)),
      opt(email, fake_sealed(gen, ct.email().size())), opt(email, "c***@example.com"),
      opt(email, fake_hex(gen, 32)), opt(wechat, fake_sealed(gen, ct.wechat_id().size())),
      opt(wechat, "wx***"), db.quote(p.first_contact_date()), db.quote(p.need_description()),
      db.quote(p.company_size()), db.quote(p.notes()), db.quote(rep.user), db.quote(rep.team), 1,
      db.quote(now), 0, db.quote(rep.user), db.quote(now), db.quote(now), 1);
}

class CreateFloor : public Worker {
 public:
  CreateFloor(const Context& context, int client)
      : rep_(rep_of(context, client)), db_(context.db), maker_(context, client, "fc") {}
  void call() override {
    for (int attempt = 1;; ++attempt) {
      try {
        return attempt_once();
      } catch (const std::exception& e) {
        if (attempt >= 5 || !is_retryable_db_error(e)) throw;
        count_retry();
      }
    }
  }
  void attempt_once() {
    auto c = maker_.next();
    auto& gen = maker_.gen();
    const auto& p = c.profile;
    const std::string now = utc_datetime(std::chrono::system_clock::now());
    const std::string rid = db_.quote(c.request_id);
    // run_idempotent: the stored answer, then the claim inside the transaction.
    db_.rows(
        "SELECT request_hash, response FROM idempotency_keys WHERE method = "
        "'CreateCustomer' AND request_id = " +
        rid);
    db_.exec("BEGIN");
    try {
      db_.exec(
          "INSERT INTO idempotency_keys (method, request_id, request_hash, caller_id, "
          "response, created_at) VALUES ('CreateCustomer', " +
          rid + ", " + db_.quote(fake_hex(gen, 64)) + ", " + db_.quote(rep_.user) + ", '', " +
          db_.quote(now) + ")");
      // check_dictionaries
      const auto live = [&](const char* kind, const std::string& code) {
        db_.rows(
            fmt::format("SELECT COUNT(*) FROM dictionary_entries WHERE kind = '{}' AND code = "
                        "{} AND retired_at IS NULL",
                        kind, db_.quote(code)));
      };
      live("industry", p.industry());
      live("source", p.source());
      for (const auto& tag : p.need_tags()) live("need_tag", tag);
      // check_not_duplicate: one locking probe per key
      const auto probe = [&](const char* column, const std::string& value) {
        db_.rows(
            fmt::format("SELECT id FROM customers WHERE {} = {} AND deleted = 0 AND id <> 0 "
                        "ORDER BY id LIMIT 1 FOR UPDATE",
                        column, db_.quote(value)));
      };
      probe("name_key", p.display_name());
      if (!p.contact().phone().empty()) probe("phone_bidx", fake_hex(gen, 32));
      if (!p.contact().email().empty()) probe("email_bidx", fake_hex(gen, 32));
      db_.exec(kInsertCustomer + values_tuple(db_, gen, p, rep_, now));
      const auto id = db_.last_insert_id();
      std::string tags;
      for (const auto& tag : p.need_tags()) {
        tags += fmt::format("{}({}, {})", tags.empty() ? "" : ",", id, db_.quote(tag));
      }
      db_.exec("INSERT INTO customer_need_tags (customer_id, tag) VALUES " + tags);
      db_.exec(fmt::format(
          "INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, "
          "loss_reason, loss_note, actor_id, owner_id, team_id, created_at) "
          "VALUES ({}, NULL, 1, 'created', NULL, '', {}, {}, {}, {})",
          id, db_.quote(rep_.user), db_.quote(rep_.user), db_.quote(rep_.team), db_.quote(now)));
      db_.last_insert_id();
      db_.exec(fmt::format(
          "INSERT INTO owner_events (customer_id, from_owner, to_owner, "
          "from_team, to_team, reason, actor_id, created_at) VALUES ({}, NULL, "
          "{}, NULL, {}, 'created', {}, {})",
          id, db_.quote(rep_.user), db_.quote(rep_.team), db_.quote(rep_.user), db_.quote(now)));
      db_.exec("UPDATE idempotency_keys SET response = " + db_.quote(fake_sealed(gen, 420)) +
               " WHERE method = 'CreateCustomer' AND request_id = " + rid);
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }

 private:
  const Rep& rep_;
  RawDb db_;
  CustomerMaker maker_;
};

// ---------------------------------------------------------------- GetCustomer
class GetWorker : public Worker {
 public:
  GetWorker(const Context& context, int client)
      : rep_(rep_of(context, client)),
        stub_(v1::CustomerService::NewStub(client_channel(context.customer_address, client))),
        gen_(static_cast<std::uint64_t>(client) * 7919 + 1) {}
  void call() override {
    v1::GetCustomerRequest request;
    request.set_name(fmt::format("customers/{}", pick()));
    grpc::ClientContext call;
    prepare(call, rep_.token);
    v1::Customer response;
    check(stub_->GetCustomer(&call, request, &response), "GetCustomer");
  }
  std::uint64_t pick() {
    return rep_.customers[static_cast<std::size_t>(
        gen_.uniform(0, static_cast<int>(rep_.customers.size()) - 1))];
  }

 private:
  const Rep& rep_;
  std::unique_ptr<Stub> stub_;
  DataGen gen_;
};

class GetFloor : public Worker {
 public:
  GetFloor(const Context& context, int client)
      : rep_(rep_of(context, client)),
        db_(context.db),
        gen_(static_cast<std::uint64_t>(client) * 7919 + 1) {}
  void call() override {
    const auto id = rep_.customers[static_cast<std::size_t>(
        gen_.uniform(0, static_cast<int>(rep_.customers.size()) - 1))];
    // SOCI binds the id as a string parameter: WHERE c.id = '123'.
    const auto rows = db_.rows(
        fmt::format("SELECT {} FROM customers c WHERE c.id = '{}'", customer_columns(), id));
    if (rows.size() != 1) throw std::runtime_error("GetCustomer floor: row not found");
  }

 private:
  const Rep& rep_;
  RawDb db_;
  DataGen gen_;
};

// ---------------------------------------------------------------- ListCustomers
class ListWorker : public Worker {
 public:
  ListWorker(const Context& context, int client)
      : rep_(rep_of(context, client)),
        stub_(v1::CustomerService::NewStub(client_channel(context.customer_address, client))) {}
  void call() override {
    v1::ListCustomersRequest request;
    request.set_page_size(50);
    request.set_filter(fmt::format("owner_id = \"{}\"", rep_.user));
    grpc::ClientContext call;
    prepare(call, rep_.token);
    v1::ListCustomersResponse response;
    check(stub_->ListCustomers(&call, request, &response), "ListCustomers");
    if (response.customers_size() == 0) throw std::runtime_error("ListCustomers: empty page");
  }

 private:
  const Rep& rep_;
  std::unique_ptr<Stub> stub_;
};

class ListFloor : public Worker {
 public:
  ListFloor(const Context& context, int client) : rep_(rep_of(context, client)), db_(context.db) {}
  void call() override {
    // CustomerRepository::list for a rep (scope owner) with filter owner_id = "<rep>".
    const std::string owner = db_.quote(rep_.user);
    const auto rows = db_.rows(fmt::format(
        "SELECT {} FROM customers c WHERE 1 = 1 AND c.deleted = 0 AND c.owner_id = {} AND "
        "c.owner_id = {} ORDER BY c.created_at DESC, c.id DESC LIMIT 51",
        customer_columns(), owner, owner));
    if (rows.empty()) throw std::runtime_error("ListCustomers floor: empty page");
  }

 private:
  const Rep& rep_;
  RawDb db_;
};

// ---------------------------------------------------------------- ImportCustomers
constexpr int kImportMessageRows = 500;       // rows per stream message
constexpr std::size_t kFloorBatchRows = 500;  // customer_import.cc kBatchRows

class ImportWorker : public Worker {
 public:
  ImportWorker(const Context& context, int client, long long rows)
      : rep_(rep_of(context, client)),
        stub_(v1::CustomerService::NewStub(client_channel(context.customer_address, client))),
        maker_(context, client, "im"),
        rows_(rows) {}
  void call() override {
    grpc::ClientContext call;
    prepare(call, rep_.token);
    call.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(30));
    v1::ImportCustomersResponse response;
    auto writer = stub_->ImportCustomers(&call, &response);
    long long sent = 0;
    bool first = true;
    while (sent < rows_) {
      v1::ImportCustomersRequest message;
      if (first) message.set_request_id(fmt::format("bench-import-{}", maker_.next().request_id));
      first = false;
      for (int i = 0; i < kImportMessageRows && sent < rows_; ++i, ++sent) {
        *message.add_customers() = maker_.next().profile;
      }
      if (!writer->Write(message)) break;
    }
    writer->WritesDone();
    check(writer->Finish(), "ImportCustomers");
    if (response.created() != rows_) {
      throw std::runtime_error(
          fmt::format("ImportCustomers: created {} of {} rows ({} dup, {} invalid)",
                      response.created(), rows_, response.duplicates(), response.invalid()));
    }
  }

 private:
  const Rep& rep_;
  std::unique_ptr<Stub> stub_;
  CustomerMaker maker_;
  long long rows_;
};

class ImportFloor : public Worker {
 public:
  ImportFloor(const Context& context, int client, long long rows)
      : rep_(rep_of(context, client)),
        db_(context.db),
        maker_(context, client, "fi"),
        rows_(rows) {}
  void call() override {
    // One transaction; per batch of 500 rows one multi-row INSERT each into
    // customers, customer_need_tags, stage_events and owner_events.
    auto& gen = maker_.gen();
    db_.exec("BEGIN");
    try {
      long long done = 0;
      while (done < rows_) {
        const std::string now = utc_datetime(std::chrono::system_clock::now());
        std::vector<v1::Customer> batch;
        for (std::size_t i = 0; i < kFloorBatchRows && done < rows_; ++i, ++done) {
          batch.push_back(maker_.next().profile);
        }
        std::string sql = kInsertCustomer;
        for (std::size_t i = 0; i < batch.size(); ++i) {
          if (i > 0) sql += ',';
          sql += values_tuple(db_, gen, batch[i], rep_, now);
        }
        db_.exec(sql);
        const auto first = db_.last_insert_id();
        std::string tags, stages, owners;
        for (std::size_t i = 0; i < batch.size(); ++i) {
          const auto id = first + i;
          for (const auto& tag : batch[i].need_tags()) {
            tags += fmt::format("{}({}, {})", tags.empty() ? "" : ",", id, db_.quote(tag));
          }
          stages += fmt::format("{}({}, NULL, 1, 'imported', NULL, '', {}, {}, {}, {})",
                                i == 0 ? "" : ",", id, db_.quote(rep_.user), db_.quote(rep_.user),
                                db_.quote(rep_.team), db_.quote(now));
          owners += fmt::format("{}({}, NULL, {}, NULL, {}, 'imported', {}, {})", i == 0 ? "" : ",",
                                id, db_.quote(rep_.user), db_.quote(rep_.team),
                                db_.quote(rep_.user), db_.quote(now));
        }
        db_.exec("INSERT INTO customer_need_tags (customer_id, tag) VALUES " + tags);
        db_.exec(
            "INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, "
            "loss_reason, loss_note, actor_id, owner_id, team_id, created_at) VALUES " +
            stages);
        db_.exec(
            "INSERT INTO owner_events (customer_id, from_owner, to_owner, from_team, "
            "to_team, reason, actor_id, created_at) VALUES " +
            owners);
      }
      db_.exec("COMMIT");
    } catch (...) {
      db_.exec("ROLLBACK");
      throw;
    }
  }

 private:
  const Rep& rep_;
  RawDb db_;
  CustomerMaker maker_;
  long long rows_;
};

template <typename W>
WorkerFactory factory(const Context& context) {
  return [&context](int client) { return std::make_unique<W>(context, client); };
}

}  // namespace

std::vector<Scenario> customer_scenarios(const Context& context, long long import_rows) {
  std::vector<Scenario> s;
  s.push_back(
      {"CreateCustomer", "write", factory<CreateWorker>(context), factory<CreateFloor>(context)});
  s.push_back({"GetCustomer", "read", factory<GetWorker>(context), factory<GetFloor>(context)});
  s.push_back({"ListCustomers", "read", factory<ListWorker>(context), factory<ListFloor>(context)});
  s.push_back({"ImportCustomers", "import",
               [&context, import_rows](int client) {
                 return std::make_unique<ImportWorker>(context, client, import_rows);
               },
               [&context, import_rows](int client) {
                 return std::make_unique<ImportFloor>(context, client, import_rows);
               },
               import_rows});
  return s;
}

}  // namespace salesfollow::bench
