// followup-service over real gRPC, a real MariaDB and a real customer-service,
// all on one test clock: the template rows of the brief as a scenario, the
// rules of LogFollowUp (required fields, the 24-hour "late" boundary, future
// and pre-first-contact timestamps, followers), the log of a customer,
// amendments with their history, and the service's metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <map>

#include "followup_fixture.h"

namespace salesfollow::testing::followup {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> names_of(const v1::ListFollowUpsResponse& list) {
  std::vector<std::string> names;
  for (const auto& f : list.follow_ups()) names.push_back(f.name());
  return names;
}

// ------------------------------------------------------------ the scenario

class TemplateScenarioTest : public FollowUpTest {
 protected:
  // 2024-02-22 18:00 in Shanghai: the day of the first template row.
  TimePoint start_time() const override { return at("2024-02-22T10:00:00Z"); }
};

TEST_F(TemplateScenarioTest, TheTemplateRowsOfTheBriefAreLoggedAndChangeTheStages) {
  // Row 1: 科技有限公司, phone call by 小王 on 2024-02-22, stage -> intention,
  // next follow-up 2024-02-28.
  const auto tech = customer_of(kRepA, "科技有限公司", "2024-02-20");
  auto request = follow_up_request(tech.name(), at("2024-02-22T06:30:00Z"), v1::PHONE,
                                   "介绍核心功能，客户关注数据实时性和多维度报表");
  request.mutable_follow_up()->set_scenario("电话介绍产品核心功能");
  request.mutable_follow_up()->set_feedback("有兴趣，希望看案例");
  request.mutable_follow_up()->set_next_action("3天内发送3个同行业案例");
  *request.mutable_stage_change() = stage_change(v1::STAGE_INTENTION, "客户明确需求，开始比较方案");
  *request.mutable_next_plan() =
      plan_input(at("2024-02-28T02:00:00Z"), "发送3个同行业案例并电话确认");
  const auto first = sys().log(kRepA, request);
  ASSERT_TRUE(first.ok()) << first;

  const auto& f1 = first.value.follow_up();
  EXPECT_TRUE(is_follow_up_name(f1.name())) << f1.name();
  EXPECT_EQ(f1.customer(), tech.name());
  EXPECT_EQ(time_of(f1.happen_time()), at("2024-02-22T06:30:00Z"));
  EXPECT_EQ(time_of(f1.log_time()), clock().now());
  EXPECT_FALSE(f1.late());
  EXPECT_EQ(f1.follower_id(), "rep_a");
  EXPECT_EQ(f1.logger_id(), "rep_a");
  EXPECT_EQ(f1.channel(), v1::PHONE);
  EXPECT_EQ(f1.scenario(), "电话介绍产品核心功能");
  EXPECT_EQ(f1.content(), "介绍核心功能，客户关注数据实时性和多维度报表");
  EXPECT_EQ(f1.feedback(), "有兴趣，希望看案例");
  EXPECT_EQ(f1.next_action(), "3天内发送3个同行业案例");
  EXPECT_EQ(f1.stage_after(), v1::STAGE_INTENTION);
  EXPECT_EQ(f1.revision(), 0);
  EXPECT_THAT(f1.stage_event(), MatchesRegex(tech.name() + "/stageEvents/[0-9]+"));

  const auto& p1 = first.value.plan();
  EXPECT_EQ(p1.customer(), tech.name());
  EXPECT_EQ(time_of(p1.plan_time()), at("2024-02-28T02:00:00Z"));
  EXPECT_EQ(p1.action(), "发送3个同行业案例并电话确认");
  EXPECT_FALSE(p1.recommended()) << "the rep chose the time";
  EXPECT_EQ(p1.planner_id(), "rep_a");
  EXPECT_EQ(p1.owner_id(), "rep_a");
  EXPECT_EQ(p1.customer_display_name(), "科技有限公司");
  EXPECT_EQ(p1.stage(), v1::STAGE_INTENTION);

  // The stage changed in customer-service, by the rep, as the event says.
  const auto tech_now = sys().get_customer(kRepA, tech.name());
  ASSERT_TRUE(tech_now.ok()) << tech_now;
  EXPECT_EQ(tech_now.value.stage(), v1::STAGE_INTENTION);
  const auto tech_events = sys().stage_events(kRepA, tech.name());
  ASSERT_TRUE(tech_events.ok()) << tech_events;
  ASSERT_THAT(tech_events.value, SizeIs(2));  // created, then this change
  EXPECT_EQ(tech_events.value[1].name(), f1.stage_event());
  EXPECT_EQ(tech_events.value[1].from_stage(), v1::STAGE_POTENTIAL);
  EXPECT_EQ(tech_events.value[1].to_stage(), v1::STAGE_INTENTION);
  EXPECT_EQ(tech_events.value[1].reason(), "客户明确需求，开始比较方案");
  EXPECT_EQ(tech_events.value[1].actor_id(), "rep_a");

  // GetFollowUp reads back the same record, untouched.
  const auto read = sys().get_follow_up(kRepA, f1.name());
  ASSERT_TRUE(read.ok()) << read;
  EXPECT_EQ(read.value.content(), f1.content());
  EXPECT_EQ(read.value.feedback(), f1.feedback());
  EXPECT_EQ(read.value.next_action(), f1.next_action());
  EXPECT_EQ(read.value.stage_event(), f1.stage_event());
  EXPECT_EQ(time_of(read.value.log_time()), time_of(f1.log_time()));
  EXPECT_EQ(read.value.revision(), 0);
  EXPECT_THAT(read.value.amendments(), SizeIs(0));

  // Row 2: 张*女士, meeting by 经理 (the team's manager) on 2024-03-02,
  // stage -> high intention, next follow-up 2024-03-05.
  clock().set(at("2024-03-02T12:00:00Z"));  // 20:00 in Shanghai
  const auto lady = customer_of(kRepA, "张*女士", "2024-02-25");
  auto meeting =
      follow_up_request(lady.name(), at("2024-03-02T07:00:00Z"), v1::MEETING, "面谈确认方案与报价");
  meeting.mutable_follow_up()->set_scenario("上门面谈");
  meeting.mutable_follow_up()->set_feedback("接受方案，商谈价格");
  meeting.mutable_follow_up()->set_next_action("准备合同草案");
  *meeting.mutable_stage_change() =
      stage_change(v1::STAGE_HIGH_INTENTION, "客户接受方案，进入价格谈判");
  *meeting.mutable_next_plan() = plan_input(at("2024-03-05T02:00:00Z"), "带合同草案拜访");
  const auto second = sys().log(kManager1, meeting);
  ASSERT_TRUE(second.ok()) << second;
  const auto& f2 = second.value.follow_up();
  EXPECT_EQ(f2.follower_id(), "mgr_1");
  EXPECT_EQ(f2.logger_id(), "mgr_1");
  EXPECT_EQ(f2.channel(), v1::MEETING);
  EXPECT_FALSE(f2.late());
  EXPECT_EQ(f2.stage_after(), v1::STAGE_HIGH_INTENTION);
  EXPECT_EQ(time_of(second.value.plan().plan_time()), at("2024-03-05T02:00:00Z"));
  EXPECT_FALSE(second.value.plan().recommended());
  EXPECT_EQ(second.value.plan().planner_id(), "mgr_1");
  EXPECT_EQ(second.value.plan().owner_id(), "rep_a");
  const auto lady_events = sys().stage_events(kManager1, lady.name());
  ASSERT_TRUE(lady_events.ok()) << lady_events;
  ASSERT_THAT(lady_events.value, SizeIs(2));
  EXPECT_EQ(lady_events.value[1].name(), f2.stage_event());
  EXPECT_EQ(lady_events.value[1].to_stage(), v1::STAGE_HIGH_INTENTION);
  EXPECT_EQ(lady_events.value[1].actor_id(), "mgr_1");

  // The lists agree: 张*女士 is high intention with her plan, 科技有限公司's
  // plan of 2024-02-28 is overdue on 2024-03-02, and each log holds one entry.
  const auto high = sys().high_intent(kRepA);
  ASSERT_TRUE(high.ok()) << high;
  ASSERT_THAT(high.value.customers(), SizeIs(1));
  EXPECT_EQ(high.value.customers(0).customer(), lady.name());
  EXPECT_EQ(high.value.customers(0).customer_display_name(), "张*女士");
  EXPECT_EQ(time_of(high.value.customers(0).plan_time()), at("2024-03-05T02:00:00Z"));
  const auto due = sys().due(kRepA);
  ASSERT_TRUE(due.ok()) << due;
  ASSERT_THAT(due.value.overdue(), SizeIs(1));
  EXPECT_EQ(due.value.overdue(0).customer(), tech.name());
  EXPECT_THAT(due.value.due_today(), SizeIs(0));
  for (const auto& [customer, expected] :
       {std::pair{tech.name(), f1.name()}, std::pair{lady.name(), f2.name()}}) {
    const auto log = sys().list_follow_ups(kManager1, customer);
    ASSERT_TRUE(log.ok()) << log;
    EXPECT_THAT(names_of(log.value), ::testing::ElementsAre(expected));
  }
}

// ------------------------------------------------------------ LogFollowUp rules

class LogFollowUpTest : public FollowUpTest {};

TEST_F(LogFollowUpTest, EveryRequiredFieldIsNamedWhenMissing) {
  const auto customer = customer_of(kRepA, "必填字段测试公司");
  const TimePoint an_hour_ago = clock().now() - hours(1);
  struct Case {
    std::string field;
    std::function<void(v1::LogFollowUpRequest&)> spoil;
  };
  const std::vector<Case> cases = {
      {"follow_up.customer", [](auto& r) { r.mutable_follow_up()->clear_customer(); }},
      {"follow_up.customer", [](auto& r) { r.mutable_follow_up()->set_customer("customers/abc"); }},
      {"follow_up.happen_time", [](auto& r) { r.mutable_follow_up()->clear_happen_time(); }},
      {"follow_up.channel",
       [](auto& r) { r.mutable_follow_up()->set_channel(v1::CHANNEL_UNSPECIFIED); }},
      {"follow_up.content", [](auto& r) { r.mutable_follow_up()->clear_content(); }},
  };
  for (const auto& c : cases) {
    auto request = follow_up_request(customer.name(), an_hour_ago);
    c.spoil(request);
    SCOPED_TRACE(request.ShortDebugString());
    const auto reply = sys().log(kRepA, request);
    EXPECT_EQ(reply.code(), "INVALID_ARGUMENT") << reply;
    EXPECT_EQ(reply.reason(), "INVALID_FIELD") << reply;
    EXPECT_EQ(reply.domain(), "salesfollow.v1") << reply;
    EXPECT_EQ(reply.field(), c.field) << reply;
    EXPECT_THAT(reply.message(), HasSubstr(c.field));
  }
  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  EXPECT_THAT(log.value.follow_ups(), SizeIs(0)) << "a refused request wrote a follow-up";
}

TEST_F(LogFollowUpTest, LateMeansLoggedMoreThan24HoursAfterItHappened) {
  const auto customer = customer_of(kRepA, "迟到边界测试公司");
  const TimePoint now = clock().now();
  const auto log_at = [&](TimePoint happen) {
    const auto reply = sys().log(kRepA, follow_up_request(customer.name(), happen));
    EXPECT_TRUE(reply.ok()) << reply;
    EXPECT_EQ(time_of(reply.value.follow_up().log_time()), now) << "log_time is the server clock";
    return reply.value.follow_up();
  };
  EXPECT_FALSE(log_at(now - hours(23) - minutes(59)).late()) << "happened 23h59m ago";
  EXPECT_FALSE(log_at(now - hours(24)).late()) << "exactly 24h ago is not more than 24h";
  EXPECT_TRUE(log_at(now - hours(24) - minutes(1)).late()) << "happened 24h01m ago";

  // The flag is stored, not recomputed on read.
  clock().advance(days(10));
  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  int late = 0;
  for (const auto& f : log.value.follow_ups()) late += f.late() ? 1 : 0;
  EXPECT_EQ(late, 1);
}

TEST_F(LogFollowUpTest, HappenTimeMayBeAtMostFiveMinutesAhead) {
  const auto customer = customer_of(kRepA, "未来时间测试公司");
  const TimePoint now = clock().now();
  const auto too_late =
      sys().log(kRepA, follow_up_request(customer.name(), now + minutes(5) + seconds(1)));
  EXPECT_EQ(too_late.code(), "INVALID_ARGUMENT") << too_late;
  EXPECT_EQ(too_late.reason(), "INVALID_FIELD") << too_late;
  EXPECT_EQ(too_late.field(), "follow_up.happen_time") << too_late;

  const auto far_future = sys().log(kRepA, follow_up_request(customer.name(), now + days(1)));
  EXPECT_EQ(far_future.code(), "INVALID_ARGUMENT") << far_future;
  EXPECT_EQ(far_future.field(), "follow_up.happen_time") << far_future;

  const auto within_skew = sys().log(kRepA, follow_up_request(customer.name(), now + minutes(5)));
  EXPECT_TRUE(within_skew.ok()) << "a clock 5 minutes ahead is tolerated: " << within_skew;
  EXPECT_FALSE(within_skew.value.follow_up().late());

  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  EXPECT_THAT(log.value.follow_ups(), SizeIs(1));
}

TEST_F(LogFollowUpTest, HappenTimeBeforeTheFirstContactDayInTeamTimeIsRefused) {
  // 2024-03-01 begins at 2024-02-29T16:00:00Z in Asia/Shanghai.
  const auto customer = customer_of(kRepA, "首次接触测试公司", "2024-03-01");
  const auto before =
      sys().log(kRepA, follow_up_request(customer.name(), at("2024-02-29T15:59:59Z")));
  EXPECT_EQ(before.code(), "INVALID_ARGUMENT") << before;
  EXPECT_EQ(before.reason(), "INVALID_FIELD") << before;
  EXPECT_EQ(before.field(), "follow_up.happen_time") << before;

  const auto days_before =
      sys().log(kRepA, follow_up_request(customer.name(), at("2024-02-20T04:00:00Z")));
  EXPECT_EQ(days_before.code(), "INVALID_ARGUMENT") << days_before;

  const auto first_instant =
      sys().log(kRepA, follow_up_request(customer.name(), at("2024-02-29T16:00:00Z")));
  ASSERT_TRUE(first_instant.ok()) << "00:00 of the first-contact day is allowed: " << first_instant;
  EXPECT_TRUE(first_instant.value.follow_up().late());  // 3.5 days before the clock

  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  EXPECT_THAT(log.value.follow_ups(), SizeIs(1));
}

TEST_F(LogFollowUpTest, FollowerDefaultsToTheCallerAndARepLogsOnlyAsThemselves) {
  const auto customer = customer_of(kRepA, "跟进人测试公司");
  const TimePoint happened = clock().now() - hours(2);

  const auto own = sys().log(kRepA, follow_up_request(customer.name(), happened));
  ASSERT_TRUE(own.ok()) << own;
  EXPECT_EQ(own.value.follow_up().follower_id(), "rep_a");
  EXPECT_EQ(own.value.follow_up().logger_id(), "rep_a");

  auto as_other = follow_up_request(customer.name(), happened);
  as_other.mutable_follow_up()->set_follower_id("rep_b");
  const auto refused = sys().log(kRepA, as_other);
  EXPECT_EQ(refused.code(), "PERMISSION_DENIED") << refused;
  EXPECT_EQ(refused.reason(), "PERMISSION_DENIED") << refused;

  // A manager may record a contact their rep made.
  auto for_rep = follow_up_request(customer.name(), happened);
  for_rep.mutable_follow_up()->set_follower_id("rep_a");
  const auto by_manager = sys().log(kManager1, for_rep);
  ASSERT_TRUE(by_manager.ok()) << by_manager;
  EXPECT_EQ(by_manager.value.follow_up().follower_id(), "rep_a");
  EXPECT_EQ(by_manager.value.follow_up().logger_id(), "mgr_1");

  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  EXPECT_THAT(log.value.follow_ups(), SizeIs(2));
}

TEST_F(LogFollowUpTest, ADeletedCustomerTakesNoFollowUps) {
  const auto customer = customer_of(kRepA, "已删除客户测试公司");
  const auto deleted = sys().delete_customer(kRepA, customer.name());
  ASSERT_TRUE(deleted.ok()) << deleted;
  const auto reply = sys().log(kRepA, follow_up_request(customer.name(), clock().now() - hours(1)));
  EXPECT_EQ(reply.code(), "FAILED_PRECONDITION") << reply;
  EXPECT_EQ(reply.reason(), "CUSTOMER_DELETED") << reply;
  auto with_stage = follow_up_request(customer.name(), clock().now() - hours(1));
  *with_stage.mutable_stage_change() = stage_change(v1::STAGE_INTENTION, "确认需求");
  const auto staged = sys().log(kRepA, with_stage);
  EXPECT_EQ(staged.code(), "FAILED_PRECONDITION") << staged;
}

TEST_F(LogFollowUpTest, TheLogOfACustomerIsNewestFirstAndPaged) {
  const auto customer = customer_of(kRepA, "日志排序测试公司");
  const auto other = customer_of(kRepA, "另一家测试公司");
  const TimePoint now = clock().now();
  // Logged out of order: the list follows when they happened.
  const auto middle = sys().must_log(kRepA, follow_up_request(customer.name(), now - hours(30)));
  const auto newest = sys().must_log(kRepA, follow_up_request(customer.name(), now - hours(2)));
  const auto oldest = sys().must_log(kRepA, follow_up_request(customer.name(), now - hours(50)));
  sys().must_log(kRepA, follow_up_request(other.name(), now - hours(1)));

  const auto all = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(all.ok()) << all;
  EXPECT_THAT(names_of(all.value),
              ::testing::ElementsAre(newest.follow_up().name(), middle.follow_up().name(),
                                     oldest.follow_up().name()));

  const auto page1 = sys().list_follow_ups(kRepA, customer.name(), 2);
  ASSERT_TRUE(page1.ok()) << page1;
  EXPECT_THAT(names_of(page1.value),
              ::testing::ElementsAre(newest.follow_up().name(), middle.follow_up().name()));
  ASSERT_FALSE(page1.value.next_page_token().empty());
  const auto page2 =
      sys().list_follow_ups(kRepA, customer.name(), 2, page1.value.next_page_token());
  ASSERT_TRUE(page2.ok()) << page2;
  EXPECT_THAT(names_of(page2.value), ::testing::ElementsAre(oldest.follow_up().name()));
  EXPECT_TRUE(page2.value.next_page_token().empty());
}

// ------------------------------------------------------------ amendments

class AmendFollowUpTest : public FollowUpTest {};

TEST_F(AmendFollowUpTest, AmendmentsReplaceFieldsAndKeepEveryBeforeAndAfterOldestFirst) {
  const auto customer = customer_of(kRepA, "修订历史测试公司");
  auto request = follow_up_request(customer.name(), at("2024-03-04T01:00:00Z"), v1::PHONE,
                                   "原始内容：客户关注价格");
  request.mutable_follow_up()->set_feedback("原始反馈");
  request.mutable_follow_up()->set_next_action("原始下一步");
  const auto original = sys().must_log(kRepA, request).follow_up();

  clock().advance(hours(1));
  const TimePoint first_amend_time = clock().now();
  v1::FollowUp change1;
  change1.set_name(original.name());
  change1.set_content("更正内容：客户关注交付周期");
  change1.set_channel(v1::MEETING);
  change1.set_feedback("不应被修改的反馈");  // not named in `fields`: ignored
  const auto amended1 = sys().amend(kRepA, change1, {"content", "channel"}, "录入时选错了渠道");
  ASSERT_TRUE(amended1.ok()) << amended1;
  EXPECT_EQ(amended1.value.revision(), 1);
  EXPECT_EQ(amended1.value.content(), "更正内容：客户关注交付周期");
  EXPECT_EQ(amended1.value.channel(), v1::MEETING);
  EXPECT_EQ(amended1.value.feedback(), "原始反馈");

  clock().advance(hours(1));
  v1::FollowUp change2;
  change2.set_name(original.name());
  *change2.mutable_happen_time() = timestamp(at("2024-03-04T00:30:00Z"));
  change2.set_next_action("48小时内发送报价单");
  const auto amended2 =
      sys().amend(kManager1, change2, {"happen_time", "next_action"}, "补充准确时间");
  ASSERT_TRUE(amended2.ok()) << amended2;
  EXPECT_EQ(amended2.value.revision(), 2);

  const auto read = sys().get_follow_up(kRepA, original.name());
  ASSERT_TRUE(read.ok()) << read;
  const auto& f = read.value;
  EXPECT_EQ(f.revision(), 2);
  EXPECT_EQ(f.content(), "更正内容：客户关注交付周期");
  EXPECT_EQ(f.channel(), v1::MEETING);
  EXPECT_EQ(f.feedback(), "原始反馈");
  EXPECT_EQ(f.next_action(), "48小时内发送报价单");
  EXPECT_EQ(time_of(f.happen_time()), at("2024-03-04T00:30:00Z"));
  EXPECT_EQ(time_of(f.log_time()), time_of(original.log_time())) << "log_time never changes";
  EXPECT_EQ(f.logger_id(), "rep_a");

  ASSERT_THAT(f.amendments(), SizeIs(2));
  const auto& a1 = f.amendments(0);
  EXPECT_EQ(a1.revision(), 1);
  EXPECT_EQ(a1.amended_by(), "rep_a");
  EXPECT_EQ(time_of(a1.amend_time()), first_amend_time);
  EXPECT_EQ(a1.reason(), "录入时选错了渠道");
  ASSERT_THAT(a1.changes(), SizeIs(2)) << a1.ShortDebugString();
  std::map<std::string, v1::FieldChange> by_field;
  for (const auto& c : a1.changes()) by_field[c.field()] = c;
  ASSERT_TRUE(by_field.count("content")) << a1.ShortDebugString();
  EXPECT_EQ(by_field["content"].before(), "原始内容：客户关注价格");
  EXPECT_EQ(by_field["content"].after(), "更正内容：客户关注交付周期");
  ASSERT_TRUE(by_field.count("channel")) << a1.ShortDebugString();
  // The contract does not fix how an enum is written; its name must be recognisable.
  EXPECT_THAT(lower(by_field["channel"].before()), HasSubstr("phone"));
  EXPECT_THAT(lower(by_field["channel"].after()), HasSubstr("meeting"));

  const auto& a2 = f.amendments(1);
  EXPECT_EQ(a2.revision(), 2);
  EXPECT_EQ(a2.amended_by(), "mgr_1");
  EXPECT_EQ(a2.reason(), "补充准确时间");
  ASSERT_THAT(a2.changes(), SizeIs(2)) << a2.ShortDebugString();
  by_field.clear();
  for (const auto& c : a2.changes()) by_field[c.field()] = c;
  EXPECT_EQ(by_field["next_action"].before(), "原始下一步");
  EXPECT_EQ(by_field["next_action"].after(), "48小时内发送报价单");
  ASSERT_TRUE(by_field.count("happen_time")) << a2.ShortDebugString();
  EXPECT_FALSE(by_field["happen_time"].before().empty());
  EXPECT_NE(by_field["happen_time"].before(), by_field["happen_time"].after());

  // Lists show the current values and the revision.
  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  ASSERT_THAT(log.value.follow_ups(), SizeIs(1));
  EXPECT_EQ(log.value.follow_ups(0).content(), "更正内容：客户关注交付周期");
  EXPECT_EQ(log.value.follow_ups(0).revision(), 2);
}

TEST_F(AmendFollowUpTest, AReasonAndKnownFieldsAreRequired) {
  const auto customer = customer_of(kRepA, "修订校验测试公司");
  const auto original =
      sys()
          .must_log(kRepA, follow_up_request(customer.name(), clock().now() - hours(1)))
          .follow_up();
  v1::FollowUp change;
  change.set_name(original.name());
  change.set_content("新的内容");

  const auto no_reason = sys().amend(kRepA, change, {"content"}, "");
  EXPECT_EQ(no_reason.code(), "INVALID_ARGUMENT") << no_reason;
  EXPECT_EQ(no_reason.reason(), "INVALID_FIELD") << no_reason;
  EXPECT_EQ(no_reason.field(), "reason") << no_reason;

  for (const std::string field : {"stage_after", "log_time", "follower_id", "bogus"}) {
    const auto unknown = sys().amend(kRepA, change, {"content", field}, "尝试修改");
    EXPECT_EQ(unknown.code(), "INVALID_ARGUMENT") << field << ": " << unknown;
    EXPECT_THAT(unknown.message(), HasSubstr(field)) << unknown;
  }

  v1::FollowUp future;
  future.set_name(original.name());
  *future.mutable_happen_time() = timestamp(clock().now() + hours(2));
  const auto into_future = sys().amend(kRepA, future, {"happen_time"}, "改时间");
  EXPECT_EQ(into_future.code(), "INVALID_ARGUMENT")
      << "an amendment must obey the logging rules: " << into_future;

  v1::FollowUp empty_content;
  empty_content.set_name(original.name());
  const auto emptied = sys().amend(kRepA, empty_content, {"content"}, "清空");
  EXPECT_EQ(emptied.code(), "INVALID_ARGUMENT") << "content stays required: " << emptied;

  const auto read = sys().get_follow_up(kRepA, original.name());
  ASSERT_TRUE(read.ok()) << read;
  EXPECT_EQ(read.value.revision(), 0);
  EXPECT_EQ(read.value.content(), original.content());
  EXPECT_THAT(read.value.amendments(), SizeIs(0));
}

// ------------------------------------------------------------ metrics

TEST_F(LogFollowUpTest, MetricsCountLoggedLateAndAmendedFollowUps) {
  const auto customer = customer_of(kRepA, "指标测试公司");
  const TimePoint now = clock().now();
  sys().must_log(kRepA, follow_up_request(customer.name(), now - hours(1)));
  sys().must_log(kRepA, follow_up_request(customer.name(), now - hours(30)));  // late
  const auto meeting =
      sys().must_log(kRepA, follow_up_request(customer.name(), now - hours(2), v1::MEETING));
  v1::FollowUp change;
  change.set_name(meeting.follow_up().name());
  change.set_content("修订后的内容");
  ASSERT_TRUE(sys().amend(kRepA, change, {"content"}, "更正").ok());

  EXPECT_EQ(sys().metric("salesfollow_followups_logged_total", {{"channel", "phone"}}), 2.0);
  EXPECT_EQ(sys().metric("salesfollow_followups_logged_total", {{"channel", "meeting"}}), 1.0);
  EXPECT_EQ(sys().metric("salesfollow_followups_late_total", {{"follower", "rep_a"}}), 1.0);
  EXPECT_EQ(sys().metric("salesfollow_followup_amendments_total"), 1.0);
}

}  // namespace
}  // namespace salesfollow::testing::followup
