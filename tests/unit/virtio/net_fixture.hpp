// A virtio-net device over a socketpair "tap" (datagrams keep frame boundaries, and a full
// peer answers EAGAIN like a tap), activated with one of its two queues on a test driver.
#pragma once

#include <gtest/gtest.h>

#include <sys/eventfd.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "counting_interrupt.hpp"
#include "devices/virtio/net/net_device.hpp"
#include "devices/virtio/net/net_header.hpp"
#include "devices/virtio/net/offloads.hpp"
#include "test_driver.hpp"

namespace zapotec::virtio::testing {

// The device's end of a datagram socketpair; counts reads so tests can see it is not polled.
class SocketBackend final : public net::NetBackend {
  public:
    SocketBackend(UniqueFd fd, unsigned supported) : fd_(std::move(fd)), supported_(supported) {}

    std::string name() const override { return "socketpair"; }
    int fd() const override { return fd_.get(); }
    Result<std::optional<size_t>> read_frame(std::span<uint8_t> buffer) override {
        ++reads;
        return net::read_frame_from(fd_.get(), buffer);
    }
    Result<std::optional<size_t>> write_frame(std::span<const iovec> parts) override {
        return net::write_frame_to(fd_.get(), parts);
    }
    unsigned supported_offloads() const override { return supported_; }
    Result<> set_offloads(unsigned tun_flags) override {
        offloads = tun_flags;
        return {};
    }

    std::atomic<int> reads{0};
    std::atomic<unsigned> offloads{~0u};

  private:
    UniqueFd fd_;
    unsigned supported_;
};

class NetTest : public ::testing::Test {
  protected:
    static constexpr uint64_t kFeatures =
        kFeatureVersion1 | kFeatureRingEventIdx | kFeatureRingIndirectDesc | kNetFeatureMrgRxbuf;
    // TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_UFO.
    static constexpr unsigned kAllOffloads = 0x1f;

    // Creates the device and activates it with the driver's queue as `queue_index` and the
    // other queue not enabled; false (with a test failure) when that fails.
    bool start(size_t queue_index, uint64_t features = kFeatures, NetConfig config = {},
               EventLoop* loop = nullptr) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
            ADD_FAILURE() << "socketpair: " << std::strerror(errno);
            return false;
        }
        peer_.reset(fds[1]);
        auto backend = std::make_unique<SocketBackend>(UniqueFd(fds[0]), kAllOffloads);
        backend_ = backend.get();
        if (config.iface_id.empty())
            config.iface_id = "eth0";
        auto device = NetDevice::create(std::move(config), std::move(backend));
        EXPECT_TRUE(device.has_value()) << device.error().message();
        if (!device)
            return false;
        device_ = *device;
        auto other_event = EventFd::create(EFD_NONBLOCK);
        EXPECT_TRUE(other_event.has_value());
        other_event_ = std::make_shared<EventFd>(std::move(*other_event));

        ActivateContext context;
        context.memory = driver_.memory();
        context.interrupt = interrupt_;
        context.acked_features = features;
        context.event_loop = loop;
        for (size_t i = 0; i < 2; ++i) {
            context.queues.push_back(i == queue_index ? driver_.make_queue() : Queue(16));
            context.queue_events.push_back(i == queue_index ? driver_.queue_event() : other_event_);
        }
        auto activated = device_->activate(std::move(context));
        EXPECT_TRUE(activated.has_value()) << activated.error().message();
        return activated.has_value();
    }

    // A frame of a zero header and `payload` bytes counting up from `seed`.
    static std::vector<uint8_t> make_frame(size_t payload, uint8_t seed = 0) {
        std::vector<uint8_t> frame(kNetHeaderSize + payload, 0);
        for (size_t i = 0; i < payload; ++i)
            frame[kNetHeaderSize + i] = static_cast<uint8_t>(seed + i);
        return frame;
    }

    // Puts a frame into the backend for the device to receive.
    void send_to_device(const std::vector<uint8_t>& frame) {
        ASSERT_EQ(::send(peer_.get(), frame.data(), frame.size(), 0),
                  static_cast<ssize_t>(frame.size()));
    }

    // The next frame the device sent, if any.
    std::optional<std::vector<uint8_t>> receive_from_device() {
        std::vector<uint8_t> frame(kMaxFrameWithHeader + 64);
        ssize_t got = ::recv(peer_.get(), frame.data(), frame.size(), MSG_DONTWAIT);
        if (got < 0)
            return std::nullopt;
        frame.resize(static_cast<size_t>(got));
        return frame;
    }

    // An event loop for the device; it outlives the device (members die in reverse order).
    EventLoop* make_loop() {
        auto loop = EventLoop::create();
        EXPECT_TRUE(loop.has_value());
        loop_ = std::move(*loop);
        return loop_.get();
    }

    std::unique_ptr<EventLoop> loop_;
    TestDriver driver_{16};
    std::shared_ptr<CountingInterrupt> interrupt_ = std::make_shared<CountingInterrupt>();
    std::shared_ptr<EventFd> other_event_;
    UniqueFd peer_;
    SocketBackend* backend_ = nullptr;  // Owned by device_.
    std::shared_ptr<NetDevice> device_;
};

}  // namespace zapotec::virtio::testing
