// Parsing the --disk and --net flags of `zapotec run`.
#include "cli/device_flags.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <vector>

#include "config/section_parsers.hpp"

namespace zapotec {

namespace {

struct Option {
    std::string key;
    std::optional<std::string> value;  // Absent for a bare word like "ro".
};

// "a,b=c,d" (for --disk, what follows the path); an empty item is an empty option.
std::vector<Option> split_options(std::string_view text) {
    std::vector<Option> options;
    for (;;) {
        size_t comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        size_t equals = item.find('=');
        if (equals == std::string_view::npos)
            options.push_back({std::string(item), std::nullopt});
        else
            options.push_back(
                {std::string(item.substr(0, equals)), std::string(item.substr(equals + 1))});
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
    }
    return options;
}

Result<uint64_t> parse_count(std::string_view text) {
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error == std::errc::invalid_argument || end != text.data() + text.size())
        return make_error("expected a decimal number, got \"{}\"", text);
    if (error == std::errc::result_out_of_range)
        return make_error("{} is too large", text);
    return value;
}

// A bucket of `size` tokens a second.
RateLimiterConfig per_second(std::optional<RateLimiterConfig> limiter, uint64_t size,
                             bool bandwidth) {
    RateLimiterConfig config = limiter.value_or(RateLimiterConfig{});
    TokenBucketConfig bucket{.size = size, .one_time_burst = std::nullopt, .refill_time_ms = 1000};
    (bandwidth ? config.bandwidth : config.ops) = bucket;
    return config;
}

// The value of a key=value option, or an error when it has none.
Result<std::string> value_of(const Option& option) {
    if (!option.value || option.value->empty())
        return make_error("{}: missing value (write {}=VALUE)", option.key, option.key);
    return *option.value;
}

Result<uint64_t> nonzero_count(const Option& option) {
    std::string text = TRY(value_of(option));
    auto count = parse_count(text);
    if (!count)
        return std::unexpected(count.error().context(option.key));
    if (*count == 0)
        return make_error("{}: must be greater than 0", option.key);
    return *count;
}

Result<uint64_t> size_option(const Option& option) {
    std::string text = TRY(value_of(option));
    auto size = parse_size(text);
    if (!size)
        return std::unexpected(size.error().context(option.key));
    return *size;
}

Result<> apply_disk_option(DriveConfig& drive, const Option& option) {
    if (option.key == "ro" && !option.value) {
        if (drive.is_read_only)
            return make_error("\"ro\" given twice");
        drive.is_read_only = true;
    } else if (option.key == "bandwidth") {
        drive.rate_limiter = per_second(drive.rate_limiter, TRY(size_option(option)), true);
    } else if (option.key == "iops") {
        drive.rate_limiter = per_second(drive.rate_limiter, TRY(nonzero_count(option)), false);
    } else if (option.key == "engine") {
        std::string engine = TRY(value_of(option));
        if (engine != "sync" && engine != "async")
            return make_error("engine: expected sync or async, got \"{}\"", engine);
        drive.io_engine = engine == "async" ? IoEngine::kAsync : IoEngine::kSync;
    } else {
        return make_error(
            "unknown option \"{}\" (expected ro, bandwidth=SIZE, iops=N or engine=sync|async)",
            option.value ? option.key + "=" + *option.value : option.key);
    }
    return {};
}

Result<> apply_net_option(NetworkInterfaceConfig& iface, const Option& option) {
    if (option.key == "tap") {
        iface.host_dev_name = TRY(value_of(option));
    } else if (option.key == "mac") {
        std::string text = TRY(value_of(option));
        iface.guest_mac = TRY(config::parse_mac_address(config::Json(text), "mac"));
    } else if (option.key == "mtu") {
        uint64_t mtu = TRY(nonzero_count(option));
        if (mtu > std::numeric_limits<uint16_t>::max())
            return make_error("mtu: {} is too large (at most 65535)", mtu);
        iface.mtu = static_cast<uint16_t>(mtu);
    } else if (option.key == "rx-bandwidth") {
        iface.rx_rate_limiter = per_second(iface.rx_rate_limiter, TRY(size_option(option)), true);
    } else if (option.key == "tx-bandwidth") {
        iface.tx_rate_limiter = per_second(iface.tx_rate_limiter, TRY(size_option(option)), true);
    } else {
        return make_error(
            "unknown option \"{}\" (expected tap=NAME, mac=MAC, mtu=N, rx-bandwidth=SIZE or "
            "tx-bandwidth=SIZE)",
            option.value ? option.key + "=" + *option.value : option.key);
    }
    return {};
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
    uint64_t multiplier = 1;
    std::string_view digits = text;
    if (!text.empty()) {
        switch (text.back()) {
            case 'K':
            case 'k':
                multiplier = uint64_t{1} << 10;
                break;
            case 'M':
            case 'm':
                multiplier = uint64_t{1} << 20;
                break;
            case 'G':
            case 'g':
                multiplier = uint64_t{1} << 30;
                break;
        }
        if (multiplier != 1)
            digits.remove_suffix(1);
    }
    uint64_t number = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (digits.empty() || error == std::errc::invalid_argument ||
        end != digits.data() + digits.size())
        return make_error("\"{}\" is not a size (a number with an optional K, M or G suffix)",
                          text);
    if (error == std::errc::result_out_of_range ||
        number > std::numeric_limits<uint64_t>::max() / multiplier)
        return make_error("{} is too large", text);
    if (number == 0)
        return make_error("must be greater than 0");
    return number * multiplier;
}

Result<DriveConfig> parse_disk_flag(const std::string& spec, size_t index) {
    DriveConfig drive;
    drive.drive_id = fmt::format("disk{}", index);
    drive.is_root_device = index == 0;
    size_t comma = spec.find(',');
    drive.path_on_host = spec.substr(0, comma);
    if (drive.path_on_host.empty())
        return make_error("--disk {}: missing path", spec);
    if (comma == std::string::npos)
        return drive;
    for (const Option& option : split_options(std::string_view(spec).substr(comma + 1))) {
        if (auto applied = apply_disk_option(drive, option); !applied)
            return make_error("--disk {}: {}", spec, applied.error().message());
    }
    return drive;
}

Result<NetworkInterfaceConfig> parse_net_flag(const std::string& spec, size_t index) {
    NetworkInterfaceConfig iface;
    iface.iface_id = fmt::format("eth{}", index);
    for (const Option& option : split_options(spec)) {
        if (auto applied = apply_net_option(iface, option); !applied)
            return make_error("--net {}: {}", spec, applied.error().message());
    }
    if (iface.host_dev_name.empty())
        return make_error("--net {}: missing tap=NAME", spec);
    return iface;
}

}  // namespace zapotec
