// Logging goes through spdlog; this header fixes the include and the default logger.
#pragma once

#include <spdlog/spdlog.h>

namespace zapotec {

// Sets up the stderr logger at the given level ("trace".."off").
void init_logging(const std::string& level);

}  // namespace zapotec
