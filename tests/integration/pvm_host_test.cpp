// On a PVM host (/dev/kvm is kvm_pvm) a stock Linux bzImage cannot run: zapotec must say so
// in one line before starting a guest. Elsewhere the check must stay out of the way.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "../unit/loader/test_images.hpp"
#include "run_zapotec.hpp"

namespace zapotec::testing {
namespace {

TEST(PvmHost, StockBzImageIsRefusedWithTheReason) {
    if (access("/sys/module/kvm_pvm", F_OK) != 0)
        GTEST_SKIP() << "not a PVM host";
    std::string path = "/tmp/zapotec-test-bzimage";
    auto image = test::make_bzimage();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(image.data()),
               static_cast<std::streamsize>(image.size()));
    auto result = run_zapotec({"run", "--kernel", path, "--memory", "64"});
    unlink(path.c_str());
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("kvm_pvm"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("nested lab"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

}  // namespace
}  // namespace zapotec::testing
