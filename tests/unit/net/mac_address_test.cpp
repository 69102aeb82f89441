// Tests of the MAC address helpers.
#include "net/mac_address.hpp"

#include <gtest/gtest.h>

namespace zapotec::net {
namespace {

TEST(MacAddress, Formats) {
    EXPECT_EQ(format_mac({0x02, 0xab, 0x0c, 0x00, 0xff, 0x10}), "02:ab:0c:00:ff:10");
}

TEST(MacAddress, GeneratedIsLocallyAdministeredUnicastAndRandom) {
    auto first = generate_mac();
    auto second = generate_mac();
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ((*first)[0] & 0x03, 0x02);
    EXPECT_FALSE(is_multicast(*first));
    // 46 random bits: equal twice in a row would be a 2^-46 event.
    EXPECT_NE(*first, *second);
    EXPECT_TRUE(is_multicast({0x01, 0, 0x5e, 0, 0, 1}));
}

}  // namespace
}  // namespace zapotec::net
