// Tests that bad config files are refused with one line naming the field at fault.
#include <gtest/gtest.h>

#include "config/config_file.hpp"

namespace zapotec {
namespace {

// The error for `text`, or "<accepted>".
std::string error_for(std::string_view text) {
    auto config = parse_config_json(text);
    return config ? "<accepted>" : config.error().message();
}

// A config file with `machine` as its machine-config object and `drive` as its one drive.
std::string config_with(std::string_view machine, std::string_view drive = "") {
    return fmt::format(R"({{"boot-source": {{"kernel_image_path": "k"}},
      "machine-config": {}, "drives": [{}]}})",
                       machine, drive);
}

constexpr std::string_view kMachine = R"({"vcpu_count": 2, "mem_size_mib": 256})";

TEST(ConfigErrors, EveryErrorIsOneLine) {
    for (std::string_view text : {"", "{", "[]", "{\"x\\n\": 1}",
                                  "{\"boot-source\": {\"kernel_image_path\": \"\\u0001\"}}"}) {
        std::string message = error_for(text);
        EXPECT_NE(message, "<accepted>");
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

TEST(ConfigErrors, InvalidJsonGivesLineAndColumn) {
    std::string message = error_for("{\n  \"drives\": [,]\n}");
    EXPECT_TRUE(message.starts_with("invalid JSON: parse error at line 2, column 14")) << message;
}

TEST(ConfigErrors, TopLevelMustBeAnObject) {
    EXPECT_EQ(error_for("[]"), "top level: expected an object, got array");
}

TEST(ConfigErrors, UnknownFieldAtEachLevel) {
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [], "foo": 1})"),
              "foo: unknown field");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k", "foo": 1}, "drives": []})"),
              "boot-source.foo: unknown field");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 1, "mem_size_mib": 256, "foo": 1})")),
              "machine-config.foo: unknown field");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [
                {"drive_id": "a", "path_on_host": "a", "is_root_device": true},
                {"drive_id": "b", "path_on_host": "b", "is_root_device": false, "foo": 1}]})"),
              "drives[1].foo: unknown field");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "path_on_host": "a",
                "is_root_device": true, "rate_limiter": {"foo": {}}})")),
              "drives[0].rate_limiter.foo: unknown field");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "path_on_host": "a",
                "is_root_device": true,
                "rate_limiter": {"ops": {"size": 1, "refill_time": 1, "foo": 2}}})")),
              "drives[0].rate_limiter.ops.foo: unknown field");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [],
                "network-interfaces": [{"iface_id": "a", "host_dev_name": "t", "foo": 1}]})"),
              "network-interfaces[0].foo: unknown field");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [],
                "entropy": {"foo": 1}})"),
              "entropy.foo: unknown field");
}

TEST(ConfigErrors, UnknownFieldSuggestsTheNameMeant) {
    EXPECT_EQ(error_for(config_with(R"({"vcpu_cont": 1, "mem_size_mib": 256})")),
              "machine-config.vcpu_cont: unknown field (did you mean vcpu_count?)");
}

TEST(ConfigErrors, UnknownFieldNameIsMadePrintable) {
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [],
                "a\nb": 1})"),
              "a\\x0ab: unknown field");
}

TEST(ConfigErrors, WrongTypes) {
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": "2", "mem_size_mib": 256})")),
              "machine-config.vcpu_count: expected an unsigned integer, got string");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": -2, "mem_size_mib": 256})")),
              "machine-config.vcpu_count: expected an unsigned integer, got negative integer");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 2.0, "mem_size_mib": 256})")),
              "machine-config.vcpu_count: expected an unsigned integer, got floating-point number");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 4294967296, "mem_size_mib": 256})")),
              "machine-config.vcpu_count: 4294967296 is too large (at most 4294967295)");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 2, "mem_size_mib": 18446744073709551616})")),
              "machine-config.mem_size_mib: 1.8446744073709552e+19 does not fit in 64 bits");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 2, "mem_size_mib": 256, "smt": 1})")),
              "machine-config.smt: expected a boolean, got unsigned integer");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": 7, "path_on_host": "a",
                "is_root_device": true})")),
              "drives[0].drive_id: expected a string, got unsigned integer");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "path_on_host": "a",
                "is_root_device": true, "cache_type": "Fast"})")),
              "drives[0].cache_type: expected one of \"Unsafe\", \"Writeback\", got \"Fast\"");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "path_on_host": "a",
                "is_root_device": true, "io_engine": "sync"})")),
              "drives[0].io_engine: expected one of \"Sync\", \"Async\", got \"sync\"");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "path_on_host": "a",
                "is_root_device": true,
                "rate_limiter": {"bandwidth": {"size": -1, "refill_time": 1}}})")),
              "drives[0].rate_limiter.bandwidth.size: expected an unsigned integer, got "
              "negative integer");
    EXPECT_EQ(error_for(R"({"boot-source": [], "drives": []})"),
              "boot-source: expected an object, got array");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": {}})"),
              "drives: expected an array, got object");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [],
                "network-interfaces": [{"iface_id": "a", "host_dev_name": "t",
                "guest_mac": "06:00:c0:a8:00"}]})"),
              "network-interfaces[0].guest_mac: \"06:00:c0:a8:00\" is not a MAC address like "
              "06:00:c0:a8:00:02");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [],
                "network-interfaces": [{"iface_id": "a", "host_dev_name": "t", "mtu": 70000}]})"),
              "network-interfaces[0].mtu: 70000 is too large (at most 65535)");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 2, "mem_size_mib": 256,
                "cpu_template": "V1N1"})")),
              "machine-config.cpu_template: expected one of \"None\", \"C3\", \"T2\", \"T2S\", "
              "\"T2CL\", \"T2A\", got \"V1N1\"");
}

TEST(ConfigErrors, MissingRequiredFields) {
    EXPECT_EQ(error_for(R"({"drives": []})"), "boot-source: missing required field");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}})"),
              "drives: missing required field");
    EXPECT_EQ(error_for(R"({"boot-source": {}, "drives": []})"),
              "boot-source.kernel_image_path: missing required field");
    EXPECT_EQ(error_for(config_with(R"({"mem_size_mib": 256})")),
              "machine-config.vcpu_count: missing required field");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 1})")),
              "machine-config.mem_size_mib: missing required field");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"path_on_host": "a", "is_root_device": true})")),
              "drives[0].drive_id: missing required field");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "is_root_device": true})")),
              "drives[0].path_on_host: missing required field");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "path_on_host": "a"})")),
              "drives[0].is_root_device: missing required field");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "path_on_host": "a",
                "is_root_device": true, "rate_limiter": {"ops": {"size": 1}}})")),
              "drives[0].rate_limiter.ops.refill_time: missing required field");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [],
                "network-interfaces": [{"iface_id": "a"}]})"),
              "network-interfaces[0].host_dev_name: missing required field");
}

TEST(ConfigErrors, RequiredFieldMayNotBeNull) {
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": null}, "drives": []})"),
              "boot-source.kernel_image_path: expected a string, got null");
}

TEST(ConfigErrors, DuplicateKeys) {
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 1, "mem_size_mib": 256, "vcpu_count": 2})")),
              "machine-config.vcpu_count: duplicate field");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [
                {"drive_id": "a", "path_on_host": "a", "is_root_device": true},
                {"drive_id": "b", "drive_id": "c"}]})"),
              "drives[1].drive_id: duplicate field");
    EXPECT_EQ(error_for(R"({"drives": [], "drives": []})"), "drives: duplicate field");
}

TEST(ConfigErrors, UnsupportedSectionsAreRefusedUnlessEmpty) {
    for (std::string_view section :
         {"balloon", "vsock", "logger", "metrics", "mmds-config", "cpu-config", "memory-hotplug"}) {
        std::string text = fmt::format(R"({{"boot-source": {{"kernel_image_path": "k"}},
          "drives": [], "{}": {{}}}})",
                                       section);
        EXPECT_EQ(error_for(text), fmt::format("{}: not supported yet", section));
    }
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [],
                "pmem": [{"id": "p"}]})"),
              "pmem: not supported yet");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "is_root_device": true,
                "socket": "/tmp/vhost.sock"})")),
              "drives[0].socket: vhost-user drives are not supported yet");
}

TEST(ConfigErrors, SemanticErrorsNameTheField) {
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 0, "mem_size_mib": 256})")),
              "machine-config.vcpu_count: must be between 1 and 254, got 0");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 255, "mem_size_mib": 256})")),
              "machine-config.vcpu_count: must be between 1 and 254, got 255");
    EXPECT_EQ(error_for(config_with(R"({"vcpu_count": 1, "mem_size_mib": 0})")),
              "machine-config.mem_size_mib: must be between 16 and 4294967296 (MiB), got 0");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [
                {"drive_id": "a", "path_on_host": "a", "is_root_device": true},
                {"drive_id": "a", "path_on_host": "b", "is_root_device": false}]})"),
              "drives[1].drive_id: \"a\" is already the id of drives[0]");
    EXPECT_EQ(error_for(R"({"boot-source": {"kernel_image_path": "k"}, "drives": [
                {"drive_id": "a", "path_on_host": "a", "is_root_device": true},
                {"drive_id": "b", "path_on_host": "b", "is_root_device": true}]})"),
              "drives[1].is_root_device: drives[0] is already the root device; there can be "
              "only one");
    EXPECT_EQ(error_for(config_with(kMachine, R"({"drive_id": "a", "path_on_host": "a",
                "is_root_device": true,
                "rate_limiter": {"bandwidth": {"size": 100, "refill_time": 0}}})")),
              "drives[0].rate_limiter.bandwidth.refill_time: must not be 0 when size is not 0");
}

}  // namespace
}  // namespace zapotec
