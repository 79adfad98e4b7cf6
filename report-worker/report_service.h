// salesfollow.v1.ReportService, served by the report-worker process: reads
// the summary tables, applies the caller's scope, and computes shares,
// changes, means and medians for the asked scope.
#pragma once

#include <functional>

#include "report_runner.h"
#include "salesfollow/common/auth.h"
#include "salesfollow/common/page_token.h"
#include "salesfollow/v1/report.grpc.pb.h"

namespace salesfollow::report_worker {

class ReportServiceImpl final : public v1::ReportService::Service {
 public:
  ReportServiceImpl(ConnectionPool& db, const Clock& clock, const TeamCalendar& calendar,
                    const TokenVerifier& tokens, const PageTokenCodec& page_tokens,
                    ReportRunner& runner)
      : db_(db),
        clock_(clock),
        calendar_(calendar),
        tokens_(tokens),
        page_tokens_(page_tokens),
        runner_(runner) {}

  grpc::Status GetWeeklyReview(grpc::ServerContext* context,
                               const v1::GetWeeklyReviewRequest* request,
                               v1::WeeklyReview* response) override;
  grpc::Status GetMonthlyDistribution(grpc::ServerContext* context,
                                      const v1::GetMonthlyDistributionRequest* request,
                                      v1::MonthlyDistribution* response) override;
  grpc::Status ListReportRuns(grpc::ServerContext* context,
                              const v1::ListReportRunsRequest* request,
                              v1::ListReportRunsResponse* response) override;
  grpc::Status RunReports(grpc::ServerContext* context, const v1::RunReportsRequest* request,
                          v1::ReportRun* response) override;

 private:
  ConnectionPool& db_;
  const Clock& clock_;
  const TeamCalendar& calendar_;
  const TokenVerifier& tokens_;
  const PageTokenCodec& page_tokens_;
  ReportRunner& runner_;
};

// Median with the mean of the two middle values for an even count.
double median_of(std::vector<double> values);

}  // namespace salesfollow::report_worker
