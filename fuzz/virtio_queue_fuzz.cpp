// libFuzzer target for the split virtqueue: the input becomes the queue registers and the
// contents of guest memory, and the device side pops and completes chains until done. Any
// crash, sanitizer report, endless loop or chain that escapes guest memory is a bug.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "devices/virtio/queue/queue.hpp"
#include "fuzz_input.hpp"
#include "memory/guest_memory.hpp"

namespace {

using zapotec::GuestAddress;
using zapotec::GuestMemory;
using zapotec::fuzzing::InputReader;
using zapotec::virtio::DescriptorChain;
using zapotec::virtio::Queue;

// Two regions with a gap between them, so rings and buffers can straddle a hole.
constexpr uint64_t kLowSize = 0x8000;
constexpr uint64_t kHighStart = 0xa000;
constexpr uint64_t kHighSize = 0x6000;
constexpr uint64_t kMemoryEnd = kHighStart + kHighSize;

// Addresses are mostly kept near guest memory so the fuzzer reaches the rings; a mode bit
// lets it try any 64-bit value.
uint64_t ring_address(InputReader& input, bool wild) {
    uint64_t raw = input.take<uint64_t>();
    return wild ? raw : raw % (kMemoryEnd + 0x100);
}

void fill(const GuestMemory& memory, const uint8_t* data, size_t size) {
    for (const auto& region : memory.regions()) {
        size_t n = size < region.size() ? size : region.size();
        std::memcpy(region.host_address(), data, n);
        data += n;
        size -= n;
    }
}

// What pop() promises: every buffer lies inside guest memory, is not empty, and readable
// buffers come before writable ones.
void check_chain(const GuestMemory& memory, const DescriptorChain& chain, uint16_t size) {
    if (chain.head >= size)
        __builtin_trap();
    bool writable_seen = false;
    for (const auto& buffer : chain.descriptors) {
        if (buffer.length == 0 || !memory.contains_range(buffer.address, buffer.length))
            __builtin_trap();
        if (!buffer.device_writable && writable_seen)
            __builtin_trap();
        writable_seen = writable_seen || buffer.device_writable;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    InputReader input(data, size);
    uint8_t mode = input.take<uint8_t>();
    uint16_t queue_size = input.take<uint16_t>();
    if (!(mode & 1))
        queue_size = static_cast<uint16_t>(1u << (queue_size % 10));  // 1..512
    bool wild = (mode & 2) != 0;

    auto memory =
        GuestMemory::create({{GuestAddress(0), kLowSize}, {GuestAddress(kHighStart), kHighSize}});
    if (!memory)
        return 0;

    Queue queue(512);
    auto& state = queue.state();
    state.size = queue_size;
    state.desc_table = ring_address(input, wild);
    state.avail_ring = ring_address(input, wild);
    state.used_ring = ring_address(input, wild);
    state.next_avail = input.take<uint16_t>();
    state.next_used = input.take<uint16_t>();
    state.signalled_used = input.take<uint16_t>();
    state.signalled_used_valid = (mode & 4) != 0;
    state.event_idx = (mode & 8) != 0;
    state.ready = true;
    fill(*memory, input.rest(), input.rest_size());

    (void)queue.validate(*memory);
    // add_used() may write over the available ring, so the number of chains is not bounded
    // by the queue size alone; bound the run instead.
    for (int round = 0; round < 2048; ++round) {
        auto chain = queue.pop(*memory);
        if (!chain || !chain->has_value())
            break;
        check_chain(*memory, **chain, state.size);
        uint32_t written = 0;
        for (const auto& buffer : (*chain)->descriptors) {
            if (buffer.device_writable)
                written += buffer.length;
        }
        if (!queue.add_used(*memory, (*chain)->head, written))
            break;
        if (round % 3 == 0 && !queue.needs_notification(*memory))
            break;
    }
    (void)queue.needs_notification(*memory);
    return 0;
}
