// import customers FILE.csv, export customers
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "commands.h"
#include "customer_csv.h"
#include "exit_codes.h"
#include "progress.h"

namespace salesfollow::salesctl {
namespace {

constexpr std::size_t kBatchRows = 200;

struct Rejected {
  std::size_t line;
  std::string reason;
  CsvRow fields;
};

std::filesystem::path default_rejected_path(const std::filesystem::path& input) {
  auto path = input;
  path.replace_extension("");
  return path.string() + ".rejected.csv";
}

int import_customers(Context& c, const Invocation& in) {
  const std::filesystem::path path = in.args[0];
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UsageError("cannot read " + path.string());
  std::error_code size_error;
  const auto total = std::filesystem::file_size(path, size_error);
  CsvReader reader(file);
  const auto header_record = reader.next();
  if (!header_record) throw UsageError(path.string() + " is empty");
  if (!header_record->error.empty())
    throw UsageError(fmt::format("{}: header: {}", path.string(), header_record->error));
  CsvHeader header;
  try {
    header = read_customer_header(header_record->fields);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{}: {}", path.string(), e.what()));
  }
  for (const auto& ignored : header.ignored)
    c.err() << "note: column '" << ignored << "' is not a customer field and is ignored\n";

  // The file is read whole before the stream opens, so that the first
  // message can announce how many rows follow (expected_rows: the service
  // refuses a stream cut short by a message it could not parse). The rows are
  // kept anyway, to write the rejected ones back with their reasons.
  struct Row {
    CsvRecord record;
    v1::Customer customer;
    std::size_t bytes_read;  // of the file, after this row (for the progress bar)
  };
  std::vector<Rejected> rejected;
  std::vector<Row> valid;
  std::size_t rows = 0;
  while (auto record = reader.next()) {
    ++rows;
    auto row = customer_from_record(header, *record);
    if (!row.customer) {
      rejected.push_back({record->line, row.error, record->fields});
    } else {
      valid.push_back({std::move(*record), std::move(*row.customer), reader.bytes_read()});
    }
  }

  auto context = c.call(true);
  // A generous deadline: the service answers once, after the last row.
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
  v1::ImportCustomersResponse response;
  auto writer = c.customers().ImportCustomers(context.get(), &response);
  v1::ImportCustomersRequest settings;
  settings.set_request_id(request_id(in));
  settings.set_allow_duplicates(in.has("allow-duplicates"));
  settings.set_expected_rows(static_cast<std::int64_t>(valid.size()));
  bool open = writer->Write(settings);

  std::vector<CsvRecord> sent;  // stream row n (1-based) = sent[n - 1]
  Progress progress(c.err(), c.terminal(), size_error ? 0 : static_cast<std::size_t>(total));
  const bool show_progress = !in.has("no-progress");
  v1::ImportCustomersRequest batch;
  const auto flush = [&] {
    if (batch.customers_size() == 0 || !open) return;
    open = writer->Write(batch);
    batch.Clear();
  };
  for (auto& row : valid) {
    *batch.add_customers() = std::move(row.customer);
    sent.push_back(std::move(row.record));
    if (static_cast<std::size_t>(batch.customers_size()) >= kBatchRows) flush();
    if (show_progress) progress.update(sent.size(), row.bytes_read);
  }
  valid.clear();
  flush();
  writer->WritesDone();
  // The service answers once, after the last row: say what the wait is for.
  if (show_progress) {
    c.err() << (c.terminal() ? "\r\x1b[K" : "progress: ") << "all " << rows
            << " rows read; waiting for the service to finish" << (c.terminal() ? "" : "\n")
            << std::flush;
  }
  c.check(writer->Finish(), "import customers");
  if (show_progress) progress.finish(rows, reader.bytes_read());

  for (const auto& r : response.rejected()) {
    const auto index = static_cast<std::size_t>(r.row());
    if (index == 0 || index > sent.size()) continue;
    const auto& record = sent[index - 1];
    const std::string outcome =
        r.outcome() == v1::ImportRowResult::DUPLICATE ? "duplicate of " + r.customer() + ": " : "";
    rejected.push_back({record.line, outcome + r.message(), record.fields});
  }
  std::sort(rejected.begin(), rejected.end(),
            [](const Rejected& a, const Rejected& b) { return a.line < b.line; });

  const auto local_invalid = static_cast<std::int64_t>(rows - sent.size());
  std::string rejected_path;
  if (!rejected.empty()) {
    rejected_path = in.get("rejected", default_rejected_path(path).string());
    std::ofstream out(rejected_path, std::ios::binary);
    CsvRow head = header_record->fields;
    head.insert(head.end(), {"rejected_line", "rejected_reason"});
    out << "\xEF\xBB\xBF" << csv_line(head);
    for (const auto& r : rejected) {
      CsvRow fields = r.fields;
      fields.resize(header.width);
      fields.push_back(std::to_string(r.line));
      fields.push_back(r.reason);
      out << csv_line(fields);
    }
    if (!out) throw CommandFailed(kExitFailure, "cannot write " + rejected_path);
  }
  if (c.json()) {
    c.out() << fmt::format(
        R"({{"rows_read": {}, "created": {}, "duplicates": {}, "invalid": {}, "rejected": {}, "rejected_file": "{}", "rejected_truncated": {}}})"
        "\n",
        rows, response.created(), response.duplicates(), response.invalid() + local_invalid,
        rejected.size(), rejected_path, response.rejected_truncated() ? "true" : "false");
  } else {
    c.out() << fmt::format("{}: {} rows read, {} created, {} duplicates, {} invalid\n",
                           path.string(), rows, response.created(), response.duplicates(),
                           response.invalid() + local_invalid);
    if (!rejected.empty()) {
      c.out() << fmt::format("{} rows rejected; they are in {} with the reason of each:\n",
                             rejected.size(), rejected_path);
      const std::size_t shown = std::min<std::size_t>(rejected.size(), 10);
      for (std::size_t i = 0; i < shown; ++i)
        c.out() << fmt::format("  line {}: {}\n", rejected[i].line, rejected[i].reason);
      if (shown < rejected.size())
        c.out() << fmt::format("  ... and {} more\n", rejected.size() - shown);
    }
    if (response.rejected_truncated())
      c.out() << "the service listed only the first 10,000 rejected rows\n";
  }
  return rejected.empty() ? kExitOk : kExitPartial;
}

int export_customers(Context& c, const Invocation& in) {
  v1::ExportCustomersRequest request;
  request.set_filter(in.get("filter"));
  request.set_show_deleted(in.has("show-deleted"));
  auto context = c.call(true);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
  auto reader = c.customers().ExportCustomers(context.get(), request);
  const std::string target = in.get("file", "-");
  std::ofstream file;
  if (target != "-") {
    file.open(target, std::ios::binary);
    if (!file) throw UsageError("cannot write " + target);
  }
  std::ostream& out = target == "-" ? c.out() : file;
  // A byte-order mark lets spreadsheet programs read the Chinese text right;
  // scripts reading stdout get none.
  const bool bom = in.has("bom") || (target != "-" && !in.has("no-bom"));
  if (bom) out << "\xEF\xBB\xBF";
  out << csv_line(export_header());
  v1::Customer customer;
  std::size_t rows = 0;
  while (reader->Read(&customer)) {
    out << csv_line(export_row(customer, c.time()));
    ++rows;
  }
  c.check(reader->Finish(), "export customers");
  out.flush();
  if (!out) throw CommandFailed(kExitFailure, "cannot write " + target);
  if (target != "-") c.err() << fmt::format("exported {} customers to {}\n", rows, target);
  return kExitOk;
}

}  // namespace

void add_transfer_commands(CommandLine& commands) {
  commands.add(
      {"import customers",
       "FILE.csv",
       "import customers from a CSV file",
       "The first row names the columns: display_name, industry, source, contact_name,\n"
       "contact_title, phone, email, wechat_id, first_contact_date, need_tags (';'-separated),\n"
       "need_description, company_size, notes, owner_id (or the sheet's Chinese names).\n"
       "UTF-8 with or without BOM; quoted fields may hold commas, quotes and line breaks.\n"
       "Rows that are not created go to FILE.rejected.csv with the reason of each; the\n"
       "exit code is then 8.",
       {{"rejected", "PATH", "where to write rejected rows (default FILE.rejected.csv)"},
        {"allow-duplicates", "", "create rows that match existing customers"},
        {"no-progress", "", "no progress report"},
        {"request-id", "ID", "idempotency key (a retry imports nothing twice)"}},
       1,
       1,
       import_customers});
  commands.add({"export customers",
                "",
                "export customers as CSV (contacts masked)",
                "Writes the import format plus id, stage, team_id and create_time.",
                {{"file", "PATH", "output file (default stdout)"},
                 {"filter", "EXPR", "same grammar as customer list --filter"},
                 {"show-deleted", "", "include deleted customers"},
                 {"bom", "", "write a UTF-8 BOM also to stdout"},
                 {"no-bom", "", "no BOM in the file"}},
                0,
                0,
                export_customers});
}

}  // namespace salesfollow::salesctl
