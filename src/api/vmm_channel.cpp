// Posts API tasks to the VMM's event loop and waits for their answers.
#include "api/vmm_channel.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

namespace zapotec::api {

namespace {

// Shared by the waiting API thread and the posted task, which may outlive the wait.
struct Reply {
    std::mutex mutex;
    std::condition_variable ready;
    std::optional<ApiResponse> response;
};

}  // namespace

ApiResponse VmmChannel::run(std::function<ApiResponse()> task) {
    auto reply = std::make_shared<Reply>();
    if (stopping_)
        return ApiResponse::fault(503, "The VMM is shutting down.");
    loop_.post([reply, task = std::move(task)] {
        ApiResponse response = task();
        std::lock_guard lock(reply->mutex);
        reply->response = std::move(response);
        reply->ready.notify_all();
    });
    // Wait in short slices so that shutdown() is noticed; the answer itself wakes the wait.
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    std::unique_lock lock(reply->mutex);
    while (!reply->response) {
        if (std::chrono::steady_clock::now() >= deadline)
            return ApiResponse::fault(503, "The VMM did not answer in time.");
        if (stopping_)
            return ApiResponse::fault(503, "The VMM is shutting down.");
        reply->ready.wait_for(lock, std::chrono::milliseconds(20));
    }
    return std::move(*reply->response);
}

void VmmChannel::shutdown() {
    stopping_ = true;
}

}  // namespace zapotec::api
