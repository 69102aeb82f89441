// How the block device carries out requests: synchronously on the event loop, or handed to an
// I/O engine whose completions are published later from the event loop.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.hpp"
#include "devices/virtio/block/block_device.hpp"
#include "devices/virtio/block/discard.hpp"

namespace zapotec::virtio {

RequestStatus BlockDevice::execute(const Request& request, const GuestMemory& memory,
                                   uint32_t& written) {
    auto type = static_cast<RequestType>(request.type);
    if (type == RequestType::GetId)
        return get_id(request, memory, written);
    if (type == RequestType::Discard || type == RequestType::WriteZeroes)
        return discard(request, memory);
    if (type == RequestType::Flush) {
        // Also under cache_type Unsafe: a guest's flush reaches the disk.
        if (auto flushed = image_.flush(); !flushed) {
            spdlog::warn("{}: {}", name(), flushed.error().message());
            return RequestStatus::IoError;
        }
        count_success(type, 0);
        return RequestStatus::Ok;
    }

    auto iovecs = request.data_iovecs(memory);
    Result<> done = iovecs ? (type == RequestType::In ? image_.read(request.offset(), *iovecs)
                                                      : image_.write(request.offset(), *iovecs))
                           : Result<>(std::unexpected(iovecs.error()));
    // A driver that did not accept FLUSH expects a write-through disk (virtio 1.x, 5.2.5).
    if (done && type == RequestType::Out && write_through())
        done = image_.flush();
    if (!done) {
        spdlog::warn("{}: {}", name(), done.error().message());
        return RequestStatus::IoError;
    }
    // The queue bounds a chain's buffers to 4 GiB in all.
    uint32_t length = static_cast<uint32_t>(request.data_length());
    count_success(type, length);
    if (type == RequestType::In)
        written = length;
    return RequestStatus::Ok;
}

RequestStatus BlockDevice::get_id(const Request& request, const GuestMemory& memory,
                                  uint32_t& written) {
    // The id is NUL-padded to 20 bytes, and not terminated when it is exactly 20 long.
    uint8_t id[kBlockIdBytes] = {};
    std::memcpy(id, config_.drive_id.data(), std::min(config_.drive_id.size(), sizeof(id)));
    size_t copied = 0;
    for (const Descriptor& buffer : request.data) {
        if (copied == sizeof(id))
            break;
        size_t step = std::min<size_t>(buffer.length, sizeof(id) - copied);
        if (!memory.write(buffer.address, std::span<const uint8_t>(id + copied, step)))
            return RequestStatus::IoError;
        copied += step;
    }
    written = static_cast<uint32_t>(copied);
    return RequestStatus::Ok;
}

RequestStatus BlockDevice::discard(const Request& request, const GuestMemory& memory) {
    auto type = static_cast<RequestType>(request.type);
    // Only what was offered (and so probed on this image) is served.
    uint64_t feature =
        type == RequestType::Discard ? kBlockFeatureDiscard : kBlockFeatureWriteZeroes;
    if (!(device_features() & acked_features() & feature) || image_.read_only())
        return RequestStatus::Unsupported;
    std::vector<DiscardSegment> segments;
    RequestStatus status = read_discard_segments(request, memory, image_.sectors(), segments);
    if (status != RequestStatus::Ok)
        return status;
    if (auto done = execute_discard(image_, type, segments); !done) {
        spdlog::warn("{}: {}", name(), done.error().message());
        return RequestStatus::IoError;
    }
    count_success(type, 0);
    return RequestStatus::Ok;
}

bool BlockDevice::submit(const Request& request, const GuestMemory& memory, uint16_t head) {
    auto type = static_cast<RequestType>(request.type);
    IoRequest io;
    io.op = type == RequestType::In    ? IoOp::Read
            : type == RequestType::Out ? IoOp::Write
                                       : IoOp::Flush;
    io.fd = image_.fd();
    io.offset = request.offset();
    io.dsync = io.op == IoOp::Write && write_through();
    if (io.op != IoOp::Flush) {
        auto iovecs = request.data_iovecs(memory);
        if (!iovecs)
            return false;
        io.buffers = std::move(*iovecs);
    }
    std::lock_guard lock(in_flight_mutex_);
    auto slot = std::find_if(in_flight_.begin(), in_flight_.end(),
                             [](const auto& entry) { return !entry.has_value(); });
    if (slot == in_flight_.end())
        return false;
    io.user_data = static_cast<uint64_t>(slot - in_flight_.begin());
    *slot = InFlight{
        generation(),  head, type, request.status, static_cast<uint32_t>(request.data_length()),
        guest_memory()};
    if (auto submitted = engine_->submit(std::move(io)); !submitted) {
        spdlog::warn("{}: {}", name(), submitted.error().message());
        slot->reset();
        return false;
    }
    ++metrics_.in_flight;
    return true;
}

std::vector<int> BlockDevice::device_event_fds() {
    if (!engine_)
        return {};
    return {engine_->event_fd()};
}

void BlockDevice::on_device_event(int) {
    if (engine_)
        finish(engine_->reap());
}

void BlockDevice::drain() {
    if (engine_)
        finish(engine_->wait_all());
}

void BlockDevice::on_reset() {
    // The requests of the old activation finish here; complete() drops them.
    drain();
}

void BlockDevice::finish(const std::vector<IoCompletion>& completions) {
    if (completions.empty())
        return;
    // Taken out of the table first: complete() takes the QueueDevice mutex, which
    // handle_chain() holds while it takes in_flight_mutex_.
    std::vector<std::pair<InFlight, int>> finished;
    {
        std::lock_guard lock(in_flight_mutex_);
        for (const IoCompletion& completion : completions) {
            if (completion.user_data >= in_flight_.size() || !in_flight_[completion.user_data])
                continue;
            finished.emplace_back(std::move(*in_flight_[completion.user_data]), completion.result);
            in_flight_[completion.user_data].reset();
        }
    }
    metrics_.in_flight -= finished.size();
    std::vector<Completion> batch;
    std::vector<uint8_t> statuses;
    for (size_t i = 0; i < finished.size(); ++i) {
        const auto& [request, result] = finished[i];
        auto status = RequestStatus::Ok;
        uint32_t written = 0;
        if (result < 0) {
            guest_io_warnings_.warn("{}: {} failed: {}", name(),
                                    request.type == RequestType::In    ? "read"
                                    : request.type == RequestType::Out ? "write"
                                                                       : "flush",
                                    std::strerror(-result));
            status = RequestStatus::IoError;
            ++metrics_.errors;
        } else {
            count_success(request.type, request.length);
            if (request.type == RequestType::In)
                written = request.length;
        }
        batch.push_back({0, request.head, written + 1});
        statuses.push_back(static_cast<uint8_t>(status));
        // Completions of different activations are published separately (rare: a reset).
        bool last =
            i + 1 == finished.size() || finished[i + 1].first.generation != request.generation;
        if (!last)
            continue;
        const GuestMemory& memory = *request.memory;
        size_t first = i + 1 - batch.size();
        complete(request.generation, batch, [&](const Completion& done) {
            size_t index = static_cast<size_t>(&done - batch.data());
            (void)memory.write_obj(finished[first + index].first.status, statuses[index]);
        });
        batch.clear();
        statuses.clear();
    }
}

}  // namespace zapotec::virtio
