// A zapotec process serving the API on a socket in a fresh temporary directory, and curl
// requests to it: for the integration tests that drive the API like a Firecracker client.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace zapotec::testing {

struct HttpResponse {
    int status = 0;  // 0: curl failed.
    std::string body;
};

class ApiProcess {
  public:
    // Starts `zapotec --api-sock DIR/api.sock extra_args...`, stdout and stderr to files,
    // and waits until the socket exists.
    explicit ApiProcess(const std::vector<std::string>& extra_args = {});
    ~ApiProcess();  // Kills the process if it still runs; removes the directory.

    ApiProcess(const ApiProcess&) = delete;
    ApiProcess& operator=(const ApiProcess&) = delete;

    bool ready() const { return ready_; }
    const std::string& socket() const { return socket_; }
    const std::string& dir() const { return dir_; }

    // curl --unix-socket: `method` `path` with a JSON `body` (empty: none).
    HttpResponse request(const std::string& method, const std::string& path,
                         const std::string& body = "") const;

    // Waits up to `timeout_seconds` for the process to exit; its exit status, or -1.
    int wait_exit(int timeout_seconds);
    std::string out() const;
    std::string err() const;

  private:
    std::string dir_;
    std::string socket_;
    pid_t pid_ = -1;
    bool ready_ = false;
    int exit_code_ = -1;
};

}  // namespace zapotec::testing
