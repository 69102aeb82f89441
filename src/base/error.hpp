// Error values and the Result<T> type used by every fallible operation in Zapotec.
#pragma once

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>
#include <utility>

#include <fmt/core.h>

namespace zapotec {

// An error carries an errno value (0 when the failure is not a system call's) and a
// human-readable message that already names what failed and why.
class Error {
  public:
    Error() = default;
    explicit Error(std::string message, int code = 0) : message_(std::move(message)), code_(code) {}

    // Builds an error from the current errno, e.g. Error::from_errno("open /dev/kvm").
    static Error from_errno(const std::string& context) { return from_code(errno, context); }
    static Error from_code(int code, const std::string& context) {
        return Error(fmt::format("{}: {}", context, std::strerror(code)), code);
    }

    const std::string& message() const { return message_; }
    int code() const { return code_; }

    // Prefixes more context, e.g. "drive rootfs: " + "open foo: No such file".
    Error context(const std::string& prefix) const {
        return Error(fmt::format("{}: {}", prefix, message_), code_);
    }

  private:
    std::string message_;
    int code_ = 0;
};

template <class T = void>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> make_error(std::string message) {
    return std::unexpected(Error(std::move(message)));
}

template <class... Args>
std::unexpected<Error> make_error(fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(Error(fmt::format(format, std::forward<Args>(args)...)));
}

inline std::unexpected<Error> errno_error(const std::string& context) {
    return std::unexpected(Error::from_errno(context));
}

namespace detail {
template <class T>
T unwrap(std::expected<T, Error>&& result) {
    return std::move(*result);
}
inline void unwrap(std::expected<void, Error>&&) {}
}  // namespace detail

}  // namespace zapotec

// TRY(expr) evaluates a Result; on error it returns the error from the enclosing
// function, otherwise it yields the value (GNU statement expression).
#define TRY(expr)                                                   \
    ({                                                              \
        auto _try_result = (expr);                                  \
        if (!_try_result)                                           \
            return std::unexpected(std::move(_try_result).error()); \
        ::zapotec::detail::unwrap(std::move(_try_result));          \
    })
