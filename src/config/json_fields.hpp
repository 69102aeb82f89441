// Typed, path-aware reading of JSON values for the config-file parser: every failure is one
// line of the form "<path>: <problem>", e.g. "drives[1].is_read_only: expected a boolean, got
// string".
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/error.hpp"

namespace zapotec::config {

using Json = nlohmann::json;

// The JSON type of a value in words for messages: "string", "negative integer", "null", ...
[[nodiscard]] std::string json_type_name(const Json& value);

// Makes user text safe to print on one line: bytes outside printable ASCII become \xNN.
[[nodiscard]] std::string printable(std::string_view text);

// The path of element `index` of the array at `path`: "drives" -> "drives[1]".
[[nodiscard]] std::string element_path(const std::string& path, size_t index);

// Value converters. Each checks the JSON type and names `path` when it is wrong.
[[nodiscard]] Result<std::string> as_string(const Json& value, const std::string& path);
[[nodiscard]] Result<bool> as_bool(const Json& value, const std::string& path);
[[nodiscard]] Result<uint64_t> as_u64(const Json& value, const std::string& path);
// Checks that `value` is an array; the elements are left to the caller.
[[nodiscard]] Result<> check_array(const Json& value, const std::string& path);
// The index of the string `value` within `choices`.
[[nodiscard]] Result<size_t> as_choice(const Json& value, const std::string& path,
                                       std::span<const std::string_view> choices);

// An unsigned integer that must also fit in T, e.g. as_unsigned<uint16_t> for an MTU.
template <std::unsigned_integral T>
[[nodiscard]] Result<T> as_unsigned(const Json& value, const std::string& path) {
    uint64_t number = TRY(as_u64(value, path));
    if (number > std::numeric_limits<T>::max())
        return make_error("{}: {} is too large (at most {})", path, number,
                          uint64_t{std::numeric_limits<T>::max()});
    return static_cast<T>(number);
}

// One spelling of an enum in the config file, e.g. {"Writeback", CacheType::kWriteback}.
template <class E>
using EnumName = std::pair<std::string_view, E>;

template <class E, size_t N>
[[nodiscard]] Result<E> as_enum(const Json& value, const std::string& path,
                                const std::array<EnumName<E>, N>& table) {
    std::array<std::string_view, N> names;
    for (size_t i = 0; i < N; ++i)
        names[i] = table[i].first;
    size_t index = TRY(as_choice(value, path, names));
    return table[index].second;
}

// A view of one JSON object at a known path whose keys have all been checked against the
// fields its section allows. Firecracker (serde) treats a null field like a missing one, so
// the accessors do too, except that a required field that is null is a type error.
class JsonObject {
  public:
    // Fails unless `value` is an object and every key is in `known_fields`.
    [[nodiscard]] static Result<JsonObject> open(const Json& value, std::string path,
                                                 std::span<const std::string_view> known_fields);

    const std::string& path() const { return path_; }
    // "machine-config" + "vcpu_count" -> "machine-config.vcpu_count".
    [[nodiscard]] std::string field_path(std::string_view key) const;
    // The field's value, or nullptr when it is missing or null.
    [[nodiscard]] const Json* find(std::string_view key) const;

    // Converts the field with `convert(value, path)`; a missing field is an error.
    template <class Convert>
    [[nodiscard]] auto required(std::string_view key, Convert convert) const
        -> std::invoke_result_t<Convert, const Json&, const std::string&> {
        auto it = object_->find(key);
        if (it == object_->end())
            return make_error("{}: missing required field", field_path(key));
        return convert(*it, field_path(key));
    }

    // Converts the field when it is present and not null.
    template <class Convert>
    [[nodiscard]] auto optional(std::string_view key, Convert convert) const
        -> Result<std::optional<
            typename std::invoke_result_t<Convert, const Json&, const std::string&>::value_type>> {
        const Json* value = find(key);
        if (value == nullptr)
            return std::nullopt;
        return TRY(convert(*value, field_path(key)));
    }

  private:
    JsonObject(const Json& object, std::string path) : object_(&object), path_(std::move(path)) {}

    const Json* object_;
    std::string path_;
};

}  // namespace zapotec::config
