// Next follow-up plans and the lists built on them: the cadence (stage
// defaults, team policy, per-customer override), explicit plans, due and
// overdue lists across the Asia/Shanghai midnight, stalled customers and the
// high-intent list.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "followup_fixture.h"
#include "system_fixture.h"

namespace salesfollow::testing::followup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

template <typename Plans>
std::vector<std::string> customers_of(const Plans& plans) {
  std::vector<std::string> out;
  for (const auto& p : plans) out.push_back(p.customer_display_name());
  return out;
}

// ------------------------------------------------------------ cadence

class CadenceTest : public FollowUpTest {
 protected:
  // Logs a contact that happened at `happen` (with a stage change when given)
  // and returns the plan the service made.
  v1::FollowUpPlan log_and_plan(const User& who, const v1::Customer& customer, TimePoint happen,
                                v1::Stage new_stage = v1::STAGE_UNSPECIFIED,
                                const std::string& next_action = "电话回访") {
    auto request = follow_up_request(customer.name(), happen);
    request.mutable_follow_up()->set_next_action(next_action);
    if (new_stage != v1::STAGE_UNSPECIFIED) {
      *request.mutable_stage_change() =
          stage_change(new_stage, "阶段推进", new_stage == v1::STAGE_LOST ? "price_too_high" : "");
    }
    return sys().must_log(who, request).plan();
  }
};

TEST_F(CadenceTest, WithoutAPolicyTheStageDefaultsPlanTheNextContact) {
  const auto policy = sys().get_policy(kRepA);
  ASSERT_TRUE(policy.ok()) << policy;
  EXPECT_EQ(policy.value.team_id(), "team1");
  EXPECT_EQ(policy.value.potential_days(), 7);
  EXPECT_EQ(policy.value.intention_days(), 3);
  EXPECT_EQ(policy.value.high_intention_days(), 2);
  EXPECT_EQ(policy.value.won_days(), 30);
  EXPECT_EQ(policy.value.lost_days(), 0);
  EXPECT_EQ(policy.value.stalled_factor(), 2);

  const auto customer = customer_of(kRepA, "默认节奏测试公司");
  const TimePoint t = at("2024-03-04T01:00:00Z");

  const auto potential = log_and_plan(kRepA, customer, t, v1::STAGE_UNSPECIFIED, "发送产品资料");
  EXPECT_EQ(time_of(potential.plan_time()), t + days(7));
  EXPECT_TRUE(potential.recommended());
  EXPECT_EQ(potential.action(), "发送产品资料") << "the action is the follow-up's next_action";
  EXPECT_EQ(potential.stage(), v1::STAGE_POTENTIAL);
  EXPECT_EQ(potential.owner_id(), "rep_a");

  const auto intention = log_and_plan(kRepA, customer, t + minutes(10), v1::STAGE_INTENTION);
  EXPECT_EQ(time_of(intention.plan_time()), t + minutes(10) + days(3));
  EXPECT_TRUE(intention.recommended());
  EXPECT_EQ(intention.stage(), v1::STAGE_INTENTION);

  const auto high = log_and_plan(kRepA, customer, t + minutes(20), v1::STAGE_HIGH_INTENTION);
  EXPECT_EQ(time_of(high.plan_time()), t + minutes(20) + days(2));

  const auto won = log_and_plan(kRepA, customer, t + minutes(30), v1::STAGE_WON);
  EXPECT_EQ(time_of(won.plan_time()), t + minutes(30) + days(30));

  const auto lost = log_and_plan(kRepA, customer, t + minutes(40), v1::STAGE_LOST);
  EXPECT_FALSE(lost.has_plan_time()) << "lost: 0 days = no plan; " << lost.ShortDebugString();

  // The cleared plan never comes due.
  clock().set(at("2024-06-01T04:00:00Z"));
  const auto due = sys().due(kRepA);
  ASSERT_TRUE(due.ok()) << due;
  EXPECT_THAT(due.value.overdue(), IsEmpty());
  EXPECT_THAT(due.value.due_today(), IsEmpty());
}

TEST_F(CadenceTest, ATeamPolicyReplacesTheDefaultsOfItsTeamOnly) {
  v1::CadencePolicy policy;
  policy.set_team_id("team1");
  policy.set_potential_days(5);
  policy.set_intention_days(4);
  policy.set_high_intention_days(1);
  policy.set_won_days(60);
  policy.set_lost_days(0);
  policy.set_stalled_factor(3);

  const auto by_rep = sys().update_policy(kRepA, policy);
  EXPECT_EQ(by_rep.code(), "PERMISSION_DENIED") << by_rep;
  EXPECT_EQ(by_rep.reason(), "PERMISSION_DENIED") << by_rep;
  const auto by_other_manager = sys().update_policy(kManager2, policy);
  EXPECT_EQ(by_other_manager.code(), "PERMISSION_DENIED") << by_other_manager;

  const auto updated = sys().update_policy(kManager1, policy);
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_EQ(updated.value.team_id(), "team1");
  EXPECT_EQ(updated.value.potential_days(), 5);
  EXPECT_EQ(updated.value.stalled_factor(), 3);
  EXPECT_EQ(updated.value.updated_by(), "mgr_1");
  EXPECT_EQ(time_of(updated.value.update_time()), clock().now());

  const auto read = sys().get_policy(kRepB);
  ASSERT_TRUE(read.ok()) << read;
  EXPECT_EQ(read.value.potential_days(), 5);
  EXPECT_EQ(read.value.intention_days(), 4);
  EXPECT_EQ(read.value.high_intention_days(), 1);
  EXPECT_EQ(read.value.won_days(), 60);
  const auto team2 = sys().get_policy(kRepC);
  ASSERT_TRUE(team2.ok()) << team2;
  EXPECT_EQ(team2.value.team_id(), "team2");
  EXPECT_EQ(team2.value.potential_days(), 7) << "team2 keeps the defaults";

  const TimePoint t = at("2024-03-04T01:00:00Z");
  const auto ours = customer_of(kRepA, "一组客户");
  EXPECT_EQ(time_of(log_and_plan(kRepA, ours, t).plan_time()), t + days(5));
  EXPECT_EQ(time_of(log_and_plan(kRepA, ours, t, v1::STAGE_INTENTION).plan_time()), t + days(4));
  EXPECT_EQ(time_of(log_and_plan(kRepA, ours, t, v1::STAGE_HIGH_INTENTION).plan_time()),
            t + days(1));
  const auto theirs = customer_of(kRepC, "二组客户");
  EXPECT_EQ(time_of(log_and_plan(kRepC, theirs, t).plan_time()), t + days(7));

  // An admin may set any team's policy.
  policy.set_team_id("team2");
  policy.set_potential_days(9);
  const auto by_admin = sys().update_policy(kAdmin, policy);
  ASSERT_TRUE(by_admin.ok()) << by_admin;
  EXPECT_EQ(time_of(log_and_plan(kRepC, theirs, t).plan_time()), t + days(9));
}

TEST_F(CadenceTest, ACustomerOverrideBeatsTheTeamPolicyUntilCleared) {
  v1::CadencePolicy policy;
  policy.set_team_id("team1");
  policy.set_potential_days(5);
  policy.set_intention_days(4);
  policy.set_high_intention_days(1);
  policy.set_won_days(60);
  policy.set_lost_days(0);
  policy.set_stalled_factor(2);
  ASSERT_TRUE(sys().update_policy(kManager1, policy).ok());

  const auto special = customer_of(kRepA, "特殊节奏客户");
  const auto normal = customer_of(kRepA, "普通节奏客户");
  const auto set = sys().set_customer_cadence(kManager1, special.name(), 10);
  ASSERT_TRUE(set.ok()) << set;
  EXPECT_EQ(set.value.customer(), special.name());
  EXPECT_EQ(set.value.interval_days(), 10);
  EXPECT_EQ(set.value.set_by(), "mgr_1");

  const TimePoint t = at("2024-03-04T01:00:00Z");
  EXPECT_EQ(time_of(log_and_plan(kRepA, special, t).plan_time()), t + days(10));
  EXPECT_EQ(time_of(log_and_plan(kRepA, special, t, v1::STAGE_INTENTION).plan_time()),
            t + days(10));
  EXPECT_EQ(time_of(log_and_plan(kRepA, normal, t).plan_time()), t + days(5));

  const auto cleared = sys().set_customer_cadence(kManager1, special.name(), 0);
  ASSERT_TRUE(cleared.ok()) << cleared;
  EXPECT_EQ(time_of(log_and_plan(kRepA, special, t).plan_time()), t + days(4))
      << "back to the team's intention interval";

  const auto negative = sys().set_customer_cadence(kManager1, special.name(), -1);
  EXPECT_EQ(negative.code(), "INVALID_ARGUMENT") << negative;
}

TEST_F(CadenceTest, PlanNextFollowUpSetsAndClearsThePlan) {
  const auto customer =
      customer_of(kRepA, "手动计划测试公司", "2024-03-01", v1::STAGE_HIGH_INTENTION);
  const auto set = sys().plan(kRepA, customer.name(), at("2024-03-06T02:00:00Z"), "当面签约");
  ASSERT_TRUE(set.ok()) << set;
  EXPECT_EQ(set.value.customer(), customer.name());
  EXPECT_EQ(time_of(set.value.plan_time()), at("2024-03-06T02:00:00Z"));
  EXPECT_EQ(set.value.action(), "当面签约");
  EXPECT_FALSE(set.value.recommended());
  EXPECT_EQ(set.value.planner_id(), "rep_a");
  EXPECT_EQ(set.value.owner_id(), "rep_a");
  EXPECT_EQ(set.value.stage(), v1::STAGE_HIGH_INTENTION);

  auto high = sys().high_intent(kRepA);
  ASSERT_TRUE(high.ok()) << high;
  ASSERT_THAT(high.value.customers(), SizeIs(1));
  EXPECT_EQ(time_of(high.value.customers(0).plan_time()), at("2024-03-06T02:00:00Z"));

  // An explicit plan given with a follow-up wins over the cadence.
  auto request = follow_up_request(customer.name(), clock().now() - hours(1));
  *request.mutable_next_plan() = plan_input(at("2024-03-08T02:00:00Z"), "寄送合同");
  const auto logged = sys().must_log(kRepA, request);
  EXPECT_EQ(time_of(logged.plan().plan_time()), at("2024-03-08T02:00:00Z"));
  EXPECT_FALSE(logged.plan().recommended());
  EXPECT_EQ(logged.plan().action(), "寄送合同");

  const auto cleared = sys().plan(kRepA, customer.name(), std::nullopt);
  ASSERT_TRUE(cleared.ok()) << cleared;
  EXPECT_FALSE(cleared.value.has_plan_time());
  high = sys().high_intent(kRepA);
  ASSERT_TRUE(high.ok()) << high;
  ASSERT_THAT(high.value.customers(), SizeIs(1));
  EXPECT_FALSE(high.value.customers(0).has_plan_time()) << "no plan any more";

  clock().set(at("2024-03-20T04:00:00Z"));
  const auto due = sys().due(kRepA);
  ASSERT_TRUE(due.ok()) << due;
  EXPECT_THAT(due.value.overdue(), IsEmpty());
  EXPECT_THAT(due.value.due_today(), IsEmpty());
}

// ------------------------------------------------------------ due lists

class DueListTest : public FollowUpTest {
 protected:
  // 08:00 on 2024-03-03 in Shanghai: every plan below is still ahead.
  TimePoint start_time() const override { return at("2024-03-03T00:00:00Z"); }
};

TEST_F(DueListTest, DueTodayAndOverdueFollowTheShanghaiMidnight) {
  struct Planned {
    std::string name;
    const char* plan_time;
    const User* owner;
  };
  // Local (UTC+8) times in the comments.
  const std::vector<Planned> plans = {
      {"昨晚十八点客户", "2024-03-03T10:00:00Z", &kRepA},    // 03-03 18:00
      {"昨晚最后一秒客户", "2024-03-03T15:59:59Z", &kRepA},  // 03-03 23:59:59
      {"今天零点客户", "2024-03-03T16:00:00Z", &kRepA},      // 03-04 00:00
      {"今晚二十三点客户", "2024-03-04T15:00:00Z", &kRepA},  // 03-04 23:00
      {"明天零点半客户", "2024-03-04T16:30:00Z", &kRepA},    // 03-05 00:30
      {"小李的客户", "2024-03-03T12:00:00Z", &kRepB},        // 03-03 20:00
  };
  for (const auto& p : plans) {
    const auto customer = customer_of(*p.owner, p.name);
    const auto planned = sys().plan(*p.owner, customer.name(), at(p.plan_time), "回访");
    ASSERT_TRUE(planned.ok()) << p.name << ": " << planned;
  }

  clock().set(at("2024-03-04T15:59:00Z"));  // 23:59 on 2024-03-04
  auto due = sys().due(kRepA);
  ASSERT_TRUE(due.ok()) << due;
  EXPECT_THAT(customers_of(due.value.overdue()), ElementsAre("昨晚十八点客户", "昨晚最后一秒客户"));
  EXPECT_THAT(customers_of(due.value.due_today()), ElementsAre("今天零点客户", "今晚二十三点客户"));
  for (const auto& p : due.value.overdue()) EXPECT_EQ(p.owner_id(), "rep_a");

  clock().set(at("2024-03-04T16:01:00Z"));  // 00:01 on 2024-03-05
  due = sys().due(kRepA);
  ASSERT_TRUE(due.ok()) << due;
  EXPECT_THAT(customers_of(due.value.overdue()), ElementsAre("昨晚十八点客户", "昨晚最后一秒客户",
                                                             "今天零点客户", "今晚二十三点客户"));
  EXPECT_THAT(customers_of(due.value.due_today()), ElementsAre("明天零点半客户"));

  // Scope: rep_b sees only their own; the manager sees the team, or one rep.
  const auto rep_b = sys().due(kRepB);
  ASSERT_TRUE(rep_b.ok()) << rep_b;
  EXPECT_THAT(customers_of(rep_b.value.overdue()), ElementsAre("小李的客户"));
  EXPECT_THAT(rep_b.value.due_today(), IsEmpty());

  const auto team = sys().due(kManager1, "*");
  ASSERT_TRUE(team.ok()) << team;
  EXPECT_THAT(customers_of(team.value.overdue()),
              ElementsAre("昨晚十八点客户", "小李的客户", "昨晚最后一秒客户", "今天零点客户",
                          "今晚二十三点客户"));
  EXPECT_THAT(customers_of(team.value.due_today()), ElementsAre("明天零点半客户"));

  const auto one_rep = sys().due(kManager1, "rep_b");
  ASSERT_TRUE(one_rep.ok()) << one_rep;
  EXPECT_THAT(customers_of(one_rep.value.overdue()), ElementsAre("小李的客户"));

  const auto managers_own = sys().due(kManager1);
  ASSERT_TRUE(managers_own.ok()) << managers_own;
  EXPECT_THAT(managers_own.value.overdue(), IsEmpty()) << "the manager owns no customer";

  const auto other_team = sys().due(kManager2, "*");
  ASSERT_TRUE(other_team.ok()) << other_team;
  EXPECT_THAT(other_team.value.overdue(), IsEmpty());
  EXPECT_THAT(other_team.value.due_today(), IsEmpty());

  // The gauge of overdue plans per owner follows (it may be refreshed by the scanner).
  EXPECT_EQ(
      sys().wait_for_metric("salesfollow_overdue_followups", {{"owner", "rep_a"}}, 4.0, seconds(5)),
      4.0);
  EXPECT_EQ(
      sys().wait_for_metric("salesfollow_overdue_followups", {{"owner", "rep_b"}}, 1.0, seconds(5)),
      1.0);
}

TEST_F(DueListTest, APlanFollowsItsCustomerToTheNewOwnerAndTeam) {
  // Plans keep a copy of their customer's owner and team for the due lists
  // (migration V006): a transfer must move it in the same transaction.
  const auto moved = customer_of(kRepA, "转给小李的客户");
  const auto across = customer_of(kRepA, "转到二组的客户");
  const auto stays = customer_of(kRepA, "留给小王的客户");
  for (const auto* customer : {&moved, &across, &stays}) {
    ASSERT_TRUE(sys().plan(kRepA, customer->name(), at("2024-03-03T10:00:00Z"), "回访").ok());
  }
  clock().set(at("2024-03-04T01:00:00Z"));  // 09:00 on 03-04 in Shanghai: all overdue

  ASSERT_TRUE(sys().transfer(kManager1, moved.name(), "rep_b").ok());
  const auto transferred = sys().transfer(kAdmin, across.name(), "rep_c", "team2");
  ASSERT_TRUE(transferred.ok()) << transferred;

  const auto rep_a = sys().due(kRepA);
  ASSERT_TRUE(rep_a.ok()) << rep_a;
  EXPECT_THAT(customers_of(rep_a.value.overdue()), ElementsAre("留给小王的客户"));
  const auto rep_b = sys().due(kRepB);
  ASSERT_TRUE(rep_b.ok()) << rep_b;
  EXPECT_THAT(customers_of(rep_b.value.overdue()), ElementsAre("转给小李的客户"));
  const auto rep_c = sys().due(kRepC);
  ASSERT_TRUE(rep_c.ok()) << rep_c;
  EXPECT_THAT(customers_of(rep_c.value.overdue()), ElementsAre("转到二组的客户"));

  const auto team1 = sys().due(kManager1, "*");
  ASSERT_TRUE(team1.ok()) << team1;
  EXPECT_THAT(customers_of(team1.value.overdue()), ElementsAre("转给小李的客户", "留给小王的客户"));
  const auto team2 = sys().due(kManager2, "*");
  ASSERT_TRUE(team2.ok()) << team2;
  EXPECT_THAT(customers_of(team2.value.overdue()), ElementsAre("转到二组的客户"));

  // A plan written after the transfer copies the new owner too; no plan
  // disagrees with its customer.
  const auto replanned = sys().plan(kRepC, across.name(), at("2024-03-05T02:00:00Z"), "再次回访");
  ASSERT_TRUE(replanned.ok()) << replanned;
  EXPECT_EQ(replanned.value.owner_id(), "rep_c");
  EXPECT_EQ(system::count(sys().db(),
                          "SELECT COUNT(*) FROM follow_up_plans p JOIN customers c ON c.id = "
                          "p.customer_id WHERE p.owner_id <> c.owner_id OR p.team_id <> c.team_id"),
            0);
  EXPECT_EQ(system::count(sys().db(), "SELECT COUNT(*) FROM follow_up_plans"), 3);

  // The overdue gauge counts by the plans' owners, without deleted customers.
  EXPECT_EQ(
      sys().wait_for_metric("salesfollow_overdue_followups", {{"owner", "rep_b"}}, 1.0, seconds(5)),
      1.0);
  EXPECT_EQ(
      sys().wait_for_metric("salesfollow_overdue_followups", {{"owner", "rep_a"}}, 1.0, seconds(5)),
      1.0);
  ASSERT_TRUE(sys().delete_customer(kRepA, stays.name()).ok());
  EXPECT_EQ(
      sys().wait_for_metric("salesfollow_overdue_followups", {{"owner", "rep_a"}}, 0.0, seconds(5)),
      0.0);
  EXPECT_EQ(
      sys().wait_for_metric("salesfollow_overdue_followups", {{"owner", "rep_b"}}, 1.0, seconds(5)),
      1.0);
}

// ------------------------------------------------------------ stalled

class StalledTest : public FollowUpTest {
 protected:
  // 12:00 on 2024-03-20 in Shanghai.
  TimePoint start_time() const override { return at("2024-03-20T04:00:00Z"); }

  void contact(const User& who, const v1::Customer& customer, const char* happen) {
    sys().must_log(who, follow_up_request(customer.name(), at(happen)));
  }

  std::map<std::string, v1::StalledCustomer> stalled_of(const Auth& auth,
                                                        const std::string& owner = "") {
    const auto reply = sys().stalled(auth, owner);
    EXPECT_TRUE(reply.ok()) << reply;
    std::map<std::string, v1::StalledCustomer> out;
    for (const auto& c : reply.value.customers()) out[c.customer_display_name()] = c;
    return out;
  }
};

TEST_F(StalledTest, CustomersIdleLongerThanFactorTimesTheIntervalAreStalled) {
  // Default factor 2: potential stalls after 14 days, intention after 6.
  const auto never = customer_of(kRepA, "从未跟进的潜在客户", "2024-03-01");
  const auto fifteen = customer_of(kRepA, "十五天未跟进", "2024-03-01");
  contact(kRepA, fifteen, "2024-03-05T03:00:00Z");  // 15 days 1 hour ago
  const auto almost = customer_of(kRepA, "差一小时满十四天", "2024-03-01");
  contact(kRepA, almost, "2024-03-06T05:00:00Z");  // 13 days 23 hours ago
  const auto intent7 = customer_of(kRepA, "意向七天", "2024-03-01", v1::STAGE_INTENTION);
  contact(kRepA, intent7, "2024-03-13T03:00:00Z");  // 7 days 1 hour ago
  const auto intent5 = customer_of(kRepA, "意向五天", "2024-03-01", v1::STAGE_INTENTION);
  contact(kRepA, intent5, "2024-03-15T03:00:00Z");  // 5 days 1 hour ago
  // A newer contact counts, not the older one.
  const auto recent = customer_of(kRepA, "最近刚跟进", "2024-03-01");
  contact(kRepA, recent, "2024-03-02T03:00:00Z");
  contact(kRepA, recent, "2024-03-19T03:00:00Z");
  const auto won = customer_of(kRepA, "已成交客户", "2024-03-01");
  ASSERT_TRUE(sys().change_stage(kRepA, won.name(), v1::STAGE_WON, "签约回款").ok());
  const auto lost = customer_of(kRepA, "已流失客户", "2024-03-01");
  ASSERT_TRUE(
      sys().change_stage(kRepA, lost.name(), v1::STAGE_LOST, "选择竞品", "price_too_high").ok());
  customer_of(kRepB, "小李的老客户", "2024-03-01");

  auto mine = stalled_of(kRepA);
  std::set<std::string> names;
  for (const auto& [name, _] : mine) names.insert(name);
  EXPECT_THAT(names, UnorderedElementsAre("从未跟进的潜在客户", "十五天未跟进", "意向七天"));

  const auto& n = mine["从未跟进的潜在客户"];
  EXPECT_EQ(n.customer(), never.name());
  EXPECT_EQ(n.stage(), v1::STAGE_POTENTIAL);
  EXPECT_EQ(n.owner_id(), "rep_a");
  EXPECT_EQ(time_of(n.last_contact_time()), at("2024-02-29T16:00:00Z"))
      << "00:00 of the first-contact day in team time";
  EXPECT_EQ(n.idle_days(), 19);
  EXPECT_EQ(n.threshold_days(), 14);
  EXPECT_EQ(time_of(mine["十五天未跟进"].last_contact_time()), at("2024-03-05T03:00:00Z"));
  EXPECT_EQ(mine["十五天未跟进"].idle_days(), 15);
  EXPECT_EQ(mine["十五天未跟进"].threshold_days(), 14);
  EXPECT_EQ(mine["意向七天"].stage(), v1::STAGE_INTENTION);
  EXPECT_EQ(mine["意向七天"].idle_days(), 7);
  EXPECT_EQ(mine["意向七天"].threshold_days(), 6);

  // Scope.
  const auto team = stalled_of(kManager1, "*");
  EXPECT_EQ(team.count("小李的老客户"), 1u);
  EXPECT_EQ(team.count("从未跟进的潜在客户"), 1u);
  EXPECT_EQ(team.size(), 4u);
  EXPECT_THAT(stalled_of(kManager2, "*"), IsEmpty());
  const auto rep_b = stalled_of(kRepB);
  ASSERT_EQ(rep_b.size(), 1u);
  EXPECT_EQ(rep_b.begin()->first, "小李的老客户");

  // A factor of 1 halves the thresholds: potential 7 days, intention 3.
  v1::CadencePolicy policy;
  policy.set_team_id("team1");
  policy.set_potential_days(7);
  policy.set_intention_days(3);
  policy.set_high_intention_days(2);
  policy.set_won_days(30);
  policy.set_lost_days(0);
  policy.set_stalled_factor(1);
  ASSERT_TRUE(sys().update_policy(kManager1, policy).ok());
  mine = stalled_of(kRepA);
  names.clear();
  for (const auto& [name, _] : mine) names.insert(name);
  EXPECT_THAT(names, UnorderedElementsAre("从未跟进的潜在客户", "十五天未跟进", "差一小时满十四天",
                                          "意向七天", "意向五天"));
  EXPECT_EQ(mine["差一小时满十四天"].threshold_days(), 7);
  EXPECT_EQ(mine["意向五天"].threshold_days(), 3);
}

// ------------------------------------------------------------ high intent

TEST_F(CadenceTest, HighIntentCustomersAreOrderedByTheirPlanUnplannedLast) {
  const auto later = customer_of(kRepA, "高意向三月十日", "2024-03-01", v1::STAGE_HIGH_INTENTION);
  const auto sooner = customer_of(kRepA, "高意向三月六日", "2024-03-01", v1::STAGE_HIGH_INTENTION);
  customer_of(kRepA, "高意向未计划", "2024-03-01", v1::STAGE_HIGH_INTENTION);
  const auto rep_b =
      customer_of(kRepB, "小李高意向三月八日", "2024-03-01", v1::STAGE_HIGH_INTENTION);
  const auto intention = customer_of(kRepA, "意向客户有计划", "2024-03-01", v1::STAGE_INTENTION);
  ASSERT_TRUE(sys().plan(kRepA, later.name(), at("2024-03-10T02:00:00Z"), "签约").ok());
  ASSERT_TRUE(sys().plan(kRepA, sooner.name(), at("2024-03-06T02:00:00Z"), "报价").ok());
  ASSERT_TRUE(sys().plan(kRepB, rep_b.name(), at("2024-03-08T02:00:00Z"), "演示").ok());
  ASSERT_TRUE(sys().plan(kRepA, intention.name(), at("2024-03-05T02:00:00Z"), "方案").ok());

  const auto mine = sys().high_intent(kRepA);
  ASSERT_TRUE(mine.ok()) << mine;
  EXPECT_THAT(customers_of(mine.value.customers()),
              ElementsAre("高意向三月六日", "高意向三月十日", "高意向未计划"));
  for (const auto& p : mine.value.customers()) EXPECT_EQ(p.stage(), v1::STAGE_HIGH_INTENTION);

  const auto team = sys().high_intent(kManager1, "*");
  ASSERT_TRUE(team.ok()) << team;
  EXPECT_THAT(
      customers_of(team.value.customers()),
      ElementsAre("高意向三月六日", "小李高意向三月八日", "高意向三月十日", "高意向未计划"));
  if (team.value.customers_size() == 4) {
    EXPECT_EQ(team.value.customers(1).owner_id(), "rep_b");
  }

  const auto other_team = sys().high_intent(kManager2, "*");
  ASSERT_TRUE(other_team.ok()) << other_team;
  EXPECT_THAT(other_team.value.customers(), IsEmpty());
}

}  // namespace
}  // namespace salesfollow::testing::followup
