// Parses one element of the `network-interfaces` array of a Firecracker config file.
#include <array>

#include "config/section_parsers.hpp"

namespace zapotec::config {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<MacAddress> parse_mac_address(const Json& value, const std::string& path) {
    std::string text = TRY(as_string(value, path));
    // Six two-digit hex bytes separated by colons, as Firecracker's MacAddr::from_str.
    MacAddress mac{};
    bool valid = text.size() == 17;
    for (size_t i = 0; valid && i < mac.size(); ++i) {
        int high = hex_digit(text[3 * i]);
        int low = hex_digit(text[3 * i + 1]);
        bool separator_ok = i + 1 == mac.size() || text[3 * i + 2] == ':';
        valid = high >= 0 && low >= 0 && separator_ok;
        mac[i] = static_cast<uint8_t>(high * 16 + low);
    }
    if (!valid)
        return make_error("{}: \"{}\" is not a MAC address like 06:00:c0:a8:00:02", path,
                          printable(text));
    return mac;
}

Result<NetworkInterfaceConfig> parse_network_interface(const Json& value, const std::string& path) {
    static constexpr std::array<std::string_view, 6> kFields{
        "iface_id", "host_dev_name", "guest_mac", "mtu", "rx_rate_limiter", "tx_rate_limiter"};
    JsonObject object = TRY(JsonObject::open(value, path, kFields));
    NetworkInterfaceConfig iface;
    iface.iface_id = TRY(object.required("iface_id", as_string));
    iface.host_dev_name = TRY(object.required("host_dev_name", as_string));
    iface.guest_mac = TRY(object.optional("guest_mac", parse_mac_address));
    iface.mtu = TRY(object.optional("mtu", as_unsigned<uint16_t>));
    iface.rx_rate_limiter = TRY(object.optional("rx_rate_limiter", parse_rate_limiter));
    iface.tx_rate_limiter = TRY(object.optional("tx_rate_limiter", parse_rate_limiter));
    return iface;
}

}  // namespace zapotec::config
