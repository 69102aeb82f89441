// Runs the zapotec binary as a child process and captures its exit status and output.
#pragma once

#include <string>
#include <vector>

namespace zapotec::testing {

struct ProcessResult {
    int exit_code = -1;  // -1 when it did not exit normally (killed by a signal, timeout).
    std::string out;
    std::string err;
};

// Runs zapotec with `args`, stdin from /dev/null, killing it after `timeout_seconds`.
ProcessResult run_zapotec(const std::vector<std::string>& args, int timeout_seconds = 30);

std::string payload(const std::string& name);

// Non-empty when /dev/kvm cannot be used here; the reason, for GTEST_SKIP.
std::string kvm_unavailable_reason();

}  // namespace zapotec::testing
