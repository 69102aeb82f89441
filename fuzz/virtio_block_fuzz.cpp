// libFuzzer target for the virtio block device: a hostile driver (fuzz_driver.hpp) posts
// requests of every type (DISCARD and WRITE_ZEROES segments included) and malformed chains on
// a device over a small temporary image, served synchronously or by the thread-pool engine,
// with a rate limiter the input configures. A crash, a sanitizer report, or an image whose
// size changed (a write past its end) is a bug.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "../tests/unit/virtio/temp_file.hpp"
#include "devices/virtio/block/block_device.hpp"
#include "devices/virtio/block/discard.hpp"
#include "fuzz_driver.hpp"
#include "fuzz_input.hpp"
#include "fuzz_rate_limit.hpp"

namespace {

using namespace zapotec;
using namespace zapotec::virtio;
using zapotec::fuzzing::FuzzBuffer;
using zapotec::fuzzing::FuzzDriver;
using zapotec::fuzzing::InputReader;
using zapotec::virtio::testing::TempFile;

// Two images so that the input can swap the backing file: 128 and 16 sectors. The large one
// lives on tmpfs, where a guest flush costs nothing (on ext4 each fdatasync takes
// milliseconds); the small one on the temp directory's file system, which unlike tmpfs
// usually zeroes ranges in place, so that WRITE_ZEROES is offered on it.
constexpr size_t kLargeImage = 64 * 1024;
constexpr size_t kSmallImage = 8 * 1024;

// A temporary image of `size` bytes of `fill` in `directory` (the default temp directory
// when null).
std::unique_ptr<TempFile> make_image(size_t size, uint8_t fill, const char* directory) {
    const char* old = std::getenv("TMPDIR");
    std::string saved = old ? old : "";
    if (directory)
        ::setenv("TMPDIR", directory, 1);
    auto image = std::make_unique<TempFile>(std::vector<uint8_t>(size, fill));
    if (directory && old)
        ::setenv("TMPDIR", saved.c_str(), 1);
    else if (directory)
        ::unsetenv("TMPDIR");
    if (!image->ok())
        __builtin_trap();
    return image;
}

constexpr RequestType kTypes[] = {
    RequestType::In,          RequestType::Out,         RequestType::Flush,
    RequestType::GetId,       RequestType::Discard,     RequestType::WriteZeroes,
    RequestType::GetLifetime, RequestType::SecureErase,
};

off_t file_size(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        __builtin_trap();
    return info.st_size;
}

// A sector inside or just past one of the images mostly (they have 16 and 128), anything
// when the input says so.
uint64_t take_sector(InputReader& input) {
    uint8_t kind = input.take<uint8_t>();
    switch (kind % 4) {
        case 0:
            return input.take<uint64_t>();
        case 1:
            return kind >> 2;  // 0 to 63.
        default:
            return input.take<uint8_t>();
    }
}

// The data of a DISCARD or WRITE_ZEROES request: segments from the input, split across one
// or two readable buffers.
void add_segments(FuzzDriver& driver, InputReader& input, std::vector<FuzzBuffer>& buffers) {
    uint8_t mode = input.take<uint8_t>();
    size_t count = mode % (kMaxDiscardSegments + 2);
    std::vector<DiscardSegment> segments(count);
    for (auto& segment : segments) {
        uint8_t kind = input.take<uint8_t>();
        segment.sector = take_sector(input);
        segment.num_sectors = (kind & 1) ? input.take<uint32_t>() : input.take<uint8_t>() % 64;
        segment.flags = (kind & 2) ? input.take<uint32_t>() : (kind >> 2) & kDiscardFlagUnmap;
    }
    auto bytes = std::span(reinterpret_cast<const uint8_t*>(segments.data()),
                           segments.size() * sizeof(DiscardSegment));
    // A ragged length (not a whole number of segments) when asked.
    size_t length = bytes.size() + ((mode & 0x20) ? input.take<uint8_t>() % 16 : 0);
    if (length == 0)
        return;
    size_t split = (mode & 0x40) ? input.take<uint8_t>() % length : 0;
    for (auto [start, end] : {std::pair{size_t{0}, split}, std::pair{split, length}}) {
        if (start == end)
            continue;
        auto size = static_cast<uint32_t>(end - start);
        FuzzBuffer buffer{driver.allocate(size), size, (mode & 0x80) != 0};
        if (start < bytes.size())
            driver.write(buffer.address, bytes.subspan(start, std::min(end, bytes.size()) - start));
        buffers.push_back(buffer);
    }
}

// A request as a driver frames it: a 16-byte header, data buffers, a status byte; the input
// picks the type, the sector, the data lengths and directions.
void post_request(FuzzDriver& driver, InputReader& input) {
    uint8_t mode = input.take<uint8_t>();
    RequestHeader header{};
    header.type = (mode & 0x80) ? input.take<uint32_t>()
                                : static_cast<uint32_t>(kTypes[mode % std::size(kTypes)]);
    header.sector = take_sector(input);
    uint64_t header_address = driver.allocate(sizeof(header));
    driver.write(header_address,
                 std::span(reinterpret_cast<const uint8_t*>(&header), sizeof(header)));
    std::vector<FuzzBuffer> buffers{{header_address, sizeof(header), false}};

    auto type = static_cast<RequestType>(header.type);
    if (type == RequestType::Discard || type == RequestType::WriteZeroes) {
        add_segments(driver, input, buffers);
    } else {
        size_t count = (mode >> 3) % 4;
        for (size_t i = 0; i < count; ++i) {
            uint8_t kind = input.take<uint8_t>();
            uint32_t length =
                (kind & 1) ? input.take<uint16_t>() % 0x2000 : kSectorSize * (1 + kind % 8);
            bool writable =
                (kind & 2) ? (kind & 4) : type == RequestType::In || type == RequestType::GetId;
            buffers.push_back({driver.allocate(length), length, writable});
        }
    }
    if (!(mode & 0x20)) {
        uint32_t status_length = 1 + input.take<uint8_t>() % 4;
        buffers.push_back({driver.allocate(status_length), status_length, true});
    }
    driver.post(0, buffers, input.take<uint8_t>() & 1);
}

BlockIoEngine take_engine(uint8_t mode) {
    // The thread pool costs four threads per device: one run in four.
    return (mode & 3) == 3 ? BlockIoEngine::ThreadPool : BlockIoEngine::Sync;
}

uint64_t take_features(InputReader& input) {
    return fuzzing::take_features(
        input, {kFeatureRingEventIdx, kFeatureRingIndirectDesc, kBlockFeatureFlush,
                kBlockFeatureDiscard, kBlockFeatureWriteZeroes});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static FuzzDriver driver;
    static const std::unique_ptr<TempFile> large_image =
        make_image(kLargeImage, 0x5a, ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : nullptr);
    static const std::unique_ptr<TempFile> small_image = make_image(kSmallImage, 0xa5, nullptr);
    const TempFile& large = *large_image;
    const TempFile& small = *small_image;
    driver.begin();
    InputReader input(data, size);

    uint8_t mode = input.take<uint8_t>();
    BlockConfig config;
    config.drive_id = input.take_string(24);
    config.path = (mode & 8) ? small.path() : large.path();
    config.read_only = mode & 4;
    config.io_engine = take_engine(mode);
    config.rate_limiter = fuzzing::take_frozen_limiter(input);
    auto created = BlockDevice::create(config);
    if (!created)
        return 0;
    BlockDevice& device = **created;
    auto interrupt = std::make_shared<fuzzing::NullInterrupt>();
    (void)device.activate(driver.activation(1, input, take_features(input), interrupt));

    for (int step = 0; step < 256 && !input.empty(); ++step) {
        switch (input.take<uint8_t>() % 12) {
            case 0:
            case 1:
            case 2:
                post_request(driver, input);
                break;
            case 3:
                driver.post_hostile(0, input);
                break;
            case 4:
                driver.write_hostile(0, input);
                break;
            case 5:
            case 6:
                // Drained at once, so that no I/O is in flight while the input writes memory:
                // the run stays deterministic.
                device.process_queue(0);
                device.drain();
                break;
            case 7:
                device.reset();
                (void)device.activate(driver.activation(1, input, take_features(input), interrupt));
                break;
            case 8:
                if (auto limiter = fuzzing::take_frozen_limiter(input))
                    (void)device.update_rate_limiter(*limiter);
                break;
            case 9:
                fuzzing::access_config(device, input);
                break;
            case 10:
                (void)device.swap_backing_file((input.take<uint8_t>() & 1) ? small.path()
                                                                           : large.path());
                break;
            case 11:
                (void)device.save();
                (void)device.capacity();
                break;
        }
    }
    device.process_queue(0);
    device.drain();
    if (file_size(large.path()) != kLargeImage || file_size(small.path()) != kSmallImage)
        __builtin_trap();
    return 0;
}
