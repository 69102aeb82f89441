// The io_uring I/O engine: readv/writev/fsync submitted on a ring as deep as the queue, with
// completions announced through an eventfd registered on the ring.
#include <liburing.h>

#include <sys/eventfd.h>

#include <cerrno>
#include <mutex>

#include "base/event_fd.hpp"
#include "devices/virtio/block/disk_image.hpp"
#include "devices/virtio/block/io_engine.hpp"

namespace zapotec::virtio {

namespace {

class UringEngine final : public IoEngine {
  public:
    UringEngine(unsigned depth, EventFd event) : slots_(depth), event_(std::move(event)) {}
    ~UringEngine() override {
        if (!initialized_)
            return;
        (void)wait_all();
        ::io_uring_queue_exit(&ring_);
    }
    UringEngine(const UringEngine&) = delete;
    UringEngine& operator=(const UringEngine&) = delete;

    Result<> init() {
        int error = ::io_uring_queue_init(static_cast<unsigned>(slots_.size()), &ring_, 0);
        if (error < 0)
            return std::unexpected(Error::from_code(-error, "io_uring_queue_init"));
        initialized_ = true;
        error = ::io_uring_register_eventfd(&ring_, event_.fd());
        if (error < 0)
            return std::unexpected(Error::from_code(-error, "io_uring_register_eventfd"));
        return {};
    }

    Result<> submit(IoRequest request) override {
        std::lock_guard lock(mutex_);
        size_t index = 0;
        while (index < slots_.size() && slots_[index].used)
            ++index;
        if (index == slots_.size())
            return make_error("io_uring engine: all {} entries are in flight", slots_.size());
        Slot& slot = slots_[index];
        slot = Slot{true, std::move(request), 0};
        if (auto queued = queue(index); !queued) {
            slot.used = false;
            return queued;
        }
        ++active_;
        return {};
    }

    int event_fd() const override { return event_.fd(); }

    std::vector<IoCompletion> reap() override {
        std::lock_guard lock(mutex_);
        (void)event_.consume();
        io_uring_cqe* cqe = nullptr;
        while (::io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe)
            handle(cqe);
        return std::exchange(done_, {});
    }

    std::vector<IoCompletion> wait_all() override {
        std::lock_guard lock(mutex_);
        while (initialized_ && active_ > 0) {
            io_uring_cqe* cqe = nullptr;
            int error = ::io_uring_wait_cqe(&ring_, &cqe);
            if (error == -EINTR)
                continue;
            if (error < 0 || !cqe)
                break;
            handle(cqe);
        }
        (void)event_.consume();
        return std::exchange(done_, {});
    }

    size_t in_flight() const override {
        std::lock_guard lock(mutex_);
        return active_ + done_.size();
    }

    const char* kind() const override { return "io_uring"; }

  private:
    struct Slot {
        bool used = false;
        IoRequest request;
        size_t first = 0;  // The first buffer with bytes left to move.
    };

    // Puts slot `index` (what is left of it) on the ring and submits it. Mutex held.
    Result<> queue(size_t index) {
        Slot& slot = slots_[index];
        io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
        if (!sqe)
            return make_error("io_uring engine: the submission queue is full");
        const IoRequest& r = slot.request;
        iovec* buffers = slot.request.buffers.data() + slot.first;
        auto count = static_cast<unsigned>(slot.request.buffers.size() - slot.first);
        switch (r.op) {
            case IoOp::Read:
                ::io_uring_prep_readv(sqe, r.fd, buffers, count, r.offset);
                break;
            case IoOp::Write:
                ::io_uring_prep_writev2(sqe, r.fd, buffers, count, r.offset,
                                        r.dsync ? RWF_DSYNC : 0);
                break;
            case IoOp::Flush:
                ::io_uring_prep_fsync(sqe, r.fd, IORING_FSYNC_DATASYNC);
                break;
        }
        ::io_uring_sqe_set_data64(sqe, index);
        int submitted = ::io_uring_submit(&ring_);
        if (submitted < 0)
            return std::unexpected(Error::from_code(-submitted, "io_uring_submit"));
        return {};
    }

    // Finishes, or resubmits the rest of, the request that `cqe` completes. Mutex held.
    void handle(io_uring_cqe* cqe) {
        uint64_t index = ::io_uring_cqe_get_data64(cqe);
        int result = cqe->res;
        ::io_uring_cqe_seen(&ring_, cqe);
        if (index >= slots_.size() || !slots_[index].used)
            return;
        Slot& slot = slots_[index];
        if (result == -EINTR || result == -EAGAIN) {
            if (queue(index))
                return;
            result = -EIO;
        } else if (result >= 0 && slot.request.op != IoOp::Flush) {
            // A short transfer goes on from where it stopped; nothing moved means the end
            // of the file (or a device that cannot make progress).
            if (result == 0) {
                result = -EIO;
            } else {
                slot.request.offset += static_cast<uint64_t>(result);
                slot.first =
                    advance_iovecs(slot.request.buffers, slot.first, static_cast<size_t>(result));
                if (slot.first < slot.request.buffers.size()) {
                    if (queue(index))
                        return;
                    result = -EIO;
                } else {
                    result = 0;
                }
            }
        } else if (result > 0) {
            result = 0;
        }
        done_.push_back({slot.request.user_data, result});
        slot.used = false;
        --active_;
    }

    mutable std::mutex mutex_;
    io_uring ring_{};
    bool initialized_ = false;
    std::vector<Slot> slots_;
    std::vector<IoCompletion> done_;
    size_t active_ = 0;  // Slots on the ring.
    EventFd event_;
};

}  // namespace

Result<std::unique_ptr<IoEngine>> create_uring_engine(unsigned depth) {
    auto event = TRY(EventFd::create(EFD_NONBLOCK | EFD_CLOEXEC));
    auto engine = std::make_unique<UringEngine>(depth, std::move(event));
    TRY(engine->init());
    return engine;
}

}  // namespace zapotec::virtio
