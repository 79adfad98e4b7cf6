// Stage changes logged with a follow-up go through customer-service
// (ChangeCustomerStage with the caller's token): its rules apply, its history
// records the change, a retried request_id writes once, and a customer-service
// that is down makes the call UNAVAILABLE without writing anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "followup_fixture.h"

namespace salesfollow::testing::followup {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class StageChangeTest : public FollowUpTest {
 protected:
  // Nothing was written: no follow-up, only the creation stage event.
  void expect_nothing_written(const v1::Customer& customer, v1::Stage stage) {
    const auto log = sys().list_follow_ups(kRepA, customer.name());
    ASSERT_TRUE(log.ok()) << log;
    EXPECT_THAT(log.value.follow_ups(), SizeIs(0));
    const auto events = sys().stage_events(kRepA, customer.name());
    ASSERT_TRUE(events.ok()) << events;
    EXPECT_THAT(events.value, SizeIs(1));
    const auto now = sys().get_customer(kRepA, customer.name());
    ASSERT_TRUE(now.ok()) << now;
    EXPECT_EQ(now.value.stage(), stage);
  }

  v1::LogFollowUpRequest with_stage_change(const v1::Customer& customer, v1::Stage stage,
                                           const std::string& reason,
                                           const std::string& loss_reason = "") {
    auto request = follow_up_request(customer.name(), clock().now() - hours(1));
    request.mutable_follow_up()->set_next_action("发送案例");
    *request.mutable_stage_change() = stage_change(stage, reason, loss_reason);
    return request;
  }
};

TEST_F(StageChangeTest, TheChangeIsMadeByCustomerServiceAndTheFollowUpNamesItsEvent) {
  const auto customer = customer_of(kRepA, "阶段变更测试公司");
  const auto reply = sys().log(kRepA, with_stage_change(customer, v1::STAGE_INTENTION, "明确需求"));
  ASSERT_TRUE(reply.ok()) << reply;
  EXPECT_EQ(reply.value.follow_up().stage_after(), v1::STAGE_INTENTION);

  const auto events = sys().stage_events(kRepA, customer.name());
  ASSERT_TRUE(events.ok()) << events;
  ASSERT_THAT(events.value, SizeIs(2));
  EXPECT_EQ(reply.value.follow_up().stage_event(), events.value[1].name());
  EXPECT_EQ(events.value[1].to_stage(), v1::STAGE_INTENTION);
  EXPECT_EQ(events.value[1].reason(), "明确需求");
  EXPECT_EQ(events.value[1].actor_id(), "rep_a") << "the change is made with the caller's token";
  EXPECT_EQ(time_of(events.value[1].event_time()), clock().now());

  // Without a stage change, stage_after is the current stage and no event is named.
  const auto plain = sys().log(kRepA, follow_up_request(customer.name(), clock().now() - hours(1)));
  ASSERT_TRUE(plain.ok()) << plain;
  EXPECT_EQ(plain.value.follow_up().stage_after(), v1::STAGE_INTENTION);
  EXPECT_EQ(plain.value.follow_up().stage_event(), "");

  // Lost with a loss reason: the stage changes and the plan is cleared.
  const auto lost = sys().log(
      kRepA, with_stage_change(customer, v1::STAGE_LOST, "客户选择了竞品", "price_too_high"));
  ASSERT_TRUE(lost.ok()) << lost;
  EXPECT_EQ(lost.value.follow_up().stage_after(), v1::STAGE_LOST);
  EXPECT_FALSE(lost.value.plan().has_plan_time()) << lost.value.plan().ShortDebugString();
  const auto after = sys().stage_events(kRepA, customer.name());
  ASSERT_TRUE(after.ok()) << after;
  ASSERT_THAT(after.value, SizeIs(3));
  EXPECT_EQ(after.value[2].loss_reason(), "price_too_high");
  EXPECT_EQ(after.value[2].name(), lost.value.follow_up().stage_event());
}

TEST_F(StageChangeTest, CustomerServiceRulesApplyAndARefusedChangeWritesNothing) {
  const auto customer = customer_of(kRepA, "阶段规则测试公司");

  const auto no_reason = sys().log(kRepA, with_stage_change(customer, v1::STAGE_INTENTION, ""));
  EXPECT_EQ(no_reason.code(), "INVALID_ARGUMENT") << no_reason;
  EXPECT_THAT(no_reason.field(), HasSubstr("reason")) << no_reason;
  expect_nothing_written(customer, v1::STAGE_POTENTIAL);

  const auto lost_without_reason =
      sys().log(kRepA, with_stage_change(customer, v1::STAGE_LOST, "客户拒绝"));
  EXPECT_EQ(lost_without_reason.code(), "INVALID_ARGUMENT") << lost_without_reason;
  EXPECT_THAT(lost_without_reason.field(), HasSubstr("loss_reason")) << lost_without_reason;
  expect_nothing_written(customer, v1::STAGE_POTENTIAL);

  const auto unknown_loss_reason =
      sys().log(kRepA, with_stage_change(customer, v1::STAGE_LOST, "客户拒绝", "no_such_reason"));
  EXPECT_EQ(unknown_loss_reason.code(), "INVALID_ARGUMENT") << unknown_loss_reason;
  expect_nothing_written(customer, v1::STAGE_POTENTIAL);

  const auto same =
      sys().log(kRepA, with_stage_change(customer, v1::STAGE_POTENTIAL, "仍是潜在客户"));
  EXPECT_EQ(same.code(), "FAILED_PRECONDITION") << same;
  EXPECT_EQ(same.reason(), "SAME_STAGE") << same;
  expect_nothing_written(customer, v1::STAGE_POTENTIAL);
}

TEST_F(StageChangeTest, ARetryWithTheSameRequestIdWritesOneFollowUpAndOneStageEvent) {
  const auto customer = customer_of(kRepA, "重试测试公司");
  auto request = with_stage_change(customer, v1::STAGE_HIGH_INTENTION, "接受方案");
  request.set_request_id("5b0c2a4e-retry-0001");
  const auto first = sys().log(kRepA, request);
  ASSERT_TRUE(first.ok()) << first;

  clock().advance(minutes(3));  // the retry comes later; the answer is the first one
  const auto retry = sys().log(kRepA, request);
  ASSERT_TRUE(retry.ok()) << retry;
  EXPECT_EQ(retry.value.follow_up().name(), first.value.follow_up().name());
  EXPECT_EQ(retry.value.follow_up().stage_event(), first.value.follow_up().stage_event());
  EXPECT_EQ(time_of(retry.value.follow_up().log_time()),
            time_of(first.value.follow_up().log_time()));
  EXPECT_EQ(retry.value.follow_up().stage_after(), v1::STAGE_HIGH_INTENTION);
  EXPECT_EQ(time_of(retry.value.plan().plan_time()), time_of(first.value.plan().plan_time()));

  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  EXPECT_THAT(log.value.follow_ups(), SizeIs(1));
  const auto events = sys().stage_events(kRepA, customer.name());
  ASSERT_TRUE(events.ok()) << events;
  EXPECT_THAT(events.value, SizeIs(2)) << "created + one change";

  // Another request id is another follow-up (without a stage change now: the
  // stage is already high intention).
  auto other = follow_up_request(customer.name(), clock().now() - hours(1));
  other.set_request_id("5b0c2a4e-retry-0002");
  ASSERT_TRUE(sys().log(kRepA, other).ok());
  const auto after = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(after.ok()) << after;
  EXPECT_THAT(after.value.follow_ups(), SizeIs(2));
}

TEST_F(StageChangeTest, ARetryWithoutStageChangeIsAlsoWrittenOnce) {
  const auto customer = customer_of(kRepA, "无阶段重试测试公司");
  auto request = follow_up_request(customer.name(), clock().now() - hours(1));
  request.set_request_id("plain-retry-0001");
  const auto first = sys().log(kRepA, request);
  ASSERT_TRUE(first.ok()) << first;
  const auto retry = sys().log(kRepA, request);
  ASSERT_TRUE(retry.ok()) << retry;
  EXPECT_EQ(retry.value.follow_up().name(), first.value.follow_up().name());
  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  EXPECT_THAT(log.value.follow_ups(), SizeIs(1));
  EXPECT_EQ(sys().metric("salesfollow_followups_logged_total", {{"channel", "phone"}}), 1.0)
      << "a retry is not a second follow-up";
}

TEST_F(StageChangeTest, CustomerServiceDownMeansUnavailableAndNothingWrittenThenExactlyOnce) {
  const auto customer = customer_of(kRepA, "服务中断测试公司");
  auto request = with_stage_change(customer, v1::STAGE_INTENTION, "确认需求");
  request.set_request_id("down-then-up-0001");

  sys().stop_customer_service();
  const auto down = sys().log(kRepA, request);
  EXPECT_EQ(down.code(), "UNAVAILABLE") << down;

  // Still down: the same request is refused again (nothing half-written
  // turns the retry into a success).
  const auto still_down = sys().log(kRepA, request);
  EXPECT_EQ(still_down.code(), "UNAVAILABLE") << still_down;

  // A follow-up without a stage change does not need customer-service.
  const auto plain = sys().log(kRepA, follow_up_request(customer.name(), clock().now() - hours(3)));
  EXPECT_TRUE(plain.ok()) << "logging without a stage change needs only the database: " << plain;

  sys().start_customer_service();  // same port, same database
  {
    const auto log = sys().list_follow_ups(kRepA, customer.name());
    ASSERT_TRUE(log.ok()) << log;
    for (const auto& f : log.value.follow_ups()) {
      EXPECT_NE(f.stage_after(), v1::STAGE_INTENTION) << "the refused change left a follow-up";
    }
    const auto events = sys().stage_events(kRepA, customer.name());
    ASSERT_TRUE(events.ok()) << events;
    EXPECT_THAT(events.value, SizeIs(1)) << "the refused change left a stage event";
  }

  // The client retries the same request until customer-service is reachable
  // again (followup-service's channel may be in reconnect back-off).
  Reply<v1::LogFollowUpResponse> up;
  const auto deadline = std::chrono::steady_clock::now() + seconds(15);
  for (;;) {
    up = sys().log(kRepA, request);
    if (up.ok() || up.code() != "UNAVAILABLE" || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  ASSERT_TRUE(up.ok()) << up;
  EXPECT_EQ(up.value.follow_up().stage_after(), v1::STAGE_INTENTION);
  const auto again = sys().log(kRepA, request);
  ASSERT_TRUE(again.ok()) << again;
  EXPECT_EQ(again.value.follow_up().name(), up.value.follow_up().name());

  const auto log = sys().list_follow_ups(kRepA, customer.name());
  ASSERT_TRUE(log.ok()) << log;
  int with_change = 0;
  for (const auto& f : log.value.follow_ups()) with_change += f.stage_event().empty() ? 0 : 1;
  EXPECT_EQ(with_change, 1);
  EXPECT_THAT(log.value.follow_ups(), SizeIs(plain.ok() ? 2 : 1));
  const auto events = sys().stage_events(kRepA, customer.name());
  ASSERT_TRUE(events.ok()) << events;
  ASSERT_THAT(events.value, SizeIs(2)) << "created + exactly one change";
  EXPECT_EQ(events.value[1].name(), up.value.follow_up().stage_event());
  const auto now = sys().get_customer(kRepA, customer.name());
  ASSERT_TRUE(now.ok()) << now;
  EXPECT_EQ(now.value.stage(), v1::STAGE_INTENTION);
}

}  // namespace
}  // namespace salesfollow::testing::followup
