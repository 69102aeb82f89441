// The fallback I/O engine, for hosts without io_uring (ENOSYS, or EPERM under seccomp): a few
// threads doing preadv/pwritev2/fdatasync, with completions announced through an eventfd.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "base/event_fd.hpp"
#include "base/log.hpp"
#include "devices/virtio/block/disk_image.hpp"
#include "devices/virtio/block/io_engine.hpp"

namespace zapotec::virtio {

namespace {

class ThreadPoolEngine final : public IoEngine {
  public:
    ThreadPoolEngine(unsigned depth, EventFd event) : depth_(depth), event_(std::move(event)) {}
    ~ThreadPoolEngine() override {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        work_ready_.notify_all();
        // Workers finish what was queued before they leave.
        for (std::thread& worker : workers_)
            worker.join();
    }
    ThreadPoolEngine(const ThreadPoolEngine&) = delete;
    ThreadPoolEngine& operator=(const ThreadPoolEngine&) = delete;

    void start(unsigned workers) {
        for (unsigned i = 0; i < workers; ++i)
            workers_.emplace_back([this] { work(); });
    }

    Result<> submit(IoRequest request) override {
        {
            std::lock_guard lock(mutex_);
            if (active_ >= depth_)
                return make_error("thread-pool engine: all {} entries are in flight", depth_);
            queued_.push_back(std::move(request));
            ++active_;
        }
        work_ready_.notify_one();
        return {};
    }

    int event_fd() const override { return event_.fd(); }

    std::vector<IoCompletion> reap() override {
        std::lock_guard lock(mutex_);
        (void)event_.consume();
        return std::exchange(done_, {});
    }

    std::vector<IoCompletion> wait_all() override {
        std::unique_lock lock(mutex_);
        all_done_.wait(lock, [this] { return active_ == 0; });
        (void)event_.consume();
        return std::exchange(done_, {});
    }

    size_t in_flight() const override {
        std::lock_guard lock(mutex_);
        return active_ + done_.size();
    }

    const char* kind() const override { return "thread pool"; }

  private:
    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            work_ready_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
            if (queued_.empty())
                return;
            IoRequest request = std::move(queued_.front());
            queued_.pop_front();
            lock.unlock();
            int result = run(request);
            lock.lock();
            done_.push_back({request.user_data, result});
            --active_;
            if (active_ == 0)
                all_done_.notify_all();
            (void)event_.signal();
        }
    }

    static int run(const IoRequest& request) {
        if (request.op == IoOp::Flush) {
            while (::fdatasync(request.fd) < 0) {
                if (errno != EINTR)
                    return -errno;
            }
            return 0;
        }
        auto direction = request.op == IoOp::Read ? Direction::Read : Direction::Write;
        auto done =
            transfer_all(request.fd, direction, request.offset, request.buffers, request.dsync);
        if (done)
            return 0;
        return done.error().code() ? -done.error().code() : -EIO;
    }

    const unsigned depth_;
    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable all_done_;
    std::deque<IoRequest> queued_;
    std::vector<IoCompletion> done_;
    size_t active_ = 0;  // Queued or running.
    bool stopping_ = false;
    std::vector<std::thread> workers_;
    EventFd event_;
};

}  // namespace

Result<std::unique_ptr<IoEngine>> create_thread_pool_engine(unsigned depth, unsigned workers) {
    if (depth == 0 || workers == 0)
        return make_error("thread-pool engine: depth and workers must not be zero");
    auto event = TRY(EventFd::create(EFD_NONBLOCK | EFD_CLOEXEC));
    auto engine = std::make_unique<ThreadPoolEngine>(depth, std::move(event));
    engine->start(workers);
    return engine;
}

}  // namespace zapotec::virtio
