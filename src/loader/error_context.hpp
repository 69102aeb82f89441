// Prefixes context to a failed Result (libstdc++ 12 lacks std::expected::transform_error).
#pragma once

#include <string>
#include <utility>

#include "base/error.hpp"

namespace zapotec {

template <class T>
[[nodiscard]] Result<T> with_context(Result<T> result, const std::string& prefix) {
    if (!result)
        return std::unexpected(result.error().context(prefix));
    return result;
}

}  // namespace zapotec
