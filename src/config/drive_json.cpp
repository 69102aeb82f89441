// Parses one element of the `drives` array of a Firecracker config file.
#include <array>

#include "config/section_parsers.hpp"

namespace zapotec::config {

namespace {

constexpr std::array<EnumName<CacheType>, 2> kCacheTypes{{
    {"Unsafe", CacheType::kUnsafe},
    {"Writeback", CacheType::kWriteback},
}};

constexpr std::array<EnumName<IoEngine>, 2> kIoEngines{{
    {"Sync", IoEngine::kSync},
    {"Async", IoEngine::kAsync},
}};

Result<CacheType> as_cache_type(const Json& value, const std::string& path) {
    return as_enum(value, path, kCacheTypes);
}

Result<IoEngine> as_io_engine(const Json& value, const std::string& path) {
    return as_enum(value, path, kIoEngines);
}

}  // namespace

Result<DriveConfig> parse_drive(const Json& value, const std::string& path) {
    // `socket` selects a vhost-user drive in Firecracker; its own example config sets it to
    // null, so null is accepted and anything else is refused.
    static constexpr std::array<std::string_view, 9> kFields{
        "drive_id",   "path_on_host", "is_root_device", "is_read_only", "partuuid",
        "cache_type", "io_engine",    "rate_limiter",   "socket"};
    JsonObject object = TRY(JsonObject::open(value, path, kFields));
    if (object.find("socket") != nullptr)
        return make_error("{}: vhost-user drives are not supported yet",
                          object.field_path("socket"));
    DriveConfig drive;
    drive.drive_id = TRY(object.required("drive_id", as_string));
    drive.path_on_host = TRY(object.required("path_on_host", as_string));
    drive.is_root_device = TRY(object.required("is_root_device", as_bool));
    drive.is_read_only = TRY(object.optional("is_read_only", as_bool)).value_or(false);
    drive.partuuid = TRY(object.optional("partuuid", as_string));
    drive.cache_type =
        TRY(object.optional("cache_type", as_cache_type)).value_or(CacheType::kUnsafe);
    drive.io_engine = TRY(object.optional("io_engine", as_io_engine)).value_or(IoEngine::kSync);
    drive.rate_limiter = TRY(object.optional("rate_limiter", parse_rate_limiter));
    return drive;
}

}  // namespace zapotec::config
