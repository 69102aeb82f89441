#include "run_zapotec.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace zapotec::testing {

namespace {
std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}
}  // namespace

ProcessResult run_zapotec(const std::vector<std::string>& args, int timeout_seconds) {
    char out_path[] = "/tmp/zapotec-test-out-XXXXXX";
    char err_path[] = "/tmp/zapotec-test-err-XXXXXX";
    int out_fd = mkstemp(out_path);
    int err_fd = mkstemp(err_path);
    ProcessResult result;
    pid_t pid = fork();
    if (pid == 0) {
        int null_fd = open("/dev/null", O_RDONLY);
        dup2(null_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        std::vector<std::string> storage{"timeout", "-s", "KILL", std::to_string(timeout_seconds),
                                         ZAPOTEC_BINARY};
        storage.insert(storage.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& arg : storage)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        execvp("timeout", argv.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
        result.exit_code = WEXITSTATUS(status);
    if (result.exit_code == 137 || result.exit_code == 124)
        result.exit_code = -1;
    close(out_fd);
    close(err_fd);
    result.out = read_file(out_path);
    result.err = read_file(err_path);
    unlink(out_path);
    unlink(err_path);
    return result;
}

std::string payload(const std::string& name) {
    return std::string(ZAPOTEC_PAYLOAD_DIR) + "/" + name + ".elf";
}

std::string kvm_unavailable_reason() {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return std::string("/dev/kvm cannot be opened: ") + std::strerror(errno);
    close(fd);
    return "";
}

}  // namespace zapotec::testing
