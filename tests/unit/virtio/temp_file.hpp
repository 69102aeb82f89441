// A temporary file for tests that removes itself: disk images for the block device.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"

namespace zapotec::virtio::testing {

class TempFile {
  public:
    // A file holding `contents`.
    explicit TempFile(const std::vector<uint8_t>& contents) {
        std::string pattern = (std::filesystem::temp_directory_path() / "zapotec-XXXXXX").string();
        UniqueFd fd(::mkstemp(pattern.data()));
        path_ = pattern;
        if (fd && !contents.empty())
            ok_ = ::write(fd.get(), contents.data(), contents.size()) ==
                  static_cast<ssize_t>(contents.size());
        else
            ok_ = fd.valid();
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return path_; }
    bool ok() const { return ok_; }

  private:
    std::string path_;
    bool ok_ = false;
};

}  // namespace zapotec::virtio::testing
