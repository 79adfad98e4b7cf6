// dict list|add|retire, talktrack search|add
#include <fmt/format.h>

#include "commands.h"
#include "exit_codes.h"

namespace salesfollow::salesctl {
namespace {

v1::DictionaryKind kind_arg(const std::string& text) {
  const auto kind = parse_kind(text);
  if (!kind) throw UsageError("KIND must be industry, source, need_tag or loss_reason");
  return *kind;
}

int dict_list(Context& c, const Invocation& in) {
  v1::ListDictionaryEntriesRequest request;
  request.set_kind(kind_arg(in.args[0]));
  request.set_include_retired(in.has("include-retired"));
  v1::ListDictionaryEntriesResponse response;
  c.check(c.dictionaries().ListDictionaryEntries(c.call().get(), request, &response), "dict list");
  if (c.json()) {
    c.print_json(response);
    return kExitOk;
  }
  Table table({"CODE", "LABEL", "DESCRIPTION", "ORDER", "STATE"});
  for (const auto& e : response.entries())
    table.add_row({e.code(), e.label(), e.description(), std::to_string(e.sort_order()),
                   e.retired() ? "retired" : "live"});
  c.print_table(table, "no entries");
  return kExitOk;
}

int dict_add(Context& c, const Invocation& in) {
  v1::CreateDictionaryEntryRequest request;
  auto* e = request.mutable_entry();
  e->set_kind(kind_arg(in.args[0]));
  e->set_code(in.args[1]);
  e->set_label(in.args[2]);
  e->set_description(in.get("description"));
  e->set_sort_order(integer_flag(in, "sort-order", 0, 0, 1000000));
  v1::DictionaryEntry created;
  c.check(c.dictionaries().CreateDictionaryEntry(c.call().get(), request, &created), "dict add");
  if (c.json()) {
    c.print_json(created);
  } else {
    c.out() << "added " << kind_code(created.kind()) << " " << created.code() << " "
            << created.label() << "\n";
  }
  return kExitOk;
}

int dict_retire(Context& c, const Invocation& in) {
  v1::RetireDictionaryEntryRequest request;
  request.set_kind(kind_arg(in.args[0]));
  request.set_code(in.args[1]);
  v1::DictionaryEntry retired;
  c.check(c.dictionaries().RetireDictionaryEntry(c.call().get(), request, &retired), "dict retire");
  if (c.json()) {
    c.print_json(retired);
  } else {
    c.out() << "retired " << kind_code(retired.kind()) << " " << retired.code()
            << " (existing customers keep it; it can no longer be chosen)\n";
  }
  return kExitOk;
}

int talktrack_search(Context& c, const Invocation& in) {
  v1::SearchTalkTracksRequest request;
  request.set_tag(in.get("tag"));
  request.set_text(in.args.empty() ? in.get("text") : in.args[0]);
  request.set_include_retired(in.has("include-retired"));
  request.set_page_size(integer_flag(in, "page-size", 50, 1, 200));
  std::vector<v1::TalkTrack> items;
  const std::string next = read_pages<v1::SearchTalkTracksResponse>(
      in, request,
      [&](const auto& page_request, auto& response) {
        c.check(c.dictionaries().SearchTalkTracks(c.call().get(), page_request, &response),
                "talktrack search");
      },
      [&](const auto& response) {
        items.insert(items.end(), response.talk_tracks().begin(), response.talk_tracks().end());
      });
  if (c.json()) {
    c.print_json_list("talk_tracks", items);
    return kExitOk;
  }
  Table table({"ID", "QUESTION", "ANSWER", "TAGS", "BY"});
  for (const auto& t : items) {
    std::string tags;
    for (const auto& tag : t.tags()) tags += (tags.empty() ? "" : ",") + tag;
    table.add_row({t.name(), t.question(), t.answer(), tags, t.author_id()});
  }
  c.print_table(table, "no talk tracks match");
  note_more_pages(c, next);
  return kExitOk;
}

int talktrack_add(Context& c, const Invocation& in) {
  v1::CreateTalkTrackRequest request;
  auto* t = request.mutable_talk_track();
  t->set_question(in.get("question"));
  t->set_answer(in.get("answer"));
  for (const auto& tag : split_list(in.get("tags"))) t->add_tags(tag);
  v1::TalkTrack created;
  c.check(c.dictionaries().CreateTalkTrack(c.call().get(), request, &created), "talktrack add");
  if (c.json()) {
    c.print_json(created);
  } else {
    c.out() << "added " << created.name() << ": " << created.question() << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_dictionary_commands(CommandLine& commands) {
  commands.add({"dict list",
                "KIND",
                "list a dictionary: industry, source, need_tag, loss_reason",
                "",
                {{"include-retired", "", "also retired entries"}},
                1,
                1,
                dict_list});
  commands.add(
      {"dict add",
       "KIND CODE LABEL",
       "add an entry (managers)",
       "Example: salesctl dict add need_tag crm_system 'CRM 系统'",
       {{"description", "TEXT", "what the entry means"}, {"sort-order", "N", "position in lists"}},
       3,
       3,
       dict_add});
  commands.add(
      {"dict retire", "KIND CODE", "retire an entry (managers)", "", {}, 2, 2, dict_retire});
  auto search_flags = paging_flags();
  search_flags.push_back({"tag", "TAG", "only tracks with this tag"});
  search_flags.push_back({"text", "TEXT", "question or answer contains TEXT"});
  search_flags.push_back({"include-retired", "", "also retired tracks"});
  commands.add({"talktrack search", "[TEXT]", "search the talk-track library (话术库)", "",
                search_flags, 0, 1, talktrack_search});
  commands.add({"talktrack add",
                "",
                "add a proven answer (managers)",
                "",
                {{"question", "TEXT", "the customer's question (required)"},
                 {"answer", "TEXT", "the answer (required)"},
                 {"tags", "TAGS", "comma-separated tags"}},
                0,
                0,
                talktrack_add});
}

}  // namespace salesfollow::salesctl
