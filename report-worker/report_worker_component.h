// Wires the report worker: the scheduler that runs a pass every
// --run-interval (or once, or a backfill, then exits) and ReportService.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <thread>

#include "report_runner.h"
#include "report_service.h"
#include "salesfollow/common/process.h"

namespace salesfollow::report_worker {

void add_report_worker_options(Options& options);

class ReportWorkerComponent final : public ProcessComponent {
 public:
  explicit ReportWorkerComponent(ProcessContext& context);
  ~ReportWorkerComponent() override;
  std::vector<ServiceBinding> services() override;
  void start() override;
  void stop() override;
  int exit_code() const override { return exit_code_.load(); }

 private:
  void schedule_loop();

  std::unique_ptr<ConnectionPool> pass_pool_;  // the passes' sessions, long timeouts
  std::unique_ptr<ConnectionPool> read_pool_;  // only with --read-db-host
  std::unique_ptr<TokenVerifier> tokens_;
  std::unique_ptr<PageTokenCodec> page_tokens_;
  std::unique_ptr<ReportMetrics> metrics_;
  std::unique_ptr<ReportRunner> runner_;
  std::unique_ptr<ReportServiceImpl> service_;
  std::chrono::milliseconds interval_{};
  bool once_ = false;
  std::optional<std::pair<LocalDate, LocalDate>> backfill_;
  std::atomic<int> exit_code_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace salesfollow::report_worker
