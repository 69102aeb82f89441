// Turns config-file text into a JSON document, with syntax errors (line and column) and
// duplicate keys reported as one-line errors instead of exceptions.
#pragma once

#include <string_view>

#include "base/error.hpp"
#include "config/json_fields.hpp"

namespace zapotec::config {

// Parses `text` as one JSON value. A key that appears twice in the same object is an error
// ("machine-config.vcpu_count: duplicate field"), as it is for Firecracker's serde parser:
// silently keeping one of the two values would hide a mistake.
[[nodiscard]] Result<Json> parse_json_document(std::string_view text);

}  // namespace zapotec::config
