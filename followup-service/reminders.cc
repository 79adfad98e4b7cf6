#include "reminders.h"

#include <fmt/format.h>

#include "salesfollow/common/errors.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/common/log.h"
#include "salesfollow/common/text.h"

namespace salesfollow::followup_service {

ReminderScanner::ReminderScanner(ConnectionPool& db, const Clock& clock,
                                 const TeamCalendar& calendar, FollowUpServiceImpl& service,
                                 FollowUpMetrics& metrics, std::chrono::milliseconds interval,
                                 std::chrono::milliseconds overdue_interval)
    : db_(db),
      clock_(clock),
      calendar_(calendar),
      service_(service),
      metrics_(metrics),
      interval_(interval),
      overdue_interval_(overdue_interval) {}

ReminderScanner::~ReminderScanner() { stop(); }

void ReminderScanner::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      scan_once();
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

void ReminderScanner::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReminderScanner::scan_once() {
  try {
    const TimePoint now = clock_.now();
    const TimePoint today_start = calendar_.start_of_day(calendar_.local_date(now));
    const auto started = std::chrono::steady_clock::now();
    const bool count_overdue =
        !overdue_refreshed_ || started - *overdue_refreshed_ >= overdue_interval_;
    const auto [created, overdue] = db_.run([&](soci::session& sql) {
      FollowUpRepository repository(sql);
      const int made = repository.create_due_reminders(now);
      return std::make_pair(made, count_overdue ? repository.overdue_by_owner(today_start)
                                                : std::vector<std::pair<std::string, long long>>{});
    });
    if (count_overdue) {
      metrics_.set_overdue(overdue);
      overdue_refreshed_ = started;
    }
    if (created > 0) {
      log::info("reminders_due", {{"created", created}});
    }
    service_.notify_reminders();  // streams also re-check on their own timer
  } catch (const std::exception& e) {
    // The database may be down: the next tick tries again.
    log::warn("reminder_scan_failed", {{"error", e.what()}});
  }
}

void FollowUpServiceImpl::notify_reminders() {
  {
    const std::lock_guard lock(streams_mutex_);
    ++reminder_generation_;
  }
  streams_wake_.notify_all();
}

void FollowUpServiceImpl::stop_streams() {
  {
    const std::lock_guard lock(streams_mutex_);
    stopping_ = true;
  }
  streams_wake_.notify_all();
}

grpc::Status FollowUpServiceImpl::WatchReminders(grpc::ServerContext* context,
                                                 const v1::WatchRemindersRequest* request,
                                                 grpc::ServerWriter<v1::Reminder>* writer) {
  return guarded("WatchReminders", [&] {
    const Caller caller = deps_.tokens.authenticate(*context);
    const CustomerScope scope = scope_of(caller);
    const TimePoint since = request->has_since() ? checked_time(request->since(), "since")
                                                 : deps_.clock.now() - std::chrono::hours(24);
    {
      const std::lock_guard lock(streams_mutex_);
      if (open_streams_ >= deps_.settings.max_reminder_streams) {
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            fmt::format("{} reminder streams are open, the most this replica "
                                        "serves; retry later or on another replica",
                                        open_streams_));
      }
      ++open_streams_;
    }
    deps_.metrics.stream_opened();
    struct Closer {
      FollowUpServiceImpl& service;
      ~Closer() {
        service.deps_.metrics.stream_closed();
        const std::lock_guard lock(service.streams_mutex_);
        --service.open_streams_;
      }
    } closer{*this};

    // The subscription's cursor: every reminder is sent once, in id order.
    // Writes block while the client is slow (HTTP/2 flow control), and each
    // round reads at most kBatch rows, so memory stays bounded.
    constexpr int kBatch = 100;
    std::uint64_t after_id = 0;
    auto last_write = std::chrono::steady_clock::now();
    for (;;) {
      std::uint64_t generation = 0;
      {
        const std::lock_guard lock(streams_mutex_);
        if (stopping_) return grpc::Status::OK;
        generation = reminder_generation_;
      }
      if (context->IsCancelled())
        return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
      std::vector<ReminderRow> rows;
      try {
        rows = deps_.db.run([&](soci::session& sql) {
          return FollowUpRepository(sql).reminders_after(scope, since, after_id, kBatch);
        });
      } catch (const DatabaseUnavailable&) {
        rows.clear();  // keep the stream; try again on the next round
      }
      for (const auto& row : rows) {
        v1::Reminder reminder;
        reminder.set_name(fmt::format("reminders/{}", row.id));
        *reminder.mutable_plan() = plan_to_proto(row.plan);
        *reminder.mutable_due_time() = to_timestamp(row.due_at);
        if (!writer->Write(reminder))
          return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
        after_id = row.id;
        last_write = std::chrono::steady_clock::now();
      }
      if (rows.size() == static_cast<std::size_t>(kBatch)) continue;
      if (std::chrono::steady_clock::now() - last_write >= deps_.settings.heartbeat_interval) {
        v1::Reminder heartbeat;
        heartbeat.set_heartbeat(true);
        if (!writer->Write(heartbeat))
          return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
        last_write = std::chrono::steady_clock::now();
      }
      std::unique_lock lock(streams_mutex_);
      streams_wake_.wait_for(
          lock, std::min(deps_.settings.poll_interval, deps_.settings.heartbeat_interval),
          [&] { return stopping_ || reminder_generation_ != generation; });
    }
  });
}

}  // namespace salesfollow::followup_service
