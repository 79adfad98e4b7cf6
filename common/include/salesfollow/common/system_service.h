#pragma once

#include "salesfollow/common/clock.h"
#include "salesfollow/common/db_pool.h"
#include "salesfollow/v1/system.grpc.pb.h"

namespace salesfollow {

// salesfollow.v1.SystemService: what the process is and which schema it sees.
class SystemServiceImpl final : public v1::SystemService::Service {
 public:
  SystemServiceImpl(std::string component, int required_schema_version, ConnectionPool& db,
                    const Clock& clock);

  grpc::Status GetSystemInfo(grpc::ServerContext* context, const v1::GetSystemInfoRequest* request,
                             v1::SystemInfo* response) override;

 private:
  std::string component_;
  int required_schema_version_;
  ConnectionPool& db_;
  const Clock& clock_;
};

}  // namespace salesfollow
