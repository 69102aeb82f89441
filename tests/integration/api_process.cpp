#include "api_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace zapotec::testing {

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Single quotes for sh, with embedded ones closed and reopened.
std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

ApiProcess::ApiProcess(const std::vector<std::string>& extra_args) {
    std::string pattern = (std::filesystem::temp_directory_path() / "zapotec-api-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        return;
    dir_ = pattern;
    socket_ = dir_ + "/api.sock";
    pid_ = fork();
    if (pid_ == 0) {
        int null_fd = open("/dev/null", O_RDONLY);
        int out_fd = open((dir_ + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err_fd = open((dir_ + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(null_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        std::vector<std::string> storage{ZAPOTEC_BINARY, "--api-sock", socket_};
        storage.insert(storage.end(), extra_args.begin(), extra_args.end());
        std::vector<char*> argv;
        for (auto& arg : storage)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        execv(ZAPOTEC_BINARY, argv.data());
        _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        struct stat st {};
        if (::stat(socket_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
            ready_ = true;
            return;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

ApiProcess::~ApiProcess() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
}

HttpResponse ApiProcess::request(const std::string& method, const std::string& path,
                                 const std::string& body) const {
    std::string command = "curl -s --max-time 10 --unix-socket " + shell_quote(socket_) + " -X " +
                          method + " -w '\\n%{http_code}'";
    if (!body.empty())
        command += " -H 'Content-Type: application/json' -d " + shell_quote(body);
    command += " " + shell_quote("http://localhost" + path);
    HttpResponse response;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr)
        return response;
    std::string output;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
        output.append(buffer, n);
    pclose(pipe);
    size_t newline = output.rfind('\n');
    if (newline == std::string::npos)
        return response;
    response.status = std::atoi(output.c_str() + newline + 1);
    response.body = output.substr(0, newline);
    return response;
}

int ApiProcess::wait_exit(int timeout_seconds) {
    if (pid_ <= 0)
        return exit_code_;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            pid_ = -1;
            return exit_code_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

std::string ApiProcess::out() const {
    return read_all(dir_ + "/out");
}

std::string ApiProcess::err() const {
    return read_all(dir_ + "/err");
}

}  // namespace zapotec::testing
