#include "salesfollow/common/system_service.h"

#include "salesfollow/common/errors.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/common/version.h"

namespace salesfollow {

SystemServiceImpl::SystemServiceImpl(std::string component, int required_schema_version,
                                     ConnectionPool& db, const Clock& clock)
    : component_(std::move(component)),
      required_schema_version_(required_schema_version),
      db_(db),
      clock_(clock) {}

grpc::Status SystemServiceImpl::GetSystemInfo(grpc::ServerContext* context,
                                              const v1::GetSystemInfoRequest* /*request*/,
                                              v1::SystemInfo* response) {
  return guarded("GetSystemInfo", [&] {
    const int schema_version = db_.run(
        [](soci::session& sql) {
          int version = 0;
          sql << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", soci::into(version);
          return version;
        },
        remaining_budget(*context, db_.config().acquire_timeout));
    response->set_component(component_);
    response->set_version(kVersion);
    response->set_schema_version(schema_version);
    response->set_required_schema_version(required_schema_version_);
    *response->mutable_now() = to_timestamp(clock_.now());
    response->set_test_clock(clock_.is_test_clock());
    return grpc::Status::OK;
  });
}

}  // namespace salesfollow
