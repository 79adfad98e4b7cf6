// salesctl's exit codes, for scripts (docs/SALESCTL.md lists them).
#pragma once

namespace salesfollow::salesctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      // anything else (internal, unknown)
inline constexpr int kExitUsage = 2;        // bad command line or configuration
inline constexpr int kExitUnavailable = 3;  // service unreachable or too slow
inline constexpr int kExitNotFound = 4;     // NOT_FOUND
inline constexpr int kExitDenied = 5;       // UNAUTHENTICATED, PERMISSION_DENIED
inline constexpr int kExitInvalid = 6;      // INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE
inline constexpr int kExitConflict = 7;     // ALREADY_EXISTS, ABORTED (stale etag, duplicate)
inline constexpr int kExitPartial = 8;      // an import finished with rejected rows

}  // namespace salesfollow::salesctl
