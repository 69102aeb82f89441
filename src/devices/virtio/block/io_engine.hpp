// The asynchronous I/O engines behind a virtio block device: several requests in flight on
// the image, their completions announced through an eventfd that the event loop watches.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "base/error.hpp"

namespace zapotec::virtio {

enum class IoOp { Read, Write, Flush };

struct IoRequest {
    IoOp op = IoOp::Read;
    int fd = -1;
    uint64_t offset = 0;
    // Host views of guest buffers; they must stay mapped until the request completes.
    std::vector<iovec> buffers;
    // For writes: durable when complete (RWF_DSYNC), for a driver that expects write-through.
    bool dsync = false;
    // Handed back in the completion.
    uint64_t user_data = 0;
};

struct IoCompletion {
    uint64_t user_data = 0;
    // Zero when every byte moved (or the flush succeeded), or a negative errno. A read that
    // meets the end of the file is -EIO: the image shrank under the guest.
    int result = 0;
};

class IoEngine {
  public:
    virtual ~IoEngine() = default;

    // Starts `request`. Fails when the engine holds as many requests as its depth, or when
    // the kernel refuses it; the request was then not started.
    [[nodiscard]] virtual Result<> submit(IoRequest request) = 0;
    // Readable (EPOLLIN) when completions are ready; reap() consumes it.
    virtual int event_fd() const = 0;
    // The requests finished since the last call; never blocks. Thread-safe.
    virtual std::vector<IoCompletion> reap() = 0;
    // Waits until nothing is in flight and returns the completions not reaped yet.
    virtual std::vector<IoCompletion> wait_all() = 0;
    // Requests started and not yet reaped.
    virtual size_t in_flight() const = 0;
    virtual const char* kind() const = 0;
};

// io_uring with `depth` entries; fails (EPERM under seccomp, ENOSYS on old kernels) when the
// kernel does not offer it.
[[nodiscard]] Result<std::unique_ptr<IoEngine>> create_uring_engine(unsigned depth);
// `workers` threads doing preadv/pwritev2/fdatasync; works everywhere.
[[nodiscard]] Result<std::unique_ptr<IoEngine>> create_thread_pool_engine(unsigned depth,
                                                                          unsigned workers = 4);

}  // namespace zapotec::virtio
