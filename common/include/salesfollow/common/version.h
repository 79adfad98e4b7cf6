#pragma once

namespace salesfollow {
// Set by CMake from project(VERSION ...).
extern const char* const kVersion;
}  // namespace salesfollow
