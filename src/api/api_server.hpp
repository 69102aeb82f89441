// Zapotec's Firecracker-compatible REST API: HTTP/1.1 on a Unix socket, served by its own
// thread. Each request is routed, parsed and validated on that thread, then runs as one
// VmControl call on the VMM thread (see router.hpp and vmm_channel.hpp).
#pragma once

#include <memory>
#include <string>

#include "base/error.hpp"
#include "event/event_loop.hpp"
#include "vmm/vm_control.hpp"

namespace zapotec {

class ApiServer {
  public:
    // Creates the socket (mode 0600; a stale socket left by a dead process is replaced, any
    // other existing file is refused), listens, and starts the server thread. The socket
    // accepts connections when this returns. `loop` and `control` must outlive the server.
    [[nodiscard]] static Result<std::unique_ptr<ApiServer>> start(const std::string& socket_path,
                                                                  EventLoop& loop,
                                                                  VmControl& control);

    // Gives up on requests waiting for the VMM (503), stops the thread, unlinks the socket.
    ~ApiServer();

    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    struct Impl;

  private:
    explicit ApiServer(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace zapotec
