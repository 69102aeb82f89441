// libFuzzer target for the Firecracker config-file parser: any bytes must give a valid
// VmConfig or a one-line error, never a crash, an exception or a leak.
//
// Build and run (libstdc++ 12's <expected> needs the C++20 concepts macro clang 16 lacks):
//   clang++-16 -std=c++2b -D__cpp_concepts=202002L -Wno-macro-redefined -g -O1 \
//     -fsanitize=fuzzer,address,undefined -Isrc fuzz/config_fuzz.cpp src/config/*.cpp \
//     -lfmt -o config_fuzz
//   ./config_fuzz -max_total_time=60 CORPUS_DIR
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config_file.hpp"
#include "config/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = zapotec::parse_config_json(text);
    if (!config) {
        // Errors are single lines.
        if (config.error().message().find('\n') != std::string::npos)
            __builtin_trap();
        return 0;
    }
    // An accepted config is already valid and normalized: validating it again changes nothing.
    auto again = zapotec::validate_vm_config(*config);
    if (!again || again->drives.size() != config->drives.size())
        __builtin_trap();
    if (!config->drives.empty() &&
        std::any_of(config->drives.begin() + 1, config->drives.end(),
                    [](const zapotec::DriveConfig& drive) { return drive.is_root_device; }))
        __builtin_trap();
    return 0;
}
