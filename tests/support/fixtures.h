// tests/support/fixtures.h — locating ../shared/fixtures from tests.
//
// Tests that need shared fixtures call `fixture_path("models/x.gguf")`; when the shared folder is
// absent they call SKIP_WITHOUT_FIXTURES() first, which records a message and returns early (a
// skipped test is reported as skipped in the output, never as a pass of the check it skipped).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hearth::test {

std::filesystem::path shared_dir();
bool have_fixtures();
std::filesystem::path fixture_path(const std::string& relative);
std::string read_file(const std::filesystem::path& path);
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir, const std::string& extension);

}  // namespace hearth::test

// Catch2 v2 has no SKIP(): warn "SKIPPED: …" and leave the test case. tests/support/catch_main.cpp
// collects these warnings and makes CTest report the suite as Skipped (never as passed).
#define SKIP_WITHOUT_FIXTURES()                                                                   \
  do {                                                                                            \
    if (!::hearth::test::have_fixtures()) {                                                       \
      WARN("SKIPPED: ../shared/fixtures not found at " << ::hearth::test::shared_dir().string()); \
      return;                                                                                     \
    }                                                                                             \
  } while (0)
