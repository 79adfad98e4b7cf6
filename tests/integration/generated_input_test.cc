// Generated hostile input for every RPC of CustomerService, DictionaryService,
// FollowUpService and ReportService, sent to the real processes (built with
// ASan+UBSan in the asan preset).
//
// Requests are built by protobuf reflection, so every field of every request
// (and of the messages nested in it) gets hostile values without a per-RPC
// generator: valid requests with one to three fields replaced, fully random
// requests, and valid requests whose wire bytes were mutated (and still
// parse). The calls go through gRPC's generic call path with the method
// descriptors, so new RPCs are covered as soon as they are in the protos.
//
// For every call: the answer is OK or an expected refusal (never INTERNAL,
// UNKNOWN, or UNAVAILABLE: that would be a crash); every process is still
// running; for write RPCs, a refused call changed no table (CHECKSUM TABLE
// of every business table before and after). At the end no process log holds
// a sanitizer report.
//
// SALESFOLLOW_FUZZ_ITERATIONS sets the calls per RPC (default 300, the CI
// size; WatchReminders gets a quarter, each call costing its 150 ms deadline);
// scripts/fuzz.sh runs the full size (100,000 per RPC).
// SALESFOLLOW_FUZZ_SEED picks the random seed (default: fixed, so CI is
// reproducible); every failure prints the request in text format.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/rpc_method.h>
#include <grpcpp/impl/codegen/sync_stream.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "grpc_probe.h"
#include "mariadb_server.h"
#include "salesfollow/common/crypto.h"
#include "salesfollow/v1/followup.pb.h"
#include "status_text.h"
#include "system_fixture.h"

namespace salesfollow {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::Reflection;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::code_name;
namespace sys = testing::system;

int iterations_per_rpc() {
  const char* text = std::getenv("SALESFOLLOW_FUZZ_ITERATIONS");
  return text != nullptr && std::atoi(text) > 0 ? std::atoi(text) : 300;
}

std::uint64_t seed() {
  const char* text = std::getenv("SALESFOLLOW_FUZZ_SEED");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : 20261126;
}

// ------------------------------------------------------------------ values

// Strings that have broken services before: invalid UTF-8, control
// characters, injection, path tricks, resource names out of range, filter
// syntax, dates at the edges.
const std::vector<std::string> kHostileStrings = {
    "",
    " ",
    "a",
    "测试客户",
    "manufacturing",
    "erp_system",
    "trade_show",
    "internet",
    "website",
    "price",
    "\xff\xfe\xfd",
    "abc\x80",
    "\xc3\x28",
    "\xc0\xaf",          // overlong '/'
    "\xed\xa0\x80",      // UTF-16 surrogate
    "\xf4\x90\x80\x80",  // beyond U+10FFFF
    std::string("nul\0inside", 10),
    "\x01\x02\x1b[31mred",
    "line\nbreak\r\n",
    "\t",
    "' OR '1'='1",
    "'; DROP TABLE customers; --",
    "\\' \\\" ` \\\\ %_",
    "<script>alert(1)</script>",
    "${jndi:ldap://example.invalid/a}",
    "{{7*7}}",
    "../../../../etc/passwd",
    "customers/",
    "customers/0",
    "customers/1",
    "customers/2",
    "customers/-1",
    "customers/18446744073709551616",
    "customers/99999999999999999999999",
    "customers/1 OR 1=1",
    "customers/1/stageEvents/1",
    "customers//1",
    "followUps/1",
    "followUps/0",
    "followUps/-5",
    "followUps/1/attachments/1",
    "followUps/1/attachments/999999999",
    "talkTracks/1",
    "talkTracks/abc",
    "reportRuns/1",
    "*",
    "rep_a",
    "team1",
    "2024-01-15",
    "2024-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "2024-W11",
    "2024-W54",
    "2024-03",
    "2024-13",
    "1969-12",
    "2024-03-04T04:00:00Z",
    "stage = INTENTION",
    "stage = 99",
    "owner_id = \"rep_a\"",
    "display_name : \"%\"",
    "display_name : \"\\\"\"",
    "industry = \"x\" AND",
    "AND AND",
    "((((",
    "create_time >= \"2024-02-01T00:00:00Z\"",
    "create_time >= \"99999-99-99\"",
    "first_contact_date < \"\xff\"",
    "need_tag = \"' OR 1=1 --\"",
    "create_time desc",
    "display_name desc, id",
    "first_contact_date asc",
    "contact.phone",
    "notes",
    "update_mask",
    "application/pdf",
    "报价单.pdf",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "AAAA",
    "eyJhbGciOiJub25lIn0.e30.",
    "13900000000",
    "+86 139-0000-0000",
    "someone@example.com",
    "not-an-email@",
};

class Values {
 public:
  explicit Values(std::uint64_t seed) : rng_(seed) {}

  std::mt19937_64& rng() { return rng_; }
  int below(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }

  void add_known(const std::string& value) { known_.push_back(value); }

  std::string string() {
    switch (below(10)) {
      case 0:
      case 1:
      case 2:
        return kHostileStrings[static_cast<std::size_t>(
            below(static_cast<int>(kHostileStrings.size())))];
      case 3:
        return known_.empty()
                   ? ""
                   : known_[static_cast<std::size_t>(below(static_cast<int>(known_.size())))];
      case 4:
        return random_bytes(below(64));
      case 5:
        return long_string();
      case 6:
        return string() + string();
      case 7:
        return random_unicode(1 + below(40));
      case 8:
        return std::to_string(static_cast<long long>(rng_()));
      default:
        return random_printable(below(80));
    }
  }
  std::string random_bytes(int length) {
    std::string out;
    for (int i = 0; i < length; ++i) out.push_back(static_cast<char>(below(256)));
    return out;
  }
  std::string random_printable(int length) {
    std::string out;
    for (int i = 0; i < length; ++i) out.push_back(static_cast<char>(32 + below(95)));
    return out;
  }
  std::string random_unicode(int characters) {
    static const std::vector<std::string> pieces = {
        "客", "户", "é", "ß", "😀", "\u200b", "\u202e", "\ufeff", "ٱ", "a", "0", "_", " "};
    std::string out;
    for (int i = 0; i < characters; ++i)
      out += pieces[static_cast<std::size_t>(below(static_cast<int>(pieces.size())))];
    return out;
  }
  std::string long_string() {
    // Mostly just over the usual limits; now and then 1 MB.
    static const std::vector<int> lengths = {65, 101, 201, 1001, 2001, 4097, 65536, 1 << 20};
    const int length = lengths[static_cast<std::size_t>(
        below(static_cast<int>(lengths.size()) - (chance(10) ? 0 : 1)))];
    return std::string(static_cast<std::size_t>(length), chance(50) ? 'x' : '9');
  }
  std::int64_t integer() {
    static const std::vector<std::int64_t> edges = {
        0,   1,    -1,        2,         49,        50,        200,     201,       500,
        501, 1000, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, 1 << 20, -(1 << 20)};
    if (chance(70)) return edges[static_cast<std::size_t>(below(static_cast<int>(edges.size())))];
    return static_cast<std::int64_t>(rng_());
  }
  double real() {
    static const std::vector<double> edges = {
        0.0, -1.0, 1e308, -1e308, std::nan(""), std::numeric_limits<double>::infinity()};
    return edges[static_cast<std::size_t>(below(static_cast<int>(edges.size())))];
  }

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> known_;
};

// ------------------------------------------------------------------ reflection

class Mutator {
 public:
  explicit Mutator(Values& values) : v_(values) {}

  // Sets every field at random (each with some probability), recursively.
  void fill(Message& message, int depth = 0) {
    const Descriptor* d = message.GetDescriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (!v_.chance(depth == 0 ? 70 : 50)) continue;
      if (f->is_repeated()) {
        const int n = v_.chance(10) ? 20 : v_.below(4);
        for (int k = 0; k < n; ++k) add_value(message, f, depth);
      } else {
        set_value(message, f, depth);
      }
    }
  }

  // Replaces one to three fields (anywhere in the tree) with hostile values.
  void mutate(Message& message) {
    const int count = 1 + v_.below(3);
    for (int i = 0; i < count; ++i) mutate_one(message, 0);
  }

  // Flips, inserts or drops bytes of the wire form; keeps the result if it
  // still parses (what a broken client could send).
  bool mutate_bytes(Message& message) {
    std::string wire = message.SerializeAsString();
    const int edits = 1 + v_.below(4);
    for (int i = 0; i < edits; ++i) {
      const int kind = v_.below(3);
      const auto at =
          wire.empty() ? 0 : static_cast<std::size_t>(v_.below(static_cast<int>(wire.size())));
      if (kind == 0 && !wire.empty()) {
        wire[at] = static_cast<char>(wire[at] ^ (1 << v_.below(8)));
      } else if (kind == 1) {
        wire.insert(at, v_.random_bytes(1 + v_.below(8)));
      } else if (!wire.empty()) {
        wire.erase(at, 1 + static_cast<std::size_t>(v_.below(4)));
      }
    }
    std::unique_ptr<Message> parsed(message.New());
    if (!parsed->ParseFromString(wire)) return false;
    message.CopyFrom(*parsed);
    return true;
  }

 private:
  void mutate_one(Message& message, int depth) {
    const Descriptor* d = message.GetDescriptor();
    if (d->field_count() == 0) return;
    const FieldDescriptor* f = d->field(v_.below(d->field_count()));
    const Reflection* r = message.GetReflection();
    // Go deeper into a set message field half of the time.
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated() &&
        r->HasField(message, f) && depth < 4 && v_.chance(50)) {
      mutate_one(*r->MutableMessage(&message, f), depth + 1);
      return;
    }
    if (v_.chance(15)) {
      r->ClearField(&message, f);
      return;
    }
    if (f->is_repeated()) {
      if (v_.chance(30)) r->ClearField(&message, f);
      const int n = v_.chance(10) ? 30 : 1 + v_.below(3);
      for (int k = 0; k < n; ++k) add_value(message, f, depth + 1);
      // Duplicates of what is there.
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING && r->FieldSize(message, f) > 0 &&
          v_.chance(30)) {
        r->AddString(&message, f, r->GetRepeatedString(message, f, 0));
      }
    } else {
      set_value(message, f, depth + 1);
    }
  }

  void special_message(Message& m, int depth) {
    const std::string& type = m.GetDescriptor()->full_name();
    const Reflection* r = m.GetReflection();
    const Descriptor* d = m.GetDescriptor();
    if (type == "google.protobuf.Timestamp") {
      static const std::vector<std::int64_t> secs = {
          0,         -1,        1709524800, -62135596801, 253402300800,
          INT64_MAX, INT64_MIN, 1700000000, 4102444800};
      r->SetInt64(&m, d->FindFieldByName("seconds"),
                  v_.chance(80)
                      ? secs[static_cast<std::size_t>(v_.below(static_cast<int>(secs.size())))]
                      : v_.integer());
      static const std::vector<int> nanos = {0, -1, 999999999, 1000000000, INT32_MAX};
      r->SetInt32(&m, d->FindFieldByName("nanos"), nanos[static_cast<std::size_t>(v_.below(5))]);
      return;
    }
    fill(m, depth + 1);
  }

  void set_value(Message& m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        r->SetString(&m, f,
                     f->type() == FieldDescriptor::TYPE_BYTES ? v_.random_bytes(v_.below(2048))
                                                              : v_.string());
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(&m, f, static_cast<std::int32_t>(v_.integer()));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(&m, f, v_.integer());
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        r->SetUInt32(&m, f, static_cast<std::uint32_t>(v_.integer()));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(&m, f, static_cast<std::uint64_t>(v_.integer()));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(&m, f, v_.chance(50));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        r->SetDouble(&m, f, v_.real());
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        r->SetFloat(&m, f, static_cast<float>(v_.integer()));
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        r->SetEnumValue(&m, f, enum_value(f));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth > 5) return;
        special_message(*r->MutableMessage(&m, f), depth);
        break;
    }
  }

  void add_value(Message& m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        r->AddString(&m, f, v_.string());
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        r->AddInt32(&m, f, static_cast<std::int32_t>(v_.integer()));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        r->AddInt64(&m, f, v_.integer());
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        r->AddEnumValue(&m, f, enum_value(f));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth > 5) return;
        special_message(*r->AddMessage(&m, f), depth);
        break;
      default:
        break;  // no repeated fields of other types in the contract
    }
  }

  int enum_value(const FieldDescriptor* f) {
    const auto* e = f->enum_type();
    if (v_.chance(70)) return e->value(v_.below(e->value_count()))->number();
    static const std::vector<int> unknown = {-1, 6, 99, INT32_MAX, INT32_MIN};
    return unknown[static_cast<std::size_t>(v_.below(static_cast<int>(unknown.size())))];
  }

  Values& v_;
};

// ------------------------------------------------------------------ calls

std::unique_ptr<Message> new_message(const Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

struct CallResult {
  grpc::Status status;
  std::size_t responses = 0;
};

// One call of any RPC through gRPC's generic machinery (what the generated
// stubs do), with messages given as reflection objects.
CallResult call(const std::shared_ptr<grpc::Channel>& channel, const MethodDescriptor* method,
                const std::vector<std::unique_ptr<Message>>& requests, const std::string& bearer,
                milliseconds deadline) {
  const std::string path = "/" + method->service()->full_name() + "/" + method->name();
  grpc::ClientContext context;
  sys::prepare(context, bearer, deadline);
  auto response = new_message(method->output_type());
  CallResult result;
  if (!method->client_streaming() && !method->server_streaming()) {
    const grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
    result.status = grpc::internal::BlockingUnaryCall<Message, Message>(
        channel.get(), rpc, &context, *requests.front(), response.get());
    result.responses = result.status.ok() ? 1 : 0;
  } else if (method->server_streaming()) {
    const grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING);
    std::unique_ptr<grpc::ClientReader<Message>> reader(
        grpc::internal::ClientReaderFactory<Message>::Create(channel.get(), rpc, &context,
                                                             *requests.front()));
    while (reader->Read(response.get())) ++result.responses;
    result.status = reader->Finish();
  } else {
    const grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::CLIENT_STREAMING);
    std::unique_ptr<grpc::ClientWriter<Message>> writer(
        grpc::internal::ClientWriterFactory<Message>::Create(channel.get(), rpc, &context,
                                                             response.get()));
    for (const auto& request : requests) {
      if (!writer->Write(*request)) break;
    }
    writer->WritesDone();
    result.status = writer->Finish();
    result.responses = result.status.ok() ? 1 : 0;
  }
  return result;
}

std::string text_of(const Message& message) {
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(false);
  printer.SetTruncateStringFieldLongerThan(200);
  printer.SetSingleLineMode(true);
  printer.PrintToString(message, &text);
  return text;
}

// ------------------------------------------------------------------ the system

// Tables a refused request must leave alone. Not the summary tables: the
// report worker's own passes (its start-up pass runs while the test writes)
// change them at any time; not reminders (the scanner's).
const std::vector<std::string> kBusinessTables = {
    "customers",        "customer_need_tags", "stage_events",         "owner_events",
    "contact_reveals",  "idempotency_keys",   "dictionary_entries",   "talk_tracks",
    "talk_track_tags",  "follow_ups",         "follow_up_amendments", "customer_activity",
    "follow_up_plans",  "cadence_policies",   "customer_cadences",    "attachments",
    "attachment_chunks"};

std::string table_checksums(soci::session& sql) {
  return sys::table_checksums(sql, kBusinessTables);
}

// The tables whose checksums differ between two table_checksums() texts.
std::string changed_tables(const std::string& before, const std::string& after) {
  std::istringstream a(before);
  std::istringstream b(after);
  std::string changed;
  for (std::string x, y; a >> x && b >> y;) {
    if (x != y) changed += x.substr(0, x.find('=')) + " ";
  }
  return changed;
}

// Methods that write when they succeed (a refused one must write nothing).
const std::set<std::string> kWriteMethods = {
    "CreateCustomer",        "UpdateCustomer",        "DeleteCustomer",
    "UndeleteCustomer",      "ChangeCustomerStage",   "TransferCustomer",
    "RevealContact",         "ImportCustomers",       "CreateDictionaryEntry",
    "UpdateDictionaryEntry", "RetireDictionaryEntry", "CreateTalkTrack",
    "UpdateTalkTrack",       "RetireTalkTrack",       "LogFollowUp",
    "AmendFollowUp",         "PlanNextFollowUp",      "UpdateCadencePolicy",
    "SetCustomerCadence",    "UploadAttachment",      "RunReports"};

// The codes a well-behaved service may answer hostile input with.
const std::set<grpc::StatusCode> kExpectedCodes = {grpc::StatusCode::OK,
                                                   grpc::StatusCode::INVALID_ARGUMENT,
                                                   grpc::StatusCode::NOT_FOUND,
                                                   grpc::StatusCode::FAILED_PRECONDITION,
                                                   grpc::StatusCode::ALREADY_EXISTS,
                                                   grpc::StatusCode::ABORTED,
                                                   grpc::StatusCode::PERMISSION_DENIED,
                                                   grpc::StatusCode::RESOURCE_EXHAUSTED,
                                                   grpc::StatusCode::OUT_OF_RANGE,
                                                   grpc::StatusCode::UNAUTHENTICATED};

class GeneratedInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The client-side protobuf warns on every string with invalid UTF-8 it
    // serializes: thousands of lines that say nothing about the services.
    google::protobuf::SetLogHandler(nullptr);
    sys::SystemUnderTest::Options options;
    options.with_report_worker = true;
    // The reminder scanner would change plans behind the checksums' back.
    // A reminder stream notices its client is gone when it wakes: every
    // heartbeat interval here (finding F4: each open stream holds a thread).
    options.followup_args = {"--reminder-scan-interval=10m", "--reminder-heartbeat-interval=100ms"};
    system_ = new sys::SystemUnderTest(sys::migrate(testing::fresh_database("fuzz")), options);
  }
  static void TearDownTestSuite() {
    delete system_;
    system_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(system_, nullptr);
    sql_ = sys::session(system_->db());
    seed_data();
  }

  // Real resources for the valid templates (names the fuzzer then reuses).
  void seed_data() {
    const std::string admin = sys::token("admin", "admin", "");
    for (int i = 0; i < 3; ++i) {
      v1::CreateCustomerRequest request;
      *request.mutable_customer() = sys::sample_customer("fuzz-seed", 50'000'000 + next_++);
      request.mutable_customer()->set_owner_id("rep_a");
      grpc::ClientContext context;
      sys::prepare(context, kRepA);
      v1::Customer created;
      const auto status = system_->customers().CreateCustomer(&context, request, &created);
      ASSERT_TRUE(status.ok()) << status.error_message();
      customers_.push_back(created.name());
    }
    v1::LogFollowUpRequest log;
    log.mutable_follow_up()->set_customer(customers_[0]);
    log.mutable_follow_up()->mutable_happen_time()->set_seconds(
        std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count() -
        3600);
    log.mutable_follow_up()->set_channel(v1::PHONE);
    log.mutable_follow_up()->set_content("fuzz seed follow-up");
    grpc::ClientContext context;
    sys::prepare(context, kRepA);
    v1::LogFollowUpResponse logged;
    const auto status = system_->followups().LogFollowUp(&context, log, &logged);
    ASSERT_TRUE(status.ok()) << status.error_message();
    follow_up_ = logged.follow_up().name();
    const std::string bytes = "%PDF-1.4 fuzz";
    v1::UploadAttachmentRequest meta;
    auto* m = meta.mutable_metadata();
    m->set_follow_up(follow_up_);
    m->set_file_name("a.pdf");
    m->set_content_type("application/pdf");
    m->set_size_bytes(static_cast<std::int64_t>(bytes.size()));
    m->set_sha256(crypto::sha256_hex(bytes));
    v1::UploadAttachmentRequest chunk;
    chunk.set_chunk(bytes);
    grpc::ClientContext upload_context;
    sys::prepare(upload_context, kRepA);
    v1::Attachment attachment;
    auto writer = system_->followups().UploadAttachment(&upload_context, &attachment);
    writer->Write(meta);
    writer->Write(chunk);
    writer->WritesDone();
    const auto uploaded = writer->Finish();
    ASSERT_TRUE(uploaded.ok()) << uploaded.error_message();
    attachment_ = attachment.name();
  }

  // A valid request of `method` (the start of most mutations).
  std::vector<std::unique_ptr<Message>> valid_requests(const MethodDescriptor* method) {
    const std::string& name = method->name();
    auto request = new_message(method->input_type());
    auto set_text = [&](Message& m, const std::string& path, const std::string& value) {
      Message* target = &m;
      std::string rest = path;
      for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
        const auto* f = target->GetDescriptor()->FindFieldByName(rest.substr(0, dot));
        target = target->GetReflection()->MutableMessage(target, f);
        rest = rest.substr(dot + 1);
      }
      const auto* f = target->GetDescriptor()->FindFieldByName(rest);
      if (f == nullptr) throw std::logic_error("no field " + path + " in " + name);
      if (f->is_repeated()) {
        target->GetReflection()->AddString(target, f, value);
      } else {
        target->GetReflection()->SetString(target, f, value);
      }
    };
    auto set_message = [&](Message& m, const std::string& field, const Message& value) {
      const auto* f = m.GetDescriptor()->FindFieldByName(field);
      if (f == nullptr) throw std::logic_error("no field " + field + " in " + name);
      m.GetReflection()->MutableMessage(&m, f)->CopyFrom(value);
    };
    const std::string customer = customers_[static_cast<std::size_t>(next_ % 3)];
    const std::int64_t now =
        std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    std::vector<std::unique_ptr<Message>> out;
    if (name == "CreateCustomer") {
      v1::CreateCustomerRequest r;
      *r.mutable_customer() = sys::sample_customer("fuzz", 60'000'000 + next_++);
      r.set_request_id(fmt::format("fuzz-{}", next_));
      request->CopyFrom(r);
    } else if (name == "ImportCustomers") {
      v1::ImportCustomersRequest settings;
      settings.set_request_id(fmt::format("fuzz-import-{}", next_++));
      out.push_back(new_message(method->input_type()));
      out.back()->CopyFrom(settings);
      v1::ImportCustomersRequest rows;
      *rows.add_customers() = sys::sample_customer("fuzz-import", 60'000'000 + next_++);
      request->CopyFrom(rows);
    } else if (name == "UpdateCustomer") {
      v1::UpdateCustomerRequest r;
      r.mutable_customer()->set_name(customer);
      r.mutable_customer()->set_notes("fuzz");
      r.mutable_update_mask()->add_paths("notes");
      request->CopyFrom(r);
    } else if (name == "GetCustomer" || name == "DeleteCustomer" || name == "UndeleteCustomer") {
      set_text(*request, "name", customer);
    } else if (name == "ChangeCustomerStage") {
      v1::ChangeCustomerStageRequest r;
      r.set_name(customer);
      r.set_stage(v1::STAGE_INTENTION);
      r.set_reason("fuzz");
      request->CopyFrom(r);
    } else if (name == "ListStageEvents") {
      set_text(*request, "parent", customer);
    } else if (name == "TransferCustomer") {
      v1::TransferCustomerRequest r;
      r.set_name(customer);
      r.set_new_owner_id("rep_b");
      r.set_new_team_id("team1");
      r.set_reason("fuzz");
      request->CopyFrom(r);
    } else if (name == "RevealContact") {
      set_text(*request, "name", customer);
      set_text(*request, "purpose", "fuzz");
    } else if (name == "ListCustomers" || name == "ExportCustomers") {
      set_text(*request, "filter", "stage = POTENTIAL");
    } else if (name == "ListDictionaryEntries") {
      v1::ListDictionaryEntriesRequest r;
      r.set_kind(v1::INDUSTRY);
      request->CopyFrom(r);
    } else if (name == "CreateDictionaryEntry" || name == "UpdateDictionaryEntry") {
      v1::DictionaryEntry entry;
      entry.set_kind(v1::NEED_TAG);
      entry.set_code(fmt::format("fuzz_{}", next_++ % 50));
      entry.set_label("模糊");
      set_message(*request, "entry", entry);
    } else if (name == "RetireDictionaryEntry") {
      v1::RetireDictionaryEntryRequest r;
      r.set_kind(v1::NEED_TAG);
      r.set_code(fmt::format("fuzz_{}", next_++ % 50));
      request->CopyFrom(r);
    } else if (name == "CreateTalkTrack" || name == "UpdateTalkTrack") {
      v1::TalkTrack track;
      track.set_name("talkTracks/1");
      track.set_question("价格能优惠吗？");
      track.set_answer("看采购量");
      track.add_tags("price");
      set_message(*request, "talk_track", track);
    } else if (name == "RetireTalkTrack") {
      set_text(*request, "name", "talkTracks/1");
    } else if (name == "SearchTalkTracks") {
      set_text(*request, "text", "价格");
    } else if (name == "LogFollowUp") {
      v1::LogFollowUpRequest r;
      r.mutable_follow_up()->set_customer(customer);
      r.mutable_follow_up()->mutable_happen_time()->set_seconds(now - 600);
      r.mutable_follow_up()->set_channel(v1::PHONE);
      r.mutable_follow_up()->set_content("fuzz");
      if (next_++ % 2 == 0) {
        r.mutable_stage_change()->set_stage(v1::STAGE_HIGH_INTENTION);
        r.mutable_stage_change()->set_reason("fuzz");
      }
      r.set_request_id(fmt::format("fuzz-log-{}", next_));
      request->CopyFrom(r);
    } else if (name == "GetFollowUp") {
      set_text(*request, "name", follow_up_);
    } else if (name == "ListFollowUps" || name == "SetCustomerCadence") {
      set_text(*request, "customer", customer);
    } else if (name == "AmendFollowUp") {
      v1::AmendFollowUpRequest r;
      r.mutable_follow_up()->set_name(follow_up_);
      r.mutable_follow_up()->set_content("amended by fuzz");
      r.add_fields("content");
      r.set_reason("fuzz");
      request->CopyFrom(r);
    } else if (name == "PlanNextFollowUp") {
      v1::PlanNextFollowUpRequest r;
      r.set_customer(customer);
      r.mutable_plan()->mutable_plan_time()->set_seconds(now + 86400);
      r.mutable_plan()->set_action("fuzz");
      request->CopyFrom(r);
    } else if (name == "UpdateCadencePolicy") {
      v1::UpdateCadencePolicyRequest r;
      r.mutable_policy()->set_team_id("team1");
      r.mutable_policy()->set_potential_days(7);
      r.mutable_policy()->set_intention_days(3);
      r.mutable_policy()->set_high_intention_days(2);
      r.mutable_policy()->set_won_days(30);
      r.mutable_policy()->set_stalled_factor(2);
      request->CopyFrom(r);
    } else if (name == "UploadAttachment") {
      const std::string bytes = "fuzz attachment";
      v1::UploadAttachmentRequest meta;
      meta.mutable_metadata()->set_follow_up(follow_up_);
      meta.mutable_metadata()->set_file_name("f.txt");
      meta.mutable_metadata()->set_content_type("text/plain");
      meta.mutable_metadata()->set_size_bytes(static_cast<std::int64_t>(bytes.size()));
      meta.mutable_metadata()->set_sha256(crypto::sha256_hex(bytes));
      out.push_back(new_message(method->input_type()));
      out.back()->CopyFrom(meta);
      v1::UploadAttachmentRequest chunk;
      chunk.set_chunk(bytes);
      request->CopyFrom(chunk);
    } else if (name == "DownloadAttachment") {
      set_text(*request, "name", attachment_);
    } else if (name == "ListAttachments") {
      set_text(*request, "follow_up", follow_up_);
    } else if (name == "GetWeeklyReview") {
      set_text(*request, "week", "2024-W11");
    } else if (name == "GetMonthlyDistribution") {
      set_text(*request, "month", "2024-03");
    } else if (name == "RunReports") {
      set_text(*request, "backfill_from", "2024-03-01");
      set_text(*request, "backfill_to", "2024-03-10");
    }
    // Other methods (lists with defaults, GetCadencePolicy, WatchReminders...):
    // the empty request is valid.
    out.push_back(std::move(request));
    return out;
  }

  // Runs `iterations` generated calls of every method of `service_name`.
  void fuzz_service(const std::string& service_name, const std::shared_ptr<grpc::Channel>& channel,
                    testing::ServiceProcess& process) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr) << service_name;
    const int iterations = iterations_per_rpc();
    Values values(seed() ^ std::hash<std::string>()(service_name));
    for (const auto& name : customers_) values.add_known(name);
    values.add_known(follow_up_);
    values.add_known(attachment_);
    Mutator mutator(values);
    const std::vector<std::string> callers = {kAdmin, kAdmin, kRepA, kManager1, kService};
    std::string checksum = table_checksums(*sql_);
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      const bool writes = kWriteMethods.count(method->name()) > 0;
      // WatchReminders never ends by itself: a short deadline ends it.
      const bool endless = method->name() == "WatchReminders";
      std::map<std::string, int> codes;
      int findings = 0;
      const auto started = std::chrono::steady_clock::now();
      // A reminder stream costs its whole deadline when it is accepted.
      const int calls = endless ? std::clamp(iterations / 4, 1, 2000) : iterations;
      for (int i = 0; i < calls; ++i) {
        auto requests = valid_requests(method);
        const int mode = values.below(10);
        for (auto& request : requests) {
          if (mode < 1) continue;  // now and then the valid request itself
          if (mode < 5) {
            mutator.mutate(*request);
          } else if (mode < 8) {
            request->Clear();
            mutator.fill(*request);
          } else if (!mutator.mutate_bytes(*request)) {
            mutator.mutate(*request);
          }
        }
        // Streams: sometimes more messages, sometimes none at all.
        if (method->client_streaming()) {
          if (values.chance(10)) requests.clear();
          while (values.chance(20) && requests.size() < 6) {
            requests.push_back(new_message(method->input_type()));
            mutator.fill(*requests.back());
          }
        }
        if (requests.empty() && !method->client_streaming()) continue;
        if (requests.empty()) requests.push_back(new_message(method->input_type()));
        // A proto3 string with invalid UTF-8 does not parse in C++: the
        // request is refused before the handler runs (finding F1, fixed in the
        // interceptor: INVALID_ARGUMENT).
        bool parseable = true;
        for (const auto& r : requests) {
          auto copy = new_message(method->input_type());
          parseable = parseable && copy->ParseFromString(r->SerializeAsString());
        }
        const std::string& caller =
            callers[static_cast<std::size_t>(values.below(static_cast<int>(callers.size())))];
        const auto result =
            call(channel, method, requests, caller, endless ? milliseconds(150) : seconds(20));
        const auto code = result.status.error_code();
        ++codes[(parseable ? "" : "unparseable:") + code_name(code)];
        const bool expected =
            parseable ? kExpectedCodes.count(code) > 0 ||
                            (endless && code == grpc::StatusCode::DEADLINE_EXCEEDED)
                      : code == grpc::StatusCode::INVALID_ARGUMENT ||
                            // Finding F3: a client stream ends silently at an
                            // unparseable message; what came before is processed.
                            (method->client_streaming() && code == grpc::StatusCode::OK);
        if (!expected || (writes && !result.status.ok())) {
          // The request, for the report and a regression test.
          std::string shown;
          for (const auto& r : requests) shown += "{" + text_of(*r) + "} ";
          if (!expected) ++findings;
          EXPECT_TRUE(expected) << method->full_name() << " answered " << code_name(code) << ": "
                                << result.status.error_message() << "\n  request: " << shown;
          if (!expected && process.wait_for_exit(milliseconds(0)).has_value()) {
            FAIL() << service_name << " died on " << method->full_name() << " with " << shown
                   << "\n"
                   << process.log().substr(process.log().size() > 6000 ? process.log().size() - 6000
                                                                       : 0);
          }
          if (writes && !result.status.ok()) {
            const auto after = table_checksums(*sql_);
            if (after != checksum) ++findings;
            EXPECT_EQ(after, checksum)
                << "tables changed: " << changed_tables(checksum, after) << "; "
                << method->full_name() << " refused with " << code_name(code)
                << " but changed a table; request: " << shown;
            checksum = after;  // judge the next call on its own
          }
        }
        if (writes && result.status.ok()) checksum = table_checksums(*sql_);
        if (HasFatalFailure()) return;
        // Five findings per method are enough to report; more would repeat them.
        if (findings >= 5) break;
      }
      std::string tally;
      for (const auto& [c, n] : codes) tally += fmt::format("{}={} ", c, n);
      std::cout << fmt::format("[ figures  ] {}: {} calls in {} ms: {}\n", method->full_name(),
                               calls,
                               std::chrono::duration_cast<milliseconds>(
                                   std::chrono::steady_clock::now() - started)
                                   .count(),
                               tally)
                << std::flush;
      ASSERT_FALSE(process.wait_for_exit(milliseconds(0)).has_value())
          << service_name << " died during " << method->full_name();
    }
  }

  static void expect_no_sanitizer_report(testing::ServiceProcess& process) {
    const auto log = process.log();
    for (const char* marker :
         {"AddressSanitizer", "runtime error:", "LeakSanitizer", "UndefinedBehaviorSanitizer"}) {
      EXPECT_EQ(log.find(marker), std::string::npos) << marker << " in the log:\n"
                                                     << log.substr(log.find(marker), 4000);
    }
  }

  const std::string kAdmin = sys::token("admin", "admin", "");
  const std::string kRepA = sys::token("rep_a", "rep", "team1");
  const std::string kManager1 = sys::token("mgr_1", "manager", "team1");
  const std::string kService = sys::token("svc", "service", "");

  static sys::SystemUnderTest* system_;
  std::unique_ptr<soci::session> sql_;
  std::vector<std::string> customers_;
  std::string follow_up_;
  std::string attachment_;
  static inline int next_ = 0;  // unique across the suite (one database)
};

sys::SystemUnderTest* GeneratedInputTest::system_ = nullptr;

TEST_F(GeneratedInputTest, CustomerService) {
  fuzz_service("salesfollow.v1.CustomerService",
               testing::channel_to(system_->customer_process().grpc_address()),
               system_->customer_process());
  expect_no_sanitizer_report(system_->customer_process());
}

TEST_F(GeneratedInputTest, DictionaryService) {
  fuzz_service("salesfollow.v1.DictionaryService",
               testing::channel_to(system_->customer_process().grpc_address()),
               system_->customer_process());
  expect_no_sanitizer_report(system_->customer_process());
}

TEST_F(GeneratedInputTest, FollowUpService) {
  fuzz_service("salesfollow.v1.FollowUpService",
               testing::channel_to(system_->followup_process().grpc_address()),
               system_->followup_process());
  expect_no_sanitizer_report(system_->followup_process());
}

TEST_F(GeneratedInputTest, ReportService) {
  fuzz_service("salesfollow.v1.ReportService",
               testing::channel_to(system_->report_process()->grpc_address()),
               *system_->report_process());
  expect_no_sanitizer_report(*system_->report_process());
}

}  // namespace
}  // namespace salesfollow
