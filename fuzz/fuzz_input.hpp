// Reading a libFuzzer input as a stream of values: the fuzz targets draw registers, opcodes and
// buffer contents from it. Past the end every value reads as zero, so a short input is still
// a complete (if dull) run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace zapotec::fuzzing {

class InputReader {
  public:
    InputReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    template <class T>
    T take() {
        T value{};
        size_t n = sizeof(T) < size_ - offset_ ? sizeof(T) : size_ - offset_;
        std::memcpy(&value, data_ + offset_, n);
        offset_ += n;
        return value;
    }
    // Up to `count` bytes, fewer when the input ends first.
    std::span<const uint8_t> take_bytes(size_t count) {
        size_t n = count < size_ - offset_ ? count : size_ - offset_;
        std::span<const uint8_t> bytes(data_ + offset_, n);
        offset_ += n;
        return bytes;
    }
    // A string of a length drawn from the input (at most `max_length`).
    std::string take_string(size_t max_length) {
        size_t length = take<uint8_t>() % (max_length + 1);
        auto bytes = take_bytes(length);
        return std::string(bytes.begin(), bytes.end());
    }
    const uint8_t* rest() const { return data_ + offset_; }
    size_t rest_size() const { return size_ - offset_; }
    bool empty() const { return offset_ == size_; }

  private:
    const uint8_t* data_;
    size_t size_;
    size_t offset_ = 0;
};

}  // namespace zapotec::fuzzing
