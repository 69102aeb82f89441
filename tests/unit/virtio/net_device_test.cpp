// Tests of the network device's description: features, configuration space, the offloads
// it asks of the backend at activation, metrics and saved state.
#include <gtest/gtest.h>

#include <linux/if_tun.h>

#include <map>
#include <string>

#include "net_fixture.hpp"

namespace zapotec::virtio {
namespace {

using testing::NetTest;

class RecordingSink : public MetricSink {
  public:
    void counter(std::string_view name, uint64_t value) override {
        values[std::string(name)] = value;
    }
    std::map<std::string, uint64_t> values;
};

TEST_F(NetTest, FeaturesAndConfigSpace) {
    NetConfig config;
    config.guest_mac = MacAddress{0x06, 0x00, 0xac, 0x10, 0x00, 0x02};
    config.mtu = 1400;
    ASSERT_TRUE(start(NetDevice::kRxQueue, kFeatures, config));
    EXPECT_EQ(device_->device_type(), DeviceType::Net);
    EXPECT_EQ(device_->name(), "net eth0");
    EXPECT_EQ(device_->queue_max_sizes(), (std::vector<uint16_t>{256, 256}));
    uint64_t features = device_->device_features();
    for (uint64_t bit :
         {kFeatureVersion1, kFeatureRingEventIdx, kFeatureRingIndirectDesc, kNetFeatureMac,
          kNetFeatureStatus, kNetFeatureMrgRxbuf, kNetFeatureMtu, kNetFeatureCsum,
          kNetFeatureGuestCsum, kNetFeatureGuestTso4, kNetFeatureGuestTso6, kNetFeatureHostTso4,
          kNetFeatureHostTso6, kNetFeatureHostUfo}) {
        EXPECT_TRUE(features & bit) << std::hex << bit;
    }

    std::array<uint8_t, 16> space{};
    space.fill(0xee);
    device_->read_config(0, space);
    EXPECT_EQ(space, (std::array<uint8_t, 16>{0x06, 0x00, 0xac, 0x10, 0x00, 0x02, 1, 0, 1, 0, 0x78,
                                              0x05, 0, 0, 0, 0}));
    // A write is ignored; a read past the end is zeros.
    std::array<uint8_t, 2> junk{0xff, 0xff};
    device_->write_config(0, junk);
    std::array<uint8_t, 2> mac_start{};
    device_->read_config(0, mac_start);
    EXPECT_EQ(mac_start, (std::array<uint8_t, 2>{0x06, 0x00}));
    device_->read_config(100, junk);
    EXPECT_EQ(junk, (std::array<uint8_t, 2>{}));
}

TEST_F(NetTest, WithoutMtuOrMacTheDeviceGeneratesAMac) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    EXPECT_FALSE(device_->device_features() & kNetFeatureMtu);
    const MacAddress& mac = device_->mac();
    EXPECT_EQ(mac[0] & 0x03, 0x02);  // Locally administered unicast.
    EXPECT_EQ(device_->save().config.guest_mac, mac);
}

TEST_F(NetTest, ActivationSetsTheOffloadsTheGuestAccepted) {
    ASSERT_TRUE(
        start(NetDevice::kRxQueue, kFeatures | kNetFeatureGuestCsum | kNetFeatureGuestTso4));
    EXPECT_EQ(backend_->offloads, static_cast<unsigned>(TUN_F_CSUM | TUN_F_TSO4));
}

TEST_F(NetTest, ActivationWithoutChecksumOffloadClearsOffloads) {
    ASSERT_TRUE(start(NetDevice::kRxQueue, kFeatures | kNetFeatureGuestTso4));
    EXPECT_EQ(backend_->offloads, 0u);
}

TEST_F(NetTest, RejectsBadConfig) {
    auto backend = [] { return std::make_unique<testing::SocketBackend>(UniqueFd(), 0); };
    NetConfig low_mtu{.iface_id = "eth0", .mtu = 20};
    auto device = NetDevice::create(low_mtu, backend());
    ASSERT_FALSE(device.has_value());
    EXPECT_NE(device.error().message().find("mtu"), std::string::npos);

    NetConfig multicast{.iface_id = "eth0", .guest_mac = MacAddress{1, 2, 3, 4, 5, 6}};
    device = NetDevice::create(multicast, backend());
    ASSERT_FALSE(device.has_value());
    EXPECT_NE(device.error().message().find("guest_mac"), std::string::npos);

    NetConfig bad_limiter{.iface_id = "eth0"};
    bad_limiter.tx_rate_limiter =
        RateLimiterConfig{TokenBucketConfig{100, std::nullopt, 0}, std::nullopt};
    device = NetDevice::create(bad_limiter, backend());
    ASSERT_FALSE(device.has_value());
    EXPECT_EQ(device.error().message().rfind("tx_rate_limiter.bandwidth", 0), 0u)
        << device.error().message();
}

TEST_F(NetTest, MetricsAndState) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    driver_.post({{driver_.allocate(2048), 2048, true}});
    driver_.post({{driver_.allocate(2048), 2048, true}});
    send_to_device(make_frame(60));
    device_->process_rx();

    RecordingSink sink;
    device_->collect_metrics(sink);
    EXPECT_EQ(sink.values.size(), 9u);
    EXPECT_EQ(sink.values["rx_packets"], 1u);
    EXPECT_EQ(sink.values["rx_bytes"], 60u);
    EXPECT_EQ(sink.values["tx_packets"], 0u);
    EXPECT_EQ(sink.values.count("errors"), 1u);

    NetDevice::State state = device_->save();
    EXPECT_EQ(state.acked_features, kFeatures);
    ASSERT_EQ(state.queues.size(), 2u);
    // The frame needed one chain; the other is still the driver's.
    EXPECT_EQ(state.queues[NetDevice::kRxQueue].next_avail, 1);
    EXPECT_EQ(state.queues[NetDevice::kRxQueue].next_used, 1);
    EXPECT_FALSE(state.queues[NetDevice::kTxQueue].ready);
}

TEST_F(NetTest, ActivationChecksItsContext) {
    ASSERT_TRUE(start(NetDevice::kRxQueue));
    auto again = device_->activate(driver_.activation(interrupt_, kFeatures));
    EXPECT_FALSE(again.has_value());
    device_->reset();
    // One queue where the device has two.
    auto one_queue = device_->activate(driver_.activation(interrupt_, kFeatures));
    ASSERT_FALSE(one_queue.has_value());
    EXPECT_NE(one_queue.error().message().find("expected 2"), std::string::npos);
}

}  // namespace
}  // namespace zapotec::virtio
