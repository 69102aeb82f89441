// Tests of opening a tap: a real one named ztest<pid> when /dev/net/tun and CAP_NET_ADMIN
// are available (skipped otherwise), and the errors for bad names and busy taps.
#include "net/tap.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace zapotec::net {
namespace {

std::string test_tap_name(const char* suffix = "") {
    return "ztest" + std::to_string(::getpid()) + suffix;
}

// Why tap tests cannot run here, if they cannot.
std::optional<std::string> skip_reason() {
    UniqueFd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (!tun)
        return std::string("cannot open /dev/net/tun: ") + std::strerror(errno);
    return std::nullopt;
}

TEST(Tap, OpensWithVnetHeaderNonBlocking) {
    if (auto reason = skip_reason())
        GTEST_SKIP() << *reason;
    std::string name = test_tap_name();
    auto tap = Tap::open(name);
    if (!tap && tap.error().code() == EPERM)
        GTEST_SKIP() << "no CAP_NET_ADMIN to create a tap: " << tap.error().message();
    ASSERT_TRUE(tap.has_value()) << tap.error().message();
    EXPECT_EQ(tap->name(), name);

    int header_size = 0;
    ASSERT_EQ(::ioctl(tap->fd(), TUNGETVNETHDRSZ, &header_size), 0);
    EXPECT_EQ(header_size, 12);
    ifreq request{};
    ASSERT_EQ(::ioctl(tap->fd(), TUNGETIFF, &request), 0);
    EXPECT_EQ(request.ifr_name, name);
    EXPECT_TRUE(request.ifr_flags & IFF_TAP);
    EXPECT_TRUE(request.ifr_flags & IFF_NO_PI);
    EXPECT_TRUE(request.ifr_flags & IFF_VNET_HDR);
    EXPECT_TRUE(::fcntl(tap->fd(), F_GETFL) & O_NONBLOCK);

    // Checksum offload is there on every kernel this runs on, and can be set and cleared.
    EXPECT_TRUE(tap->supported_offloads() & TUN_F_CSUM);
    EXPECT_TRUE(tap->set_offloads(tap->supported_offloads()).has_value());
    EXPECT_TRUE(tap->set_offloads(0).has_value());

    // Nothing has been sent to a tap that is down: a read finds nothing and does not block.
    std::array<uint8_t, 128> buffer{};
    auto read = tap->read_frame(buffer);
    ASSERT_TRUE(read.has_value()) << read.error().message();
    EXPECT_FALSE(read->has_value());
}

TEST(Tap, BusyTapNamesItself) {
    if (auto reason = skip_reason())
        GTEST_SKIP() << *reason;
    std::string name = test_tap_name("b");
    auto first = Tap::open(name);
    if (!first && first.error().code() == EPERM)
        GTEST_SKIP() << "no CAP_NET_ADMIN to create a tap: " << first.error().message();
    ASSERT_TRUE(first.has_value()) << first.error().message();
    auto second = Tap::open(name);
    ASSERT_FALSE(second.has_value());
    const std::string& message = second.error().message();
    EXPECT_EQ(message.rfind("cannot open tap '" + name + "': ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(Tap, BadNames) {
    auto empty = Tap::open("");
    ASSERT_FALSE(empty.has_value());
    EXPECT_NE(empty.error().message().find("1 to 15 characters"), std::string::npos);
    auto long_name = Tap::open("a-name-far-too-long");
    ASSERT_FALSE(long_name.has_value());
    EXPECT_NE(long_name.error().message().find("'a-name-far-too-long'"), std::string::npos);
    EXPECT_FALSE(Tap::open("a/b").has_value());
}

TEST(Tap, PermissionErrorTellsHowToFixIt) {
    if (auto reason = skip_reason())
        GTEST_SKIP() << *reason;
    // A child without CAP_NET_ADMIN in its effective set cannot create a tap.
    std::string name = test_tap_name("p");
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        if (::syscall(SYS_capget, &header, data) != 0)
            ::_exit(2);
        data[0].effective &= ~(1u << CAP_NET_ADMIN);
        if (::syscall(SYS_capset, &header, data) != 0)
            ::_exit(2);
        auto tap = Tap::open(name);
        if (tap)
            ::_exit(3);
        const std::string& message = tap.error().message();
        bool clear = message == "cannot open tap '" + name +
                                    "': Operation not permitted (create it with `ip tuntap add " +
                                    name + " mode tap` or run with CAP_NET_ADMIN)";
        ::_exit(clear ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 2)
        GTEST_SKIP() << "cannot drop CAP_NET_ADMIN here";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "3: opened without CAP_NET_ADMIN; 1: wrong message";
}

}  // namespace
}  // namespace zapotec::net
