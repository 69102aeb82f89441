// Turns config-file text into a JSON document without letting exceptions escape.
#include "config/json_document.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace zapotec::config {

namespace {

// Follows the parser's events to know the path of each key, and remembers the first key that
// repeats within one object. nlohmann itself would keep the last value without a word.
class DuplicateKeyFinder {
  public:
    bool on_event(Json::parse_event_t event, const Json& parsed) {
        switch (event) {
            case Json::parse_event_t::object_start:
            case Json::parse_event_t::array_start:
                count_array_element();
                frames_.push_back(Frame{.is_array = event == Json::parse_event_t::array_start});
                break;
            case Json::parse_event_t::object_end:
            case Json::parse_event_t::array_end:
                if (!frames_.empty())
                    frames_.pop_back();
                break;
            case Json::parse_event_t::key:
                on_key(parsed.get<std::string>());
                break;
            case Json::parse_event_t::value:
                count_array_element();
                break;
        }
        return true;  // Keep every value; the document is only inspected afterwards.
    }

    const std::optional<std::string>& duplicate_path() const { return duplicate_path_; }

  private:
    struct Frame {
        bool is_array = false;
        size_t elements = 0;      // Arrays: elements seen so far.
        std::string current_key;  // Objects: the key whose value is being parsed.
        std::set<std::string> keys;
    };

    void count_array_element() {
        if (!frames_.empty() && frames_.back().is_array)
            ++frames_.back().elements;
    }

    void on_key(std::string key) {
        if (frames_.empty())
            return;
        Frame& frame = frames_.back();
        if (!frame.keys.insert(key).second && !duplicate_path_)
            duplicate_path_ = path_to_top() + printable(key);
        frame.current_key = std::move(key);
    }

    // The path of the object on top of the stack, with a trailing '.' when not empty.
    std::string path_to_top() const {
        std::string path;
        for (size_t i = 0; i + 1 < frames_.size(); ++i) {
            const Frame& frame = frames_[i];
            if (frame.is_array)
                path += fmt::format("[{}]", frame.elements - 1);
            else
                path += (path.empty() ? "" : ".") + printable(frame.current_key);
        }
        return path.empty() ? path : path + ".";
    }

    std::vector<Frame> frames_;
    std::optional<std::string> duplicate_path_;
};

// "[json.exception.parse_error.101] parse error at line 1..." -> "parse error at line 1...".
std::string without_exception_id(std::string_view what) {
    if (what.starts_with("[json.exception.")) {
        size_t end = what.find("] ");
        if (end != std::string_view::npos)
            what.remove_prefix(end + 2);
    }
    return printable(what);
}

}  // namespace

Result<Json> parse_json_document(std::string_view text) {
    DuplicateKeyFinder finder;
    Json::parser_callback_t callback = [&finder](int, Json::parse_event_t event, Json& parsed) {
        return finder.on_event(event, parsed);
    };
    Json document;
    try {
        document = Json::parse(text.begin(), text.end(), callback);
    } catch (const Json::exception& e) {
        return make_error("invalid JSON: {}", without_exception_id(e.what()));
    } catch (const std::exception& e) {
        // Only allocation failure is expected here; the parser has no other way to fail.
        return make_error("cannot parse JSON: {}", e.what());
    }
    if (finder.duplicate_path())
        return make_error("{}: duplicate field", *finder.duplicate_path());
    return document;
}

}  // namespace zapotec::config
