// libFuzzer target for the virtio-pci transport: the input is a script of guest accesses to a
// VirtioPciDevice wrapping an entropy device with 64 KiB of guest memory. Each record is a
// configuration access (through the 0xcf8/0xcfc ports), a BAR0 access, a store into guest
// memory (so rings and descriptors can be whatever the fuzzer likes) or a turn of the event
// loop. Any crash, sanitizer report or hang is a bug, and so is a status that claims
// DRIVER_OK for a device that is not running (or a running device without FEATURES_OK).
//
// Build by hand with clang 16 (libstdc++ 12 offers <expected> only with the concepts macro):
//   clang++-16 -std=c++2b -g -O1 -fsanitize=fuzzer,address,undefined \
//     -U__cpp_concepts -D__cpp_concepts=202002L -Wno-builtin-macro-redefined \
//     -DSPDLOG_FMT_EXTERNAL -Isrc fuzz/virtio_pci_fuzz.cpp src/devices/pci/*.cpp \
//     src/devices/virtio/pci/*.cpp src/devices/virtio/queue/*.cpp \
//     src/devices/virtio/rng/rng_device.cpp src/bus/bus.cpp src/event/event_loop.cpp \
//     src/base/{event_fd,log,mmap_region}.cpp src/memory/guest_memory.cpp \
//     -lspdlog -lfmt -o build/virtio_pci_fuzz
//   ./build/virtio_pci_fuzz -max_total_time=60 CORPUS_DIR
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "base/log.hpp"
#include "bus/bus.hpp"
#include "devices/pci/pci_root.hpp"
#include "devices/virtio/pci/virtio_pci_device.hpp"
#include "devices/virtio/rng/rng_device.hpp"
#include "event/event_loop.hpp"
#include "memory/guest_memory.hpp"

namespace {

using namespace zapotec;

constexpr uint64_t kMemorySize = 0x10000;
constexpr uint64_t kBar0 = 0xc000'0000;

class NullMsiVectors : public pci::MsiVectors {
  public:
    Result<> route(uint16_t vector, std::optional<pci::MsiMessage>) override {
        if (vector >= 2)
            __builtin_trap();  // The table has two entries: a route beyond is a bug.
        return {};
    }
    void trigger(uint16_t vector) override {
        if (vector >= 2)
            __builtin_trap();
    }
};

class NullNotifyRegistry : public virtio::NotifyRegistry {
  public:
    Result<> add(int, uint64_t) override { return {}; }
    Result<> remove(int, uint64_t) override { return {}; }
};

// One record of the script: 12 bytes.
struct Access {
    uint8_t op;     // bits 0-1: target; bit 2: write.
    uint8_t width;  // 1-8 for BAR0, 1/2/4 for config (taken modulo).
    uint16_t offset;
    uint64_t value;
};
constexpr size_t kRecordSize = 12;

Access decode(const uint8_t* data) {
    Access access;
    access.op = data[0];
    access.width = data[1];
    std::memcpy(&access.offset, data + 2, sizeof(access.offset));
    std::memcpy(&access.value, data + 4, sizeof(access.value));
    return access;
}

void check_status(virtio::VirtioPciDevice& transport, const virtio::RngDevice& rng) {
    uint8_t status = transport.status();
    bool claims_running =
        (status & virtio::status::kDriverOk) && !(status & virtio::status::kNeedsReset);
    if (claims_running && !rng.active())
        __builtin_trap();
    if (rng.active() && !(status & virtio::status::kFeaturesOk))
        __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static bool quiet = [] {
        spdlog::set_level(spdlog::level::off);
        return true;
    }();
    (void)quiet;

    auto memory = GuestMemory::create({{GuestAddress(0), kMemorySize}});
    auto loop = EventLoop::create();
    auto rng = virtio::RngDevice::create({.max_bytes_per_request = 256});
    if (!memory || !loop || !rng)
        __builtin_trap();
    auto shared_memory = std::make_shared<GuestMemory>(std::move(*memory));
    virtio::VirtioPciDeps deps{shared_memory, std::make_shared<NullMsiVectors>(),
                               std::make_shared<NullNotifyRegistry>(), loop->get()};
    auto transport = virtio::VirtioPciDevice::create(*rng, std::move(deps), kBar0);
    if (!transport)
        __builtin_trap();
    Bus mmio;
    pci::PciRoot root;
    if (root.add_device(*transport) != 1)
        __builtin_trap();
    (*transport)->attach(&mmio);

    std::array<uint8_t, 8> bytes{};
    for (size_t at = 0; at + kRecordSize <= size; at += kRecordSize) {
        Access access = decode(data + at);
        bool write = access.op & 4;
        std::memcpy(bytes.data(), &access.value, bytes.size());
        switch (access.op & 3) {
            case 0: {  // Configuration space of slot 1 through the type-1 ports.
                static constexpr size_t kWidths[] = {1, 2, 4};
                size_t width = kWidths[access.width % 3];
                auto reg = static_cast<uint8_t>(access.offset);
                std::array<uint8_t, 4> address{};
                uint32_t value = 0x8000'0000u | 1u << 11 | (reg & 0xfcu);
                std::memcpy(address.data(), &value, sizeof(value));
                root.write(0, address);
                std::span<uint8_t> span(bytes.data(), width);
                if (write) {
                    root.write(4 + (reg & 3u), span);
                } else {
                    root.read(4 + (reg & 3u), span);
                }
                break;
            }
            case 1: {  // BAR0, as the bus hands it over: any offset in it, 1 to 8 bytes.
                uint64_t offset = access.offset % virtio::VirtioPciDevice::kBar0Size;
                size_t width = 1 + access.width % 8;
                if (offset + width > virtio::VirtioPciDevice::kBar0Size)
                    width = virtio::VirtioPciDevice::kBar0Size - offset;
                std::span<uint8_t> span(bytes.data(), width);
                if (write) {
                    (*transport)->write_bar(0, offset, span);
                } else {
                    (*transport)->read_bar(0, offset, span);
                }
                break;
            }
            case 2: {  // Guest memory: where the rings and buffers live.
                uint64_t address = (uint64_t{access.offset} * 8) % kMemorySize;
                size_t width = 1 + access.width % 8;
                (void)shared_memory->write(GuestAddress(address),
                                           std::span<const uint8_t>(bytes.data(), width));
                break;
            }
            default:  // The VMM thread gets a turn: queues notified so far are served.
                if (!(*loop)->run_once(0))
                    __builtin_trap();
                break;
        }
        check_status(**transport, **rng);
    }
    (void)(*loop)->run_once(0);
    return 0;
}
