// libFuzzer target for the virtio-net device: a hostile driver (fuzz_driver.hpp) posts RX and
// TX chains, the in-memory backend below hands the device frames from the input, and the
// input interleaves kicks, resets, limiter updates and config accesses. A crash, a sanitizer
// report, or a frame handed to the backend that is not inside guest memory is a bug.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "devices/virtio/net/net_device.hpp"
#include "devices/virtio/net/net_header.hpp"
#include "devices/virtio/net/offloads.hpp"
#include "fuzz_driver.hpp"
#include "fuzz_input.hpp"
#include "fuzz_rate_limit.hpp"

namespace {

using namespace zapotec;
using namespace zapotec::virtio;
using zapotec::fuzzing::FuzzBuffer;
using zapotec::fuzzing::FuzzDriver;
using zapotec::fuzzing::InputReader;

// A backend with no fd behind it: frames to receive are queued by the input, frames sent are
// checked against guest memory and dropped. Full and failing states are set by the input.
class MemoryBackend final : public net::NetBackend {
  public:
    explicit MemoryBackend(const GuestMemory& memory) : memory_(memory) {}

    std::string name() const override { return "memory"; }
    // The device watches fd() only on an event loop, which this target does not give it.
    int fd() const override { return -1; }
    Result<std::optional<size_t>> read_frame(std::span<uint8_t> buffer) override {
        if (read_fails)
            return make_error("injected read failure");
        if (frames.empty())
            return std::optional<size_t>();
        std::vector<uint8_t> frame = std::move(frames.front());
        frames.pop_front();
        size_t length = std::min(frame.size(), buffer.size());
        std::copy_n(frame.begin(), length, buffer.begin());
        return std::optional<size_t>(length);
    }
    Result<std::optional<size_t>> write_frame(std::span<const iovec> parts) override {
        size_t total = 0;
        for (const iovec& part : parts) {
            if (!inside_guest_memory(part))
                __builtin_trap();
            // Touch every byte, so that ASan sees a part that is not what it claims.
            const auto* bytes = static_cast<const uint8_t*>(part.iov_base);
            for (size_t i = 0; i < part.iov_len; ++i)
                checksum += bytes[i];
            total += part.iov_len;
        }
        if (total < kNetHeaderSize || total > kMaxFrameWithHeader)
            __builtin_trap();
        if (write_fails)
            return make_error("injected write failure");
        if (full)
            return std::optional<size_t>();
        return std::optional<size_t>(total);
    }
    unsigned supported_offloads() const override { return 0x1f; }
    Result<> set_offloads(unsigned) override { return {}; }

    std::deque<std::vector<uint8_t>> frames;
    bool read_fails = false;
    bool write_fails = false;
    bool full = false;
    uint8_t checksum = 0;

  private:
    bool inside_guest_memory(const iovec& part) const {
        auto start = reinterpret_cast<uintptr_t>(part.iov_base);
        for (const auto& region : memory_.regions()) {
            auto base = reinterpret_cast<uintptr_t>(region.host_address());
            if (start >= base && part.iov_len <= region.size() &&
                start - base <= region.size() - part.iov_len)
                return true;
        }
        return false;
    }

    const GuestMemory& memory_;
};

uint64_t take_features(InputReader& input) {
    return fuzzing::take_features(
        input, {kFeatureRingEventIdx, kFeatureRingIndirectDesc, kNetFeatureMrgRxbuf,
                kNetFeatureGuestCsum | kNetFeatureGuestTso4 | kNetFeatureGuestTso6,
                kNetFeatureGuestEcn | kNetFeatureGuestUfo | kNetHostOffloads});
}

// A frame for the backend to deliver: header and a prefix from the input, padded to a length
// the input picks (up to the largest frame, to reach the too-large and mergeable paths).
std::vector<uint8_t> take_frame(InputReader& input) {
    uint8_t mode = input.take<uint8_t>();
    size_t length =
        (mode & 1) ? input.take<uint32_t>() % (kMaxFrameWithHeader + 16) : input.take<uint8_t>();
    std::vector<uint8_t> frame(length, 0);
    auto prefix = input.take_bytes(std::min<size_t>(length, 64));
    std::copy(prefix.begin(), prefix.end(), frame.begin());
    return frame;
}

// Chains of writable buffers as a Linux driver posts them for RX, a few at a time.
void post_rx_buffers(FuzzDriver& driver, InputReader& input) {
    size_t chains = 1 + input.take<uint8_t>() % 4;
    for (size_t c = 0; c < chains; ++c) {
        uint8_t mode = input.take<uint8_t>();
        size_t count = 1 + (mode >> 4) % 3;
        std::vector<FuzzBuffer> buffers;
        for (size_t i = 0; i < count; ++i) {
            uint32_t length = input.take<uint16_t>() % 0x1800;
            buffers.push_back({driver.allocate(length), length, true});
        }
        driver.post(NetDevice::kRxQueue, buffers, mode & 1);
    }
}

// A TX chain: a header from the input and frame pieces, all readable.
void post_tx_frame(FuzzDriver& driver, InputReader& input) {
    uint8_t mode = input.take<uint8_t>();
    std::vector<FuzzBuffer> buffers;
    size_t pieces = 1 + (mode >> 4) % 4;
    for (size_t i = 0; i < pieces; ++i) {
        uint32_t length = i == 0 && (mode & 2) ? kNetHeaderSize : input.take<uint16_t>() % 0x1800;
        FuzzBuffer buffer{driver.allocate(length), length, false};
        driver.fill_from_input(buffer, input);
        buffers.push_back(buffer);
    }
    driver.post(NetDevice::kTxQueue, buffers, mode & 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static FuzzDriver driver;
    driver.begin();
    InputReader input(data, size);

    auto backend_owner = std::make_unique<MemoryBackend>(*driver.memory());
    MemoryBackend& backend = *backend_owner;
    NetConfig config;
    config.iface_id = "eth0";
    config.guest_mac = MacAddress{0x06, 0x00, 0xac, 0x10, 0x00, 0x02};
    if (uint16_t mtu = input.take<uint16_t>(); mtu & 1)
        config.mtu = mtu;
    config.rx_rate_limiter = fuzzing::take_frozen_limiter(input);
    config.tx_rate_limiter = fuzzing::take_frozen_limiter(input);
    auto created = NetDevice::create(std::move(config), std::move(backend_owner));
    if (!created)
        return 0;
    NetDevice& device = **created;
    auto interrupt = std::make_shared<fuzzing::NullInterrupt>();
    uint64_t features = take_features(input);
    (void)device.activate(driver.activation(2, input, features, interrupt));

    for (int step = 0; step < 256 && !input.empty(); ++step) {
        switch (input.take<uint8_t>() % 16) {
            case 0:
            case 1:
                post_rx_buffers(driver, input);
                break;
            case 2:
            case 3:
                post_tx_frame(driver, input);
                break;
            case 4:
                driver.post_hostile(input.take<uint8_t>() & 1, input);
                break;
            case 5:
                driver.write_hostile(input.take<uint8_t>() & 1, input);
                break;
            case 6:
            case 7:
                backend.frames.push_back(take_frame(input));
                break;
            case 8:
                device.process_tx();
                break;
            case 9:
                device.on_rx_kick();
                break;
            case 10:
                device.process_rx();
                break;
            case 11: {
                uint8_t flags = input.take<uint8_t>();
                backend.read_fails = flags & 1;
                backend.write_fails = flags & 2;
                backend.full = flags & 4;
                break;
            }
            case 12:
                device.reset();
                (void)device.activate(driver.activation(2, input, take_features(input), interrupt));
                break;
            case 13: {
                auto rx = fuzzing::take_frozen_limiter(input);
                auto tx = fuzzing::take_frozen_limiter(input);
                (void)device.update_rate_limiters(rx, tx);
                break;
            }
            case 14:
                fuzzing::access_config(device, input);
                break;
            case 15:
                (void)device.save();
                (void)device.backend_interest();
                break;
        }
    }
    device.process_tx();
    device.on_rx_kick();
    return 0;
}
