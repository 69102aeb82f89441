// Creates the API's listening Unix socket.
#pragma once

#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace zapotec::api {

// Binds and listens on `path` with mode 0600. An existing socket that nobody listens on (left
// by a dead process) is replaced; a live one, or any other kind of file, is an error.
[[nodiscard]] Result<UniqueFd> listen_unix_socket(const std::string& path);

}  // namespace zapotec::api
