// Captures what the default spdlog logger prints, for tests that count warnings; the
// previous logger comes back when the capture goes out of scope.
#pragma once

#include <spdlog/sinks/ringbuffer_sink.h>

#include <memory>
#include <string>
#include <vector>

#include "base/log.hpp"

namespace zapotec::testing {

class CapturedLog {
  public:
    CapturedLog()
        : previous_(spdlog::default_logger()),
          sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(kCapacity)) {
        auto logger = std::make_shared<spdlog::logger>("captured", sink_);
        logger->set_pattern("%v");
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;

    std::vector<std::string> lines() { return sink_->last_formatted(); }

  private:
    // Far more than any bounded test produces, so an unbounded one shows.
    static constexpr size_t kCapacity = 4096;
    std::shared_ptr<spdlog::logger> previous_;
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

}  // namespace zapotec::testing
