// Typed, path-aware reading of JSON values for the config-file parser.
#include "config/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace zapotec::config {

namespace {

// The edit distance between two short names, used to suggest the field the user meant.
size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The known field closest to an unknown key, when it is close enough to be a typo.
std::optional<std::string_view> closest_field(std::string_view key,
                                              std::span<const std::string_view> known_fields) {
    // Keys longer than any field name cannot be a typo of one; skip the quadratic work.
    if (key.size() > 64)
        return std::nullopt;
    std::optional<std::string_view> best;
    size_t best_distance = 3;  // Suggest only for at most two edits.
    for (std::string_view field : known_fields) {
        size_t distance = edit_distance(key, field);
        if (distance < best_distance) {
            best_distance = distance;
            best = field;
        }
    }
    return best;
}

}  // namespace

std::string json_type_name(const Json& value) {
    switch (value.type()) {
        case Json::value_t::null:
            return "null";
        case Json::value_t::boolean:
            return "boolean";
        case Json::value_t::string:
            return "string";
        case Json::value_t::number_unsigned:
            return "unsigned integer";
        case Json::value_t::number_integer:
            return "negative integer";
        case Json::value_t::number_float:
            return "floating-point number";
        case Json::value_t::object:
            return "object";
        case Json::value_t::array:
            return "array";
        case Json::value_t::binary:
        case Json::value_t::discarded:
            break;
    }
    return "unexpected value";
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f)
            out.push_back(c);
        else
            out += fmt::format("\\x{:02x}", byte);
    }
    return out;
}

std::string element_path(const std::string& path, size_t index) {
    return fmt::format("{}[{}]", path, index);
}

Result<std::string> as_string(const Json& value, const std::string& path) {
    if (!value.is_string())
        return make_error("{}: expected a string, got {}", path, json_type_name(value));
    return value.get<std::string>();
}

Result<bool> as_bool(const Json& value, const std::string& path) {
    if (!value.is_boolean())
        return make_error("{}: expected a boolean, got {}", path, json_type_name(value));
    return value.get<bool>();
}

Result<uint64_t> as_u64(const Json& value, const std::string& path) {
    if (value.is_number_unsigned())
        return value.get<uint64_t>();
    // nlohmann stores integers beyond 64 bits as doubles; say so rather than "floating-point".
    if (value.is_number_float()) {
        double number = value.get<double>();
        if (std::isfinite(number) && number >= 0x1p64 && std::floor(number) == number)
            return make_error("{}: {} does not fit in 64 bits", path, printable(value.dump()));
    }
    return make_error("{}: expected an unsigned integer, got {}", path, json_type_name(value));
}

Result<> check_array(const Json& value, const std::string& path) {
    if (!value.is_array())
        return make_error("{}: expected an array, got {}", path, json_type_name(value));
    return {};
}

Result<size_t> as_choice(const Json& value, const std::string& path,
                         std::span<const std::string_view> choices) {
    std::string text = TRY(as_string(value, path));
    auto it = std::find(choices.begin(), choices.end(), text);
    if (it != choices.end())
        return static_cast<size_t>(it - choices.begin());
    std::string expected;
    for (std::string_view choice : choices)
        expected += fmt::format("{}\"{}\"", expected.empty() ? "" : ", ", choice);
    return make_error("{}: expected one of {}, got \"{}\"", path, expected, printable(text));
}

Result<JsonObject> JsonObject::open(const Json& value, std::string path,
                                    std::span<const std::string_view> known_fields) {
    if (!value.is_object())
        return make_error("{}: expected an object, got {}", path.empty() ? "top level" : path,
                          json_type_name(value));
    JsonObject object(value, std::move(path));
    for (const auto& [key, field_value] : value.items()) {
        if (std::find(known_fields.begin(), known_fields.end(), key) != known_fields.end())
            continue;
        std::string message = fmt::format("{}: unknown field", object.field_path(key));
        if (auto suggestion = closest_field(key, known_fields))
            message += fmt::format(" (did you mean {}?)", *suggestion);
        return make_error(std::move(message));
    }
    return object;
}

std::string JsonObject::field_path(std::string_view key) const {
    if (path_.empty())
        return printable(key);
    return fmt::format("{}.{}", path_, printable(key));
}

const Json* JsonObject::find(std::string_view key) const {
    auto it = object_->find(key);
    if (it == object_->end() || it->is_null())
        return nullptr;
    return &*it;
}

}  // namespace zapotec::config
