// customer add|list|show|update|delete|undelete|stage|history|transfer|reveal
#include <fmt/format.h>

#include <random>

#include "commands.h"
#include "exit_codes.h"

namespace salesfollow::salesctl {
namespace {

std::vector<FlagSpec> profile_flags() {
  return {{"display-name", "TEXT", "company's full name, or a person as 张*女士"},
          {"industry", "CODE", "industry code (salesctl dict list industry)"},
          {"source", "CODE", "source code (salesctl dict list source)"},
          {"contact-name", "TEXT", "contact person"},
          {"title", "TEXT", "contact's job title"},
          {"phone", "NUMBER", "contact phone (stored encrypted, shown masked)"},
          {"email", "ADDRESS", "contact email"},
          {"wechat", "ID", "contact WeChat id"},
          {"first-contact", "DATE", "first-contact date YYYY-MM-DD (add: default today)"},
          {"need-tags", "CODES", "need tag codes, comma-separated"},
          {"need", "TEXT", "need in words, e.g. 定制礼品（100件）"},
          {"size", "TEXT", "company size, e.g. 50-100"},
          {"notes", "TEXT", "free-text notes"}};
}

// Copies the profile flags given into `customer`; returns the update mask paths.
std::vector<std::string> apply_profile(const Invocation& in, v1::Customer& customer) {
  std::vector<std::string> paths;
  const auto set = [&](const char* flag, const char* path, auto setter) {
    if (!in.has(flag)) return;
    setter(in.get(flag));
    paths.emplace_back(path);
  };
  auto* contact = customer.mutable_contact();
  set("display-name", "display_name", [&](const std::string& v) { customer.set_display_name(v); });
  set("industry", "industry", [&](const std::string& v) { customer.set_industry(v); });
  set("source", "source", [&](const std::string& v) { customer.set_source(v); });
  set("contact-name", "contact.name", [&](const std::string& v) { contact->set_name(v); });
  set("title", "contact.title", [&](const std::string& v) { contact->set_title(v); });
  set("phone", "contact.phone", [&](const std::string& v) { contact->set_phone(v); });
  set("email", "contact.email", [&](const std::string& v) { contact->set_email(v); });
  set("wechat", "contact.wechat_id", [&](const std::string& v) { contact->set_wechat_id(v); });
  set("first-contact", "first_contact_date",
      [&](const std::string& v) { customer.set_first_contact_date(v); });
  set("need-tags", "need_tags", [&](const std::string& v) {
    customer.clear_need_tags();
    for (const auto& tag : split_list(v)) customer.add_need_tags(tag);
  });
  set("need", "need_description", [&](const std::string& v) { customer.set_need_description(v); });
  set("size", "company_size", [&](const std::string& v) { customer.set_company_size(v); });
  set("notes", "notes", [&](const std::string& v) { customer.set_notes(v); });
  return paths;
}

v1::Customer get_customer(Context& c, const std::string& name) {
  v1::GetCustomerRequest request;
  request.set_name(Context::customer_name(name));
  v1::Customer customer;
  c.check(c.customers().GetCustomer(c.call().get(), request, &customer), "customer show");
  return customer;
}

void print_one(Context& c, const v1::Customer& customer) {
  if (c.json()) {
    c.print_json(customer);
  } else {
    print_customer(c, customer);
  }
}

int add(Context& c, const Invocation& in) {
  v1::CreateCustomerRequest request;
  auto* customer = request.mutable_customer();
  apply_profile(in, *customer);
  if (!in.has("first-contact"))
    customer->set_first_contact_date(c.time().date(SystemClock().now()));
  if (in.has("owner")) customer->set_owner_id(in.get("owner"));
  if (in.has("stage")) {
    const auto stage = parse_stage(in.get("stage"));
    if (!stage)
      throw UsageError("--stage must be potential, intention, high_intention, won or lost");
    request.set_initial_stage(*stage);
  }
  request.set_allow_duplicate(in.has("allow-duplicate"));
  request.set_request_id(request_id(in));
  v1::Customer created;
  c.check(c.customers().CreateCustomer(c.call().get(), request, &created), "customer add");
  print_one(c, created);
  return kExitOk;
}

std::string quoted(const std::string& value) {
  std::string out = "\"";
  for (const char ch : value) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

int list(Context& c, const Invocation& in) {
  std::vector<std::string> terms;
  if (in.has("filter")) terms.push_back(in.get("filter"));
  if (in.has("stage")) {
    const auto stage = parse_stage(in.get("stage"));
    if (!stage)
      throw UsageError("--stage must be potential, intention, high_intention, won or lost");
    std::string name = stage_code(*stage);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    terms.push_back("stage = " + name);
  }
  if (in.has("owner")) terms.push_back("owner_id = " + quoted(in.get("owner")));
  if (in.has("industry")) terms.push_back("industry = " + quoted(in.get("industry")));
  if (in.has("source")) terms.push_back("source = " + quoted(in.get("source")));
  if (in.has("need-tag")) terms.push_back("need_tag = " + quoted(in.get("need-tag")));
  if (in.has("search")) terms.push_back("display_name : " + quoted(in.get("search")));
  v1::ListCustomersRequest request;
  std::string filter;
  for (const auto& t : terms) filter += (filter.empty() ? "" : " AND ") + t;
  request.set_filter(filter);
  request.set_order_by(in.get("order-by"));
  request.set_show_deleted(in.has("show-deleted"));
  request.set_page_size(integer_flag(in, "page-size", 50, 1, 500));
  std::vector<v1::Customer> customers;
  const std::string next = read_pages<v1::ListCustomersResponse>(
      in, request,
      [&](const auto& page_request, auto& response) {
        c.check(c.customers().ListCustomers(c.call().get(), page_request, &response),
                "customer list");
      },
      [&](const auto& response) {
        customers.insert(customers.end(), response.customers().begin(), response.customers().end());
      });
  if (c.json()) {
    c.out() << "{\"customers\": [";
    for (std::size_t i = 0; i < customers.size(); ++i)
      c.out() << (i == 0 ? "\n" : ",\n") << message_json(customers[i]);
    c.out() << (customers.empty() ? "" : "\n") << "], \"next_page_token\": \"" << next << "\"}\n";
    return kExitOk;
  }
  Table table(
      {"ID", "CUSTOMER", "STAGE", "OWNER", "INDUSTRY", "SOURCE", "FIRST CONTACT", "CONTACT"});
  for (const auto& customer : customers) {
    table.add_row({customer.name(),
                   customer.display_name() + (customer.deleted() ? "（已删除）" : ""),
                   stage_label(customer.stage()), customer.owner_id(), customer.industry(),
                   customer.source(), customer.first_contact_date(),
                   customer.contact().name() + " " + customer.contact().phone()});
  }
  c.print_table(table, "no customers match");
  note_more_pages(c, next);
  return kExitOk;
}

int show(Context& c, const Invocation& in) {
  print_one(c, get_customer(c, in.args[0]));
  return kExitOk;
}

int update(Context& c, const Invocation& in) {
  v1::UpdateCustomerRequest request;
  auto* customer = request.mutable_customer();
  customer->set_name(Context::customer_name(in.args[0]));
  customer->set_etag(in.get("etag"));
  const auto paths = apply_profile(in, *customer);
  if (paths.empty())
    throw UsageError("nothing to update: give at least one field flag (see --help)");
  for (const auto& p : paths) request.mutable_update_mask()->add_paths(p);
  v1::Customer updated;
  c.check(c.customers().UpdateCustomer(c.call().get(), request, &updated), "customer update");
  print_one(c, updated);
  return kExitOk;
}

int remove(Context& c, const Invocation& in) {
  v1::DeleteCustomerRequest request;
  request.set_name(Context::customer_name(in.args[0]));
  request.set_etag(in.get("etag"));
  v1::Customer deleted;
  c.check(c.customers().DeleteCustomer(c.call().get(), request, &deleted), "customer delete");
  if (c.json()) {
    c.print_json(deleted);
  } else {
    c.out() << "deleted " << deleted.name() << " " << deleted.display_name()
            << " (salesctl customer undelete " << deleted.name() << " brings it back)\n";
  }
  return kExitOk;
}

int undelete(Context& c, const Invocation& in) {
  v1::UndeleteCustomerRequest request;
  request.set_name(Context::customer_name(in.args[0]));
  v1::Customer restored;
  c.check(c.customers().UndeleteCustomer(c.call().get(), request, &restored), "customer undelete");
  print_one(c, restored);
  return kExitOk;
}

int stage(Context& c, const Invocation& in) {
  const auto target = parse_stage(in.args[1]);
  if (!target) throw UsageError("STAGE must be potential, intention, high_intention, won or lost");
  v1::ChangeCustomerStageRequest request;
  request.set_name(Context::customer_name(in.args[0]));
  request.set_stage(*target);
  request.set_reason(in.get("reason"));
  request.set_loss_reason(in.get("loss-reason"));
  request.set_loss_note(in.get("loss-note"));
  request.set_etag(in.get("etag"));
  request.set_request_id(request_id(in));
  v1::ChangeCustomerStageResponse response;
  c.check(c.customers().ChangeCustomerStage(c.call().get(), request, &response), "customer stage");
  if (c.json()) {
    c.print_json(response);
  } else {
    c.out() << response.customer().name() << " " << response.customer().display_name() << ": "
            << stage_label(response.event().from_stage()) << " → "
            << stage_label(response.event().to_stage()) << "（" << response.event().reason()
            << "）\n";
  }
  return kExitOk;
}

int history(Context& c, const Invocation& in) {
  v1::ListStageEventsRequest request;
  request.set_parent(Context::customer_name(in.args[0]));
  request.set_page_size(500);
  std::vector<v1::StageEvent> events;
  while (true) {
    v1::ListStageEventsResponse response;
    c.check(c.customers().ListStageEvents(c.call().get(), request, &response), "customer history");
    events.insert(events.end(), response.stage_events().begin(), response.stage_events().end());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  if (c.json()) {
    c.print_json_list("stage_events", events);
    return kExitOk;
  }
  Table table({"TIME", "FROM", "TO", "REASON", "LOSS REASON", "BY", "OWNER"});
  for (const auto& e : events) {
    table.add_row(
        {c.time().format(e.event_time()),
         e.from_stage() == v1::STAGE_UNSPECIFIED ? "（建档）" : stage_label(e.from_stage()),
         stage_label(e.to_stage()), e.reason(),
         e.loss_reason() + (e.loss_note().empty() ? "" : " " + e.loss_note()), e.actor_id(),
         e.owner_id()});
  }
  c.print_table(table, "no stage events");
  return kExitOk;
}

int transfer(Context& c, const Invocation& in) {
  v1::TransferCustomerRequest request;
  request.set_name(Context::customer_name(in.args[0]));
  request.set_new_owner_id(in.get("to"));
  request.set_new_team_id(in.get("team"));
  request.set_reason(in.get("reason"));
  request.set_etag(in.get("etag"));
  request.set_request_id(request_id(in));
  if (request.new_owner_id().empty()) throw UsageError("--to OWNER is required");
  v1::Customer moved;
  c.check(c.customers().TransferCustomer(c.call().get(), request, &moved), "customer transfer");
  if (c.json()) {
    c.print_json(moved);
  } else {
    c.out() << moved.name() << " " << moved.display_name() << " now belongs to " << moved.owner_id()
            << " (team " << moved.team_id() << ")\n";
  }
  return kExitOk;
}

int reveal(Context& c, const Invocation& in) {
  v1::RevealContactRequest request;
  request.set_name(Context::customer_name(in.args[0]));
  request.set_purpose(in.get("purpose"));
  v1::RevealContactResponse response;
  c.check(c.customers().RevealContact(c.call().get(), request, &response), "customer reveal");
  if (c.json()) {
    c.print_json(response);
  } else {
    const auto& contact = response.contact();
    c.print_fields({{"name", contact.name()},
                    {"title", contact.title()},
                    {"phone", contact.phone()},
                    {"email", contact.email()},
                    {"wechat", contact.wechat_id()}});
  }
  return kExitOk;
}

}  // namespace

void print_customer(Context& c, const v1::Customer& customer) {
  std::string tags;
  for (const auto& t : customer.need_tags()) tags += (tags.empty() ? "" : ", ") + t;
  c.print_fields(
      {{"id", customer.name()},
       {"customer", customer.display_name()},
       {"stage", stage_label(customer.stage()) + " (" + stage_code(customer.stage()) + ") since " +
                     c.time().format(customer.stage_time())},
       {"owner", customer.owner_id() + " (team " + customer.team_id() + ")"},
       {"industry", customer.industry()},
       {"source", customer.source()},
       {"contact", customer.contact().name() + " " + customer.contact().title()},
       {"phone", customer.contact().phone()},
       {"email", customer.contact().email()},
       {"wechat", customer.contact().wechat_id()},
       {"first contact", customer.first_contact_date()},
       {"need tags", tags},
       {"need", customer.need_description()},
       {"size", customer.company_size()},
       {"notes", customer.notes()},
       {"created", c.time().format(customer.create_time()) + " by " + customer.creator_id()},
       {"deleted", customer.deleted() ? c.time().format(customer.delete_time()) : "no"},
       {"etag", customer.etag()}});
}

void add_customer_commands(CommandLine& commands) {
  auto add_flags = profile_flags();
  add_flags.push_back({"owner", "ID", "owner (default: you; managers may name a rep)"});
  add_flags.push_back({"stage", "STAGE", "initial stage (default potential)"});
  add_flags.push_back({"allow-duplicate", "", "create even when name, phone or email match"});
  add_flags.push_back({"request-id", "ID", "idempotency key (default: random)"});
  commands.add(
      {"customer add", "", "register a customer (建档)",
       "Required: --display-name, --industry, --source, --contact-name, one of\n"
       "--phone/--email/--wechat, --need-tags.\n"
       "Example: salesctl customer add --display-name 示例科技有限公司 --industry internet \\\n"
       "  --source website --contact-name 王五 --title CTO --phone 13800001111 \\\n"
       "  --need-tags crm_system",
       add_flags, 0, 0, add});
  auto list_flags = paging_flags();
  for (FlagSpec f : std::vector<FlagSpec>{
           {"stage", "STAGE", "only this stage"},
           {"owner", "ID", "only this owner"},
           {"industry", "CODE", "only this industry"},
           {"source", "CODE", "only this source"},
           {"need-tag", "CODE", "only customers with this need tag"},
           {"search", "TEXT", "name contains TEXT"},
           {"filter", "EXPR", "raw filter, e.g. 'first_contact_date >= \"2024-02-01\"'"},
           {"order-by", "ORDER", "create_time desc (default), display_name, first_contact_date"},
           {"show-deleted", "", "include deleted customers"}})
    list_flags.push_back(std::move(f));
  commands.add({"customer list", "", "list customers in your scope", "", list_flags, 0, 0, list});
  commands.add({"customer show",
                "CUSTOMER",
                "show one customer (contact masked)",
                "CUSTOMER is customers/ID or just ID.",
                {},
                1,
                1,
                show});
  auto update_flags = profile_flags();
  update_flags.push_back({"etag", "ETAG", "only if the customer is unchanged since you read it"});
  commands.add({"customer update", "CUSTOMER", "change profile fields (only the flags given)", "",
                update_flags, 1, 1, update});
  commands.add({"customer delete",
                "CUSTOMER",
                "soft-delete a mistaken or duplicate entry",
                "",
                {{"etag", "ETAG", "only if unchanged"}},
                1,
                1,
                remove});
  commands.add(
      {"customer undelete", "CUSTOMER", "bring back a deleted customer", "", {}, 1, 1, undelete});
  commands.add({"customer stage",
                "CUSTOMER STAGE",
                "move a customer to another stage",
                "STAGE: potential, intention, high_intention, won, lost (or 潜在客户 ...).\n"
                "A move to lost needs --loss-reason (salesctl dict list loss_reason).",
                {{"reason", "TEXT", "why (required)"},
                 {"loss-reason", "CODE", "loss reason code (required for lost)"},
                 {"loss-note", "TEXT", "free text for a loss"},
                 {"etag", "ETAG", "only if unchanged"},
                 {"request-id", "ID", "idempotency key"}},
                2,
                2,
                stage});
  commands.add(
      {"customer history", "CUSTOMER", "the stage history, oldest first", "", {}, 1, 1, history});
  commands.add({"customer transfer",
                "CUSTOMER",
                "hand a customer to another owner (managers)",
                "",
                {{"to", "ID", "new owner (required)"},
                 {"team", "TEAM", "new owner's team (default: yours)"},
                 {"reason", "TEXT", "why"},
                 {"etag", "ETAG", "only if unchanged"},
                 {"request-id", "ID", "idempotency key"}},
                1,
                1,
                transfer});
  commands.add({"customer reveal",
                "CUSTOMER",
                "show the contact in clear (audited)",
                "",
                {{"purpose", "TEXT", "why you need it (required; recorded)"}},
                1,
                1,
                reveal});
}

}  // namespace salesfollow::salesctl
