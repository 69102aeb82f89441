// Route matching, path checks and the mapping of a call's result to a response.
#include "api/router.hpp"

#include <algorithm>

#include "config/json_fields.hpp"

namespace zapotec::api {

namespace {

bool is_parameter(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Splits "/drives/rootfs" into {"drives", "rootfs"}; "/" gives {} and one trailing slash is
// ignored, as Firecracker's split_terminator does.
std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    path.remove_prefix(1);
    if (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    if (path.empty())
        return segments;
    size_t start = 0;
    while (true) {
        size_t slash = path.find('/', start);
        segments.emplace_back(path.substr(start, slash - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return segments;
}

// Drops the scheme and authority of an absolute-form target ("http://localhost/vm").
std::string_view origin_form(std::string_view target) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (target.starts_with(scheme)) {
            target.remove_prefix(scheme.size());
            size_t slash = target.find('/');
            return slash == std::string_view::npos ? "/" : target.substr(slash);
        }
    }
    return target;
}

bool is_path_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '-' || c == '_' || c == '.';
}

Result<> check_path(std::string_view path) {
    if (path.size() > kMaxPathLength)
        return make_error("Invalid request path: longer than {} characters.", kMaxPathLength);
    if (path.empty() || path.front() != '/')
        return make_error("Invalid request path: \"{}\" does not start with '/'.",
                          config::printable(path));
    auto bad = std::find_if_not(path.begin(), path.end(), is_path_char);
    if (bad != path.end())
        return make_error(
            "Invalid request path: \"{}\" contains '{}'; only letters, digits and -_./ are "
            "allowed.",
            config::printable(path), config::printable(std::string_view(&*bad, 1)));
    return {};
}

// Firecracker's checked_id, plus a length limit.
Result<> check_id(const std::string& id) {
    if (id.empty())
        return make_error("The ID cannot be empty.");
    bool valid = std::all_of(id.begin(), id.end(), [](char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9');
    });
    if (!valid)
        return make_error(
            "API Resource IDs can only contain alphanumeric characters and underscores.");
    if (id.size() > kMaxIdLength)
        return make_error("API Resource IDs can be at most {} characters long.", kMaxIdLength);
    return {};
}

// "PUT /drives/{drive_id}" -> "PUT /drives".
std::string metrics_name(const std::string& method, const std::vector<std::string>& segments) {
    std::string name = method + " ";
    for (const std::string& segment : segments) {
        if (!is_parameter(segment))
            name += "/" + segment;
    }
    return segments.empty() ? method + " /" : name;
}

Result<VmmCall> refuse(const std::string& message) {
    return std::unexpected(Error(message));
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
    std::vector<std::string> segments = split_path(pattern);
    std::string name = metrics_name(method, segments);
    entries_.push_back(Entry{{std::move(method), std::move(pattern)},
                             std::move(segments),
                             std::move(name),
                             std::move(handler)});
}

std::vector<Router::Route> Router::routes() const {
    std::vector<Route> routes;
    for (const Entry& entry : entries_)
        routes.push_back(entry.route);
    return routes;
}

const Router::Entry* Router::find(std::string_view method, const std::vector<std::string>& segments,
                                  PathParams& params) const {
    for (const Entry& entry : entries_) {
        if (entry.route.method != method)
            continue;
        // A missing trailing parameter ("PUT /drives") matches with an empty id, which is
        // then refused as Firecracker does ("The ID cannot be empty.").
        bool missing_last = !entry.segments.empty() && is_parameter(entry.segments.back()) &&
                            segments.size() + 1 == entry.segments.size();
        if (segments.size() != entry.segments.size() && !missing_last)
            continue;
        params.clear();
        bool match = true;
        for (size_t i = 0; match && i < entry.segments.size(); ++i) {
            if (is_parameter(entry.segments[i]))
                params.push_back(i < segments.size() ? segments[i] : std::string());
            else
                match = i < segments.size() && segments[i] == entry.segments[i];
        }
        if (match)
            return &entry;
    }
    return nullptr;
}

PreparedRequest Router::prepare(const ApiRequest& request) const {
    std::string_view path = origin_form(request.path);
    if (auto checked = check_path(path); !checked)
        return {"invalid", std::unexpected(checked.error())};
    PathParams params;
    const Entry* entry = find(request.method, split_path(path), params);
    if (entry == nullptr)
        return {"invalid", refuse(fmt::format("Invalid request method and/or path: {} {}.",
                                              config::printable(request.method), path))};
    PreparedRequest prepared{entry->metrics_name, VmmCall{}};
    if (request.method == "GET" && !request.body.empty())
        prepared.call = refuse("GET request cannot have a body.");
    else if (request.method != "GET" && request.body.empty())
        prepared.call = refuse(fmt::format("Empty {} request.", request.method));
    for (size_t i = 0; prepared.call && i < params.size(); ++i) {
        if (auto checked = check_id(params[i]); !checked)
            prepared.call = std::unexpected(checked.error());
    }
    if (prepared.call)
        prepared.call = entry->handler(params, request.body);
    return prepared;
}

ApiResponse execute(const PreparedRequest& prepared, VmControl& control) {
    Result<ApiResponse> response =
        prepared.call ? (*prepared.call)(control) : std::unexpected(prepared.call.error());
    control.count_api_request(prepared.route, !response.has_value());
    if (!response)
        return ApiResponse::fault(400, response.error().message());
    return std::move(*response);
}

ApiResponse handle_request(const Router& router, const ApiRequest& request, VmControl& control) {
    return execute(router.prepare(request), control);
}

}  // namespace zapotec::api
