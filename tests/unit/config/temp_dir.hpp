// A temporary directory for tests that need real files; removed with everything in it.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace zapotec::test_support {

class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "zapotec-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
    }
    ~TempDir() {
        std::error_code ignored;
        if (!path_.empty())
            std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

    // Creates `name` in the directory with `contents` and `mode`; returns its path.
    std::string write(std::string_view name, std::string_view contents, mode_t mode = 0644) const {
        std::string file = path_ + "/" + std::string(name);
        std::ofstream(file, std::ios::binary) << contents;
        ::chmod(file.c_str(), mode);
        return file;
    }

  private:
    std::string path_;
};

}  // namespace zapotec::test_support
