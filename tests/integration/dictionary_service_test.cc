// DictionaryService: everyone reads, managers and admins write; retired codes
// stay readable but cannot be chosen for new customers; the talk-track
// library is searchable by tag and text.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "customer_fixture.h"

namespace salesfollow {
namespace {

using ::testing::Contains;
using testing::CustomerServiceTest;
using ::testing::HasSubstr;
using testing::kAdmin;
using testing::kManager1;
using testing::kManager2;
using testing::kRepA;
using testing::next_unique;
using ::testing::Not;
using testing::Reply;
using testing::token_for;
using testing::unary_call;
using ::testing::UnorderedElementsAre;
using testing::valid_customer;
using Stub = v1::DictionaryService::Stub;

class DictionaryTest : public CustomerServiceTest {
 protected:
  Stub& stub() { return api().dictionaries(); }

  Reply<v1::ListDictionaryEntriesResponse> list(const std::string& token, v1::DictionaryKind kind,
                                                bool include_retired = false) {
    v1::ListDictionaryEntriesRequest request;
    request.set_kind(kind);
    request.set_include_retired(include_retired);
    return unary_call(stub(), &Stub::ListDictionaryEntries, token, request);
  }
  std::vector<std::string> codes(const std::string& token, v1::DictionaryKind kind,
                                 bool include_retired = false) {
    const auto reply = list(token, kind, include_retired);
    EXPECT_TRUE(reply.ok()) << reply;
    std::vector<std::string> result;
    for (const auto& entry : reply.value.entries()) result.push_back(entry.code());
    return result;
  }
  Reply<v1::DictionaryEntry> create(const std::string& token, v1::DictionaryKind kind,
                                    const std::string& code, const std::string& label,
                                    int sort_order = 500) {
    v1::CreateDictionaryEntryRequest request;
    request.mutable_entry()->set_kind(kind);
    request.mutable_entry()->set_code(code);
    request.mutable_entry()->set_label(label);
    request.mutable_entry()->set_description("test entry");
    request.mutable_entry()->set_sort_order(sort_order);
    return unary_call(stub(), &Stub::CreateDictionaryEntry, token, request);
  }
  Reply<v1::DictionaryEntry> retire(const std::string& token, v1::DictionaryKind kind,
                                    const std::string& code) {
    v1::RetireDictionaryEntryRequest request;
    request.set_kind(kind);
    request.set_code(code);
    return unary_call(stub(), &Stub::RetireDictionaryEntry, token, request);
  }
  Reply<v1::TalkTrack> create_track(const std::string& token, const std::string& question,
                                    const std::string& answer, std::vector<std::string> tags) {
    v1::CreateTalkTrackRequest request;
    request.mutable_talk_track()->set_question(question);
    request.mutable_talk_track()->set_answer(answer);
    for (const auto& tag : tags) request.mutable_talk_track()->add_tags(tag);
    return unary_call(stub(), &Stub::CreateTalkTrack, token, request);
  }
  std::set<std::string> search(const std::string& token, const std::string& tag,
                               const std::string& text, bool include_retired = false) {
    std::set<std::string> names;
    v1::SearchTalkTracksRequest request;
    request.set_tag(tag);
    request.set_text(text);
    request.set_include_retired(include_retired);
    request.set_page_size(2);
    for (int page = 0; page < 100; ++page) {
      const auto reply = unary_call(stub(), &Stub::SearchTalkTracks, token, request);
      EXPECT_TRUE(reply.ok()) << reply;
      for (const auto& track : reply.value.talk_tracks()) {
        EXPECT_TRUE(names.insert(track.name()).second) << track.name() << " returned twice";
      }
      if (reply.value.next_page_token().empty()) break;
      request.set_page_token(reply.value.next_page_token());
    }
    return names;
  }
};

TEST_F(DictionaryTest, RepsReadTheSeededEntriesInSortOrder) {
  EXPECT_THAT(codes(token_for(kRepA), v1::INDUSTRY),
              ::testing::IsSupersetOf({"manufacturing", "retail", "education", "internet",
                                       "finance", "healthcare", "other"}));
  const auto industries = list(token_for(kRepA), v1::INDUSTRY);
  ASSERT_TRUE(industries.ok()) << industries;
  ASSERT_GE(industries.value.entries_size(), 7);
  EXPECT_EQ(industries.value.entries(0).code(), "manufacturing");
  EXPECT_EQ(industries.value.entries(0).label(), "制造业");
  EXPECT_EQ(industries.value.entries(0).kind(), v1::INDUSTRY);
  for (int i = 1; i < industries.value.entries_size(); ++i) {
    EXPECT_LE(industries.value.entries(i - 1).sort_order(),
              industries.value.entries(i).sort_order());
  }
  EXPECT_THAT(codes(token_for(kRepA), v1::SOURCE),
              ::testing::IsSupersetOf(
                  {"trade_show", "referral", "website", "cold_call", "social_media", "other"}));
  EXPECT_THAT(codes(token_for(kRepA), v1::NEED_TAG),
              ::testing::IsSupersetOf({"erp_system", "data_analysis_tool", "custom_gifts",
                                       "crm_system", "consulting"}));
  EXPECT_THAT(codes(token_for(kRepA), v1::LOSS_REASON),
              ::testing::IsSupersetOf({"price_too_high", "need_mismatch", "chose_competitor",
                                       "no_response", "budget_cut", "other"}));
  EXPECT_EQ(list("", v1::INDUSTRY).code(), "UNAUTHENTICATED");
}

TEST_F(DictionaryTest, ManagersAndAdminsWriteRepsCannot) {
  const std::string code = fmt::format("aerospace_{}", next_unique());
  const auto by_rep = create(token_for(kRepA), v1::INDUSTRY, code, "航空航天");
  EXPECT_EQ(by_rep.code(), "PERMISSION_DENIED") << by_rep;
  EXPECT_THAT(codes(token_for(kAdmin), v1::INDUSTRY, true), Not(Contains(code)));
  EXPECT_EQ(create("", v1::INDUSTRY, code, "航空航天").code(), "UNAUTHENTICATED");

  const auto by_manager = create(token_for(kManager1), v1::INDUSTRY, code, "航空航天", 45);
  ASSERT_TRUE(by_manager.ok()) << by_manager;
  EXPECT_EQ(by_manager.value.code(), code);
  EXPECT_EQ(by_manager.value.label(), "航空航天");
  EXPECT_EQ(by_manager.value.sort_order(), 45);
  EXPECT_FALSE(by_manager.value.retired());
  EXPECT_THAT(codes(token_for(kRepA), v1::INDUSTRY), Contains(code));
  const auto again = create(token_for(kManager2), v1::INDUSTRY, code, "重复");
  EXPECT_EQ(again.code(), "ALREADY_EXISTS") << again;
  // The same code in another kind is another entry.
  EXPECT_TRUE(create(token_for(kAdmin), v1::NEED_TAG, code, "航空零件").ok());

  for (const std::string& bad :
       std::vector<std::string>{"Bad-Code", "", "has space", std::string(65, 'a'), "中文"}) {
    const auto refused = create(token_for(kAdmin), v1::INDUSTRY, bad, "x");
    EXPECT_EQ(refused.code(), "INVALID_ARGUMENT") << "'" << bad << "': " << refused;
  }

  v1::UpdateDictionaryEntryRequest update;
  update.mutable_entry()->set_kind(v1::INDUSTRY);
  update.mutable_entry()->set_code(code);
  update.mutable_entry()->set_label("航空航天与国防");
  update.mutable_entry()->set_description("updated");
  update.mutable_entry()->set_sort_order(46);
  const auto rep_update =
      unary_call(stub(), &Stub::UpdateDictionaryEntry, token_for(kRepA), update);
  EXPECT_EQ(rep_update.code(), "PERMISSION_DENIED") << rep_update;
  const auto updated =
      unary_call(stub(), &Stub::UpdateDictionaryEntry, token_for(kManager1), update);
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_EQ(updated.value.label(), "航空航天与国防");
  EXPECT_EQ(updated.value.sort_order(), 46);
  update.mutable_entry()->set_code("no_such_code_anywhere");
  EXPECT_EQ(unary_call(stub(), &Stub::UpdateDictionaryEntry, token_for(kManager1), update).code(),
            "NOT_FOUND");
  EXPECT_EQ(retire(token_for(kRepA), v1::INDUSTRY, code).code(), "PERMISSION_DENIED");
  EXPECT_EQ(retire(token_for(kAdmin), v1::INDUSTRY, "no_such_code_anywhere").code(), "NOT_FOUND");
}

TEST_F(DictionaryTest, RetiredCodesStayReadableButCannotBeChosenAnew) {
  const int n = next_unique();
  const std::string industry = fmt::format("shipping_{}", n);
  const std::string tag = fmt::format("fleet_tracking_{}", n);
  const std::string loss = fmt::format("merged_away_{}", n);
  ASSERT_TRUE(create(token_for(kManager1), v1::INDUSTRY, industry, "航运").ok());
  ASSERT_TRUE(create(token_for(kManager1), v1::NEED_TAG, tag, "车队管理").ok());
  ASSERT_TRUE(create(token_for(kManager1), v1::LOSS_REASON, loss, "被并购").ok());

  auto customer = valid_customer();
  customer.set_industry(industry);
  customer.clear_need_tags();
  customer.add_need_tags(tag);
  const auto old_customer = create_ok(kRepA, customer);
  ASSERT_FALSE(HasFailure()) << "a new live code is usable at once";
  const auto another = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());

  const auto retired = retire(token_for(kManager1), v1::INDUSTRY, industry);
  ASSERT_TRUE(retired.ok()) << retired;
  EXPECT_TRUE(retired.value.retired());
  ASSERT_TRUE(retire(token_for(kAdmin), v1::NEED_TAG, tag).ok());
  ASSERT_TRUE(retire(token_for(kAdmin), v1::LOSS_REASON, loss).ok());

  EXPECT_THAT(codes(token_for(kRepA), v1::INDUSTRY), Not(Contains(industry)));
  EXPECT_THAT(codes(token_for(kRepA), v1::INDUSTRY, true), Contains(industry));
  const auto all = list(token_for(kRepA), v1::INDUSTRY, true);
  for (const auto& entry : all.value.entries()) {
    if (entry.code() == industry) {
      EXPECT_TRUE(entry.retired());
    }
  }

  auto fresh = valid_customer();
  fresh.set_industry(industry);
  const auto refused = api().create(token_for(kRepA), fresh);
  EXPECT_EQ(refused.code(), "INVALID_ARGUMENT") << refused;
  EXPECT_EQ(refused.field(), "customer.industry") << refused;
  auto tagged = valid_customer();
  tagged.add_need_tags(tag);
  const auto refused_tag = api().create(token_for(kRepA), tagged);
  EXPECT_EQ(refused_tag.code(), "INVALID_ARGUMENT") << refused_tag;
  EXPECT_THAT(refused_tag.field(), ::testing::StartsWith("customer.need_tags")) << refused_tag;

  // The old customer keeps its codes and can still be edited.
  const auto got = api().get(token_for(kRepA), old_customer.name());
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(got.value.industry(), industry);
  EXPECT_THAT(got.value.need_tags(), UnorderedElementsAre(tag));
  v1::Customer notes;
  notes.set_name(old_customer.name());
  notes.set_notes("行业已停用，但客户照常维护");
  const auto edited = api().update(token_for(kRepA), notes, {"notes"});
  EXPECT_TRUE(edited.ok()) << "editing other fields of a customer with a retired code: " << edited;
  // ... but nobody else can move to the retired codes.
  v1::Customer move;
  move.set_name(another.name());
  move.set_industry(industry);
  const auto moved = api().update(token_for(kRepA), move, {"industry"});
  EXPECT_EQ(moved.code(), "INVALID_ARGUMENT") << moved;
  EXPECT_EQ(moved.field(), "customer.industry") << moved;
  const auto lost =
      api().change_stage(token_for(kRepA), another.name(), v1::STAGE_LOST, "被收购了", loss);
  EXPECT_EQ(lost.code(), "INVALID_ARGUMENT") << lost;
  EXPECT_THAT(lost.field(), HasSubstr("loss_reason")) << lost;
}

TEST_F(DictionaryTest, TalkTracksAreWrittenByManagersAndSearchedByEveryone) {
  const int n = next_unique();
  const std::string tag = fmt::format("price_{}", n);
  const std::string other_tag = fmt::format("erp_{}", n);
  const std::string marker = fmt::format("暗号{}", n);
  const auto by_rep = create_track(token_for(kRepA), "太贵了怎么办？", "强调价值", {tag});
  EXPECT_EQ(by_rep.code(), "PERMISSION_DENIED") << by_rep;
  EXPECT_EQ(create_track("", "q", "a", {tag}).code(), "UNAUTHENTICATED");

  const auto price = create_track(token_for(kManager1), "客户说价格太贵怎么办？" + marker,
                                  "先确认预算，再强调性价比：三年总成本更低。", {tag});
  ASSERT_TRUE(price.ok()) << price;
  EXPECT_THAT(price.value.name(), ::testing::MatchesRegex("talkTracks/[0-9]+"));
  EXPECT_EQ(price.value.author_id(), "mgr_1");
  EXPECT_FALSE(price.value.retired());
  const auto erp =
      create_track(token_for(kAdmin), "ERP实施周期多长？",
                   "标准实施六到八周，" + marker + "，可分阶段上线。", {tag, other_tag});
  ASSERT_TRUE(erp.ok()) << erp;
  const auto third =
      create_track(token_for(kAdmin), "能开发票吗？", "可以开具增值税专用发票。", {other_tag});
  ASSERT_TRUE(third.ok()) << third;

  const auto rep = token_for(kRepA);
  EXPECT_EQ(search(rep, tag, ""), (std::set<std::string>{price.value.name(), erp.value.name()}));
  EXPECT_EQ(search(rep, other_tag, ""),
            (std::set<std::string>{erp.value.name(), third.value.name()}));
  EXPECT_EQ(search(rep, "", marker), (std::set<std::string>{price.value.name(), erp.value.name()}))
      << "text matches the question or the answer";
  EXPECT_EQ(search(rep, other_tag, "增值税"), std::set<std::string>{third.value.name()});
  EXPECT_EQ(search(rep, tag, "%"), std::set<std::string>{}) << "% is not a wildcard";

  v1::UpdateTalkTrackRequest update;
  *update.mutable_talk_track() = price.value;
  update.mutable_talk_track()->set_answer("更新后的回答：" + marker);
  update.mutable_talk_track()->clear_tags();
  update.mutable_talk_track()->add_tags(other_tag);
  EXPECT_EQ(unary_call(stub(), &Stub::UpdateTalkTrack, rep, update).code(), "PERMISSION_DENIED");
  const auto updated = unary_call(stub(), &Stub::UpdateTalkTrack, token_for(kManager2), update);
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_THAT(updated.value.tags(), UnorderedElementsAre(other_tag));
  EXPECT_EQ(search(rep, tag, ""), std::set<std::string>{erp.value.name()}) << "tags were replaced";

  v1::RetireTalkTrackRequest retire_request;
  retire_request.set_name(erp.value.name());
  EXPECT_EQ(unary_call(stub(), &Stub::RetireTalkTrack, rep, retire_request).code(),
            "PERMISSION_DENIED");
  const auto retired =
      unary_call(stub(), &Stub::RetireTalkTrack, token_for(kManager1), retire_request);
  ASSERT_TRUE(retired.ok()) << retired;
  EXPECT_TRUE(retired.value.retired());
  EXPECT_EQ(search(rep, "", marker), std::set<std::string>{price.value.name()});
  EXPECT_EQ(search(rep, "", marker, true),
            (std::set<std::string>{price.value.name(), erp.value.name()}));
  retire_request.set_name("talkTracks/987654321");
  EXPECT_EQ(unary_call(stub(), &Stub::RetireTalkTrack, token_for(kManager1), retire_request).code(),
            "NOT_FOUND");
}

}  // namespace
}  // namespace salesfollow
