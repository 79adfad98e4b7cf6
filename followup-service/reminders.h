// The reminder scanner: on every tick it turns plans that came due (by the
// product clock) into `reminders` rows, wakes the connected WatchReminders
// streams, and refreshes the overdue gauge. Any replica may run it: the
// unique key on (customer, plan time) keeps each reminder single.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "followup_service.h"

namespace salesfollow::followup_service {

class ReminderScanner {
 public:
  ReminderScanner(ConnectionPool& db, const Clock& clock, const TeamCalendar& calendar,
                  FollowUpServiceImpl& service, FollowUpMetrics& metrics,
                  std::chrono::milliseconds interval, std::chrono::milliseconds overdue_interval);
  ~ReminderScanner();
  ReminderScanner(const ReminderScanner&) = delete;
  ReminderScanner& operator=(const ReminderScanner&) = delete;

  void start();
  void stop();
  // One pass (also used by tests of the pass itself).
  void scan_once();

 private:
  ConnectionPool& db_;
  const Clock& clock_;
  const TeamCalendar& calendar_;
  FollowUpServiceImpl& service_;
  FollowUpMetrics& metrics_;
  std::chrono::milliseconds interval_;
  // The overdue gauge counts every overdue plan: refreshed on the first pass
  // and then at most this often, not on every tick.
  std::chrono::milliseconds overdue_interval_;
  std::optional<std::chrono::steady_clock::time_point> overdue_refreshed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace salesfollow::followup_service
