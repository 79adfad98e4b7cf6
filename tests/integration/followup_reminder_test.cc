// WatchReminders: a plan whose time passes becomes one reminder, delivered
// once to each connected stream of the owner and their manager; one that
// came due while nobody listened is delivered on connect (state lives in the
// database, so also after a restart); heartbeats keep idle streams alive.
// The scanner runs every 200 ms (--reminder-scan-interval in the fixture).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "followup_fixture.h"

namespace salesfollow::testing::followup {
namespace {

using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

// Several scanner rounds: long enough for a wrong second delivery to show.
constexpr milliseconds kQuietWindow{1500};
constexpr milliseconds kDeliveryTimeout{5000};

class ReminderTest : public FollowUpTest {
 protected:
  // 10:00 on 2024-03-04 in Shanghai.
  TimePoint start_time() const override { return at("2024-03-04T02:00:00Z"); }

  v1::Customer planned_customer(const User& owner, const std::string& name, TimePoint plan_time,
                                const std::string& action) {
    const auto customer = customer_of(owner, name);
    const auto planned = sys().plan(owner, customer.name(), plan_time, action);
    if (!planned.ok())
      throw std::runtime_error("test set-up: plan failed: " + describe(planned.status));
    return customer;
  }

  // Waits until followup-service counts `count` open reminder streams.
  void expect_streams_open(double count) {
    EXPECT_EQ(sys().wait_for_metric("salesfollow_reminder_streams_open", {}, count, seconds(5)),
              count);
  }
};

TEST_F(ReminderTest, APlanComingDueIsDeliveredOnceToTheOwnerAndTheirManager) {
  const TimePoint plan_time = clock().now() + hours(1);
  const auto customer = planned_customer(kRepA, "到期提醒测试公司", plan_time, "回电确认报价");
  const auto team2_customer = planned_customer(kRepC, "二组提醒测试公司", plan_time, "二组回访");

  auto owner = sys().watch(kRepA);
  auto manager = sys().watch(kManager1);
  auto colleague = sys().watch(kRepB);
  auto other_manager = sys().watch(kManager2);
  expect_streams_open(4);

  EXPECT_THAT(owner->reminders_after(kQuietWindow), IsEmpty()) << "nothing is due yet";

  clock().set(plan_time + minutes(1));
  const auto received = owner->wait_for_reminders(1, kDeliveryTimeout);
  ASSERT_THAT(received, SizeIs(1)) << "no reminder within 5 s of the plan passing";
  const auto& r = received[0];
  EXPECT_THAT(r.name(), MatchesRegex("reminders/[0-9]+"));
  EXPECT_FALSE(r.heartbeat());
  EXPECT_EQ(r.plan().customer(), customer.name());
  EXPECT_EQ(r.plan().customer_display_name(), "到期提醒测试公司");
  EXPECT_EQ(time_of(r.plan().plan_time()), plan_time);
  EXPECT_EQ(r.plan().action(), "回电确认报价");
  EXPECT_EQ(r.plan().owner_id(), "rep_a");
  ASSERT_TRUE(r.has_due_time());
  EXPECT_GE(time_of(r.due_time()), plan_time);
  EXPECT_LE(time_of(r.due_time()), clock().now());

  const auto to_manager = manager->wait_for_reminders(1, kDeliveryTimeout);
  ASSERT_THAT(to_manager, SizeIs(1));
  EXPECT_EQ(to_manager[0].name(), r.name()) << "the same reminder, not a copy";

  const auto to_other_manager = other_manager->wait_for_reminders(1, kDeliveryTimeout);
  ASSERT_THAT(to_other_manager, SizeIs(1));
  EXPECT_EQ(to_other_manager[0].plan().customer(), team2_customer.name());

  // Time goes on, the scanner keeps running: nobody gets it a second time,
  // and the colleague never gets it.
  clock().advance(hours(2));
  EXPECT_THAT(owner->reminders_after(kQuietWindow), SizeIs(1));
  EXPECT_THAT(manager->reminders(), SizeIs(1));
  EXPECT_THAT(other_manager->reminders(), SizeIs(1));
  EXPECT_THAT(colleague->reminders(), IsEmpty());
  for (auto* stream : {owner.get(), manager.get(), colleague.get(), other_manager.get()}) {
    EXPECT_FALSE(stream->wait_for_end(milliseconds(0))) << "a stream ended early";
  }
}

TEST_F(ReminderTest, AReminderDueWhileDisconnectedIsDeliveredOnConnectOnceAndAgainAfterARestart) {
  const TimePoint start = clock().now();
  const TimePoint plan_time = start + hours(1);
  const auto customer = planned_customer(kRepA, "离线提醒测试公司", plan_time, "发送合同");

  // Only the manager listens: their stream shows that the reminder exists.
  auto witness = sys().watch(kManager1);
  expect_streams_open(1);
  clock().set(plan_time + minutes(1));
  const auto seen = witness->wait_for_reminders(1, kDeliveryTimeout);
  ASSERT_THAT(seen, SizeIs(1)) << "the scanner made no reminder";
  const std::string name = seen[0].name();
  const TimePoint due_time = time_of(seen[0].due_time());
  clock().advance(minutes(30));

  // The owner connects afterwards, asking for reminders since before it came due.
  {
    auto owner = sys().watch(kRepA, start);
    const auto delivered = owner->wait_for_reminders(1, kDeliveryTimeout);
    ASSERT_THAT(delivered, SizeIs(1)) << "the missed reminder was not delivered on connect";
    EXPECT_EQ(delivered[0].name(), name);
    EXPECT_EQ(delivered[0].plan().customer(), customer.name());
    EXPECT_EQ(time_of(delivered[0].due_time()), due_time);
    EXPECT_THAT(owner->reminders_after(kQuietWindow), SizeIs(1)) << "delivered twice";
  }
  // Asking only for reminders after it came due: not delivered.
  {
    auto owner = sys().watch(kRepA, clock().now());
    EXPECT_THAT(owner->reminders_after(kQuietWindow), IsEmpty());
  }
  EXPECT_THAT(witness->reminders(), SizeIs(1));
  witness.reset();

  // A new process on the same database: the same reminder, once per stream.
  sys().restart_followup_service();
  auto owner = sys().watch(kRepA, start);
  const auto after_restart = owner->wait_for_reminders(1, kDeliveryTimeout);
  ASSERT_THAT(after_restart, SizeIs(1)) << "the reminder was lost in the restart";
  EXPECT_EQ(after_restart[0].name(), name) << "the restarted scanner made a second reminder";
  EXPECT_EQ(time_of(after_restart[0].due_time()), due_time);
  auto manager = sys().watch(kManager1);  // default since: 24 hours ago
  const auto to_manager = manager->wait_for_reminders(1, kDeliveryTimeout);
  ASSERT_THAT(to_manager, SizeIs(1));
  EXPECT_EQ(to_manager[0].name(), name);
  clock().advance(hours(1));
  EXPECT_THAT(owner->reminders_after(kQuietWindow), SizeIs(1));
  EXPECT_THAT(manager->reminders(), SizeIs(1));
}

TEST_F(ReminderTest, EachPlanTimeIsOneReminderAndStreamsReceiveThemInDueOrder) {
  const TimePoint start = clock().now();
  const auto first = planned_customer(kRepA, "先到期客户", start + hours(1), "第一件事");
  const auto second = planned_customer(kRepA, "后到期客户", start + hours(2), "第二件事");
  clock().set(start + hours(1) + minutes(1));
  auto witness = sys().watch(kRepA);
  ASSERT_THAT(witness->wait_for_reminders(1, kDeliveryTimeout), SizeIs(1));
  clock().set(start + hours(2) + minutes(1));
  const auto both = witness->wait_for_reminders(2, kDeliveryTimeout);
  ASSERT_THAT(both, SizeIs(2));
  EXPECT_EQ(both[0].plan().customer(), first.name());
  EXPECT_EQ(both[1].plan().customer(), second.name());
  EXPECT_NE(both[0].name(), both[1].name());

  // Re-planning the first customer makes a new plan time: a new reminder.
  ASSERT_TRUE(sys().plan(kRepA, first.name(), clock().now() + hours(1), "再次回访").ok());
  clock().advance(hours(1) + minutes(1));
  const auto three = witness->wait_for_reminders(3, kDeliveryTimeout);
  ASSERT_THAT(three, SizeIs(3));
  EXPECT_EQ(three[2].plan().customer(), first.name());
  EXPECT_EQ(three[2].plan().action(), "再次回访");

  auto late_joiner = sys().watch(kRepA, start);
  const auto all = late_joiner->wait_for_reminders(3, kDeliveryTimeout);
  ASSERT_THAT(all, SizeIs(3));
  EXPECT_EQ(all[0].name(), both[0].name()) << "oldest first";
  EXPECT_EQ(all[1].name(), both[1].name());
  EXPECT_EQ(all[2].name(), three[2].name());
  EXPECT_THAT(late_joiner->reminders_after(kQuietWindow), SizeIs(3));
}

class HeartbeatTest : public ReminderTest {
 protected:
  std::vector<std::string> followup_args() const override {
    return {"--reminder-heartbeat-interval=1s"};
  }
};

TEST_F(HeartbeatTest, AnIdleStreamGetsHeartbeatsAndIsCountedWhileOpen) {
  auto stream = sys().watch(kRepA);
  expect_streams_open(1);
  const auto beats = stream->wait_for_heartbeats(2, seconds(5));
  ASSERT_GE(beats.size(), 2u) << "fewer than 2 heartbeats in 5 s at a 1 s interval";
  for (const auto& beat : beats) {
    EXPECT_TRUE(beat.heartbeat());
    EXPECT_EQ(beat.name(), "");
  }
  EXPECT_THAT(stream->reminders(), IsEmpty());

  stream.reset();  // the client goes away
  expect_streams_open(0);
}

}  // namespace
}  // namespace salesfollow::testing::followup
