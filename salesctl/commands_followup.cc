// followup log|list|show|amend|plan|attach|attachments|download
#include <fmt/format.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "commands.h"
#include "exit_codes.h"
#include "salesfollow/common/grpc_util.h"

namespace salesfollow::salesctl {
namespace {

std::string follow_up_name(const std::string& text) {
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
    return "followUps/" + text;
  return text;
}

v1::Channel channel_flag(const Invocation& in) {
  const auto channel = parse_channel(in.get("channel"));
  if (!channel) throw UsageError("--channel must be phone, meeting, email, wechat or other");
  return *channel;
}

void print_follow_up(Context& c, const v1::FollowUp& f) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"id", f.name()},
      {"customer", f.customer()},
      {"happened", c.time().format(f.happen_time()) + (f.late() ? "（补录，超过24小时）" : "")},
      {"logged", c.time().format(f.log_time()) + " by " + f.logger_id()},
      {"follower", f.follower_id()},
      {"channel", channel_label(f.channel()) + " (" + channel_code(f.channel()) + ")"},
      {"scenario", f.scenario()},
      {"content", f.content()},
      {"feedback", f.feedback()},
      {"next action", f.next_action()},
      {"stage after", stage_label(f.stage_after())},
      {"revision", std::to_string(f.revision())}};
  c.print_fields(fields);
  for (const auto& a : f.amendments()) {
    c.out() << fmt::format("amendment {} by {} at {}: {}\n", a.revision(), a.amended_by(),
                           c.time().format(a.amend_time()), a.reason());
    for (const auto& change : a.changes())
      c.out() << fmt::format("  {}: {} → {}\n", change.field(), change.before(), change.after());
  }
}

int log(Context& c, const Invocation& in) {
  v1::LogFollowUpRequest request;
  auto* f = request.mutable_follow_up();
  f->set_customer(Context::customer_name(in.args[0]));
  *f->mutable_happen_time() =
      to_timestamp(in.has("at") ? time_flag(c, in, "at") : SystemClock().now());
  f->set_channel(channel_flag(in));
  f->set_scenario(in.get("scenario"));
  f->set_content(in.get("content"));
  f->set_feedback(in.get("feedback"));
  f->set_next_action(in.get("next-action"));
  f->set_follower_id(in.get("follower"));
  if (in.has("stage")) {
    const auto stage = parse_stage(in.get("stage"));
    if (!stage)
      throw UsageError("--stage must be potential, intention, high_intention, won or lost");
    auto* change = request.mutable_stage_change();
    change->set_stage(*stage);
    change->set_reason(in.get("reason"));
    change->set_loss_reason(in.get("loss-reason"));
    change->set_loss_note(in.get("loss-note"));
  }
  if (in.has("next-time")) {
    *request.mutable_next_plan()->mutable_plan_time() = to_timestamp(time_flag(c, in, "next-time"));
    request.mutable_next_plan()->set_action(in.get("plan-action", in.get("next-action")));
  }
  request.set_request_id(request_id(in));
  v1::LogFollowUpResponse response;
  c.check(c.followups().LogFollowUp(c.call().get(), request, &response), "followup log");
  if (c.json()) {
    c.print_json(response);
    return kExitOk;
  }
  print_follow_up(c, response.follow_up());
  if (response.has_plan()) {
    c.out() << "next follow-up: " << c.time().format(response.plan().plan_time()) << " "
            << response.plan().action() << (response.plan().recommended() ? "（按推荐频率）" : "")
            << "\n";
  }
  return kExitOk;
}

int list(Context& c, const Invocation& in) {
  v1::ListFollowUpsRequest request;
  request.set_customer(Context::customer_name(in.args[0]));
  request.set_page_size(integer_flag(in, "page-size", 50, 1, 500));
  std::vector<v1::FollowUp> items;
  const std::string next = read_pages<v1::ListFollowUpsResponse>(
      in, request,
      [&](const auto& page_request, auto& response) {
        c.check(c.followups().ListFollowUps(c.call().get(), page_request, &response),
                "followup list");
      },
      [&](const auto& response) {
        items.insert(items.end(), response.follow_ups().begin(), response.follow_ups().end());
      });
  if (c.json()) {
    c.print_json_list("follow_ups", items);
    return kExitOk;
  }
  Table table(
      {"ID", "HAPPENED", "CHANNEL", "BY", "CONTENT", "FEEDBACK", "NEXT ACTION", "STAGE", "NOTE"});
  for (const auto& f : items) {
    std::string note;
    if (f.late()) note += "补录 ";
    if (f.revision() > 0) note += fmt::format("已更正{}次", f.revision());
    table.add_row({f.name(), c.time().format(f.happen_time()), channel_label(f.channel()),
                   f.follower_id(), f.content(), f.feedback(), f.next_action(),
                   stage_label(f.stage_after()), note});
  }
  c.print_table(table, "no follow-ups logged");
  note_more_pages(c, next);
  return kExitOk;
}

int show(Context& c, const Invocation& in) {
  v1::GetFollowUpRequest request;
  request.set_name(follow_up_name(in.args[0]));
  v1::FollowUp f;
  c.check(c.followups().GetFollowUp(c.call().get(), request, &f), "followup show");
  if (c.json()) {
    c.print_json(f);
  } else {
    print_follow_up(c, f);
  }
  return kExitOk;
}

int amend(Context& c, const Invocation& in) {
  v1::AmendFollowUpRequest request;
  auto* f = request.mutable_follow_up();
  f->set_name(follow_up_name(in.args[0]));
  request.set_reason(in.get("reason"));
  const auto field = [&](const char* flag, const char* path, auto setter) {
    if (!in.has(flag)) return;
    setter();
    request.add_fields(path);
  };
  field("scenario", "scenario", [&] { f->set_scenario(in.get("scenario")); });
  field("content", "content", [&] { f->set_content(in.get("content")); });
  field("feedback", "feedback", [&] { f->set_feedback(in.get("feedback")); });
  field("next-action", "next_action", [&] { f->set_next_action(in.get("next-action")); });
  field("channel", "channel", [&] { f->set_channel(channel_flag(in)); });
  field("at", "happen_time",
        [&] { *f->mutable_happen_time() = to_timestamp(time_flag(c, in, "at")); });
  if (request.fields().empty()) throw UsageError("nothing to amend: give at least one field flag");
  v1::FollowUp amended;
  c.check(c.followups().AmendFollowUp(c.call().get(), request, &amended), "followup amend");
  if (c.json()) {
    c.print_json(amended);
  } else {
    print_follow_up(c, amended);
  }
  return kExitOk;
}

int plan(Context& c, const Invocation& in) {
  v1::PlanNextFollowUpRequest request;
  request.set_customer(Context::customer_name(in.args[0]));
  if (in.has("clear") == in.has("at"))
    throw UsageError("give either --at TIME (with --action) or --clear");
  if (in.has("at")) {
    *request.mutable_plan()->mutable_plan_time() = to_timestamp(time_flag(c, in, "at"));
    request.mutable_plan()->set_action(in.get("action"));
  }
  v1::FollowUpPlan response;
  c.check(c.followups().PlanNextFollowUp(c.call().get(), request, &response), "followup plan");
  if (c.json()) {
    c.print_json(response);
  } else if (in.has("clear")) {
    c.out() << "plan cleared for " << request.customer() << "\n";
  } else {
    c.out() << "next follow-up of " << response.customer() << ": "
            << c.time().format(response.plan_time()) << " " << response.action() << "\n";
  }
  return kExitOk;
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string guess_content_type(const std::string& file) {
  const auto dot = file.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : file.substr(dot + 1);
  if (ext == "pdf") return "application/pdf";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "txt" || ext == "md") return "text/plain";
  if (ext == "docx")
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
  if (ext == "xlsx") return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  return "application/octet-stream";
}

int attach(Context& c, const Invocation& in) {
  const std::filesystem::path path = in.args[1];
  std::ifstream file(path, std::ios::binary);
  if (!file) throw UsageError("cannot read " + path.string());
  std::ostringstream content;
  content << file.rdbuf();
  const std::string bytes = content.str();
  auto context = c.call();
  v1::Attachment attachment;
  auto writer = c.followups().UploadAttachment(context.get(), &attachment);
  v1::UploadAttachmentRequest first;
  auto* meta = first.mutable_metadata();
  meta->set_follow_up(follow_up_name(in.args[0]));
  meta->set_file_name(in.get("name", path.filename().string()));
  meta->set_content_type(in.get("content-type", guess_content_type(path.string())));
  meta->set_size_bytes(static_cast<std::int64_t>(bytes.size()));
  meta->set_sha256(sha256_hex(bytes));
  bool sending = writer->Write(first);
  constexpr std::size_t kChunk = 256 * 1024;
  for (std::size_t at = 0; sending && at < bytes.size(); at += kChunk) {
    v1::UploadAttachmentRequest chunk;
    chunk.set_chunk(bytes.substr(at, kChunk));
    sending = writer->Write(chunk);
  }
  writer->WritesDone();
  c.check(writer->Finish(), "followup attach");
  if (c.json()) {
    c.print_json(attachment);
  } else {
    c.out() << "attached " << attachment.name() << " " << attachment.file_name() << " ("
            << attachment.size_bytes() << " bytes)\n";
  }
  return kExitOk;
}

int attachments(Context& c, const Invocation& in) {
  v1::ListAttachmentsRequest request;
  request.set_follow_up(follow_up_name(in.args[0]));
  v1::ListAttachmentsResponse response;
  c.check(c.followups().ListAttachments(c.call().get(), request, &response),
          "followup attachments");
  if (c.json()) {
    c.print_json(response);
    return kExitOk;
  }
  Table table({"ID", "FILE", "TYPE", "BYTES", "BY", "UPLOADED"});
  for (const auto& a : response.attachments())
    table.add_row({a.name(), a.file_name(), a.content_type(), std::to_string(a.size_bytes()),
                   a.uploader_id(), c.time().format(a.create_time())});
  c.print_table(table, "no attachments");
  return kExitOk;
}

int download(Context& c, const Invocation& in) {
  v1::DownloadAttachmentRequest request;
  request.set_name(in.args[0]);
  auto context = c.call();
  auto reader = c.followups().DownloadAttachment(context.get(), request);
  v1::DownloadAttachmentResponse part;
  v1::Attachment attachment;
  std::string bytes;
  while (reader->Read(&part)) {
    if (part.has_attachment()) {
      attachment = part.attachment();
    } else {
      bytes += part.chunk();
    }
  }
  c.check(reader->Finish(), "followup download");
  if (!attachment.sha256().empty() && sha256_hex(bytes) != attachment.sha256())
    throw CommandFailed(kExitFailure,
                        "followup download: the bytes received do not match their SHA-256");
  const std::string target = in.get("file", attachment.file_name());
  if (target == "-") {
    c.out() << bytes;
    return kExitOk;
  }
  std::ofstream out(target, std::ios::binary);
  out << bytes;
  if (!out) throw CommandFailed(kExitFailure, "cannot write " + target);
  if (!c.json())
    c.out() << "wrote " << target << " (" << bytes.size() << " bytes)\n";
  else
    c.print_json(attachment);
  return kExitOk;
}

}  // namespace

void add_followup_commands(CommandLine& commands) {
  commands.add({"followup log",
                "CUSTOMER",
                "log a contact (跟进记录), optionally moving the stage",
                "Example: salesctl followup log 3 --channel phone --scenario 电话沟通需求细节 \\\n"
                "  --content 介绍核心功能 --feedback 有兴趣，希望看案例 --next-action 发送案例 \\\n"
                "  --stage intention --reason 需求明确 --next-time '2024-03-05 10:00'\n"
                "Without --next-time the service plans from the stage's recommended interval.",
                {{"channel", "CHANNEL", "phone, meeting, email, wechat or other (required)"},
                 {"content", "TEXT", "objective notes (required)"},
                 {"scenario", "TEXT", "short scenario, e.g. 电话沟通需求细节"},
                 {"feedback", "TEXT", "the customer's feedback / intent"},
                 {"next-action", "TEXT", "the next action"},
                 {"at", "TIME", "when it happened (default now)"},
                 {"follower", "ID", "who followed up (default you)"},
                 {"stage", "STAGE", "the stage after this contact"},
                 {"reason", "TEXT", "why the stage changes"},
                 {"loss-reason", "CODE", "loss reason code (stage lost)"},
                 {"loss-note", "TEXT", "free text for a loss"},
                 {"next-time", "TIME", "planned next follow-up"},
                 {"plan-action", "TEXT", "action of the plan (default --next-action)"},
                 {"request-id", "ID", "idempotency key"}},
                1,
                1,
                log});
  auto list_flags = paging_flags();
  commands.add({"followup list", "CUSTOMER", "a customer's follow-up log, newest first", "",
                list_flags, 1, 1, list});
  commands.add(
      {"followup show", "FOLLOWUP", "one follow-up with its amendments", "", {}, 1, 1, show});
  commands.add({"followup amend",
                "FOLLOWUP",
                "correct a follow-up (the history is kept)",
                "",
                {{"reason", "TEXT", "why it is corrected (required)"},
                 {"scenario", "TEXT", "new scenario"},
                 {"content", "TEXT", "new content"},
                 {"feedback", "TEXT", "new feedback"},
                 {"next-action", "TEXT", "new next action"},
                 {"channel", "CHANNEL", "new channel"},
                 {"at", "TIME", "new time it happened"}},
                1,
                1,
                amend});
  commands.add(
      {"followup plan",
       "CUSTOMER",
       "set or clear the planned next follow-up",
       "",
       {{"at", "TIME", "when"}, {"action", "TEXT", "what to do"}, {"clear", "", "clear the plan"}},
       1,
       1,
       plan});
  commands.add({"followup attach",
                "FOLLOWUP FILE",
                "attach a file (proposal, minutes)",
                "",
                {{"name", "FILE_NAME", "name to store (default: the file's)"},
                 {"content-type", "TYPE", "MIME type (default: from the extension)"}},
                2,
                2,
                attach});
  commands.add({"followup attachments",
                "FOLLOWUP",
                "list a follow-up's attachments",
                "",
                {},
                1,
                1,
                attachments});
  commands.add({"followup download",
                "ATTACHMENT",
                "download an attachment (checks its SHA-256)",
                "ATTACHMENT is followUps/ID/attachments/ID.",
                {{"file", "PATH", "where to write (default: its file name; - for stdout)"}},
                1,
                1,
                download});
}

}  // namespace salesfollow::salesctl
