// The user's description of a VM: filled by the CLI or the Firecracker-style config file,
// validated (config/validate.hpp), then handed to the builder.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zapotec {

// One token bucket of a rate limiter, as Firecracker's TokenBucket: `size` tokens (bytes or
// operations) refill completely every `refill_time_ms`; `one_time_burst` extra tokens are
// available once at the start. A bucket with size 0 does not limit anything.
struct TokenBucketConfig {
    uint64_t size = 0;
    std::optional<uint64_t> one_time_burst;
    uint64_t refill_time_ms = 0;
};

// Firecracker's RateLimiter: independent limits on bytes and on operations per refill time.
struct RateLimiterConfig {
    std::optional<TokenBucketConfig> bandwidth;
    std::optional<TokenBucketConfig> ops;
};

struct BootSourceConfig {
    std::string kernel_image_path;
    std::optional<std::string> initrd_path;
    std::string boot_args = "console=ttyS0";
};

// Whether the block device honours the guest's flush requests (Firecracker's cache_type).
enum class CacheType {
    kUnsafe,     // Flushes are acknowledged without syncing; the default.
    kWriteback,  // Flushes sync the backing file.
};

// How the block device does I/O on the backing file (Firecracker's io_engine).
enum class IoEngine {
    kSync,
    kAsync,  // io_uring.
};

struct DriveConfig {
    std::string drive_id;
    std::string path_on_host;
    bool is_root_device = false;
    bool is_read_only = false;
    // When the root device has a partuuid the kernel gets root=PARTUUID=..., else /dev/vda.
    std::optional<std::string> partuuid;
    CacheType cache_type = CacheType::kUnsafe;
    IoEngine io_engine = IoEngine::kSync;
    std::optional<RateLimiterConfig> rate_limiter;
};

// Firecracker's static CPU templates (deprecated there). Stored only; the builder decides.
enum class CpuTemplate { kNone, kC3, kT2, kT2S, kT2CL, kT2A };

// What backs guest memory (Firecracker's huge_pages).
enum class HugePages {
    kNone,         // 4 KiB pages.
    kTransparent,  // madvise(MADV_HUGEPAGE).
    kHugetlbfs2M,  // "2M": hugetlbfs 2 MiB pages.
};

struct MachineConfig {
    uint32_t vcpu_count = 1;
    uint64_t mem_size_mib = 256;
    bool smt = false;
    bool track_dirty_pages = false;
    CpuTemplate cpu_template = CpuTemplate::kNone;
    HugePages huge_pages = HugePages::kNone;
};

struct EntropyConfig {
    bool enabled = false;
    std::optional<RateLimiterConfig> rate_limiter;
};

using MacAddress = std::array<uint8_t, 6>;

// A virtio-net device backed by a host tap device. Parsed and validated now; the device
// itself comes later.
struct NetworkInterfaceConfig {
    std::string iface_id;
    std::string host_dev_name;
    std::optional<MacAddress> guest_mac;
    std::optional<uint16_t> mtu;
    std::optional<RateLimiterConfig> rx_rate_limiter;
    std::optional<RateLimiterConfig> tx_rate_limiter;
};

struct VmConfig {
    BootSourceConfig boot_source;
    MachineConfig machine;
    std::vector<DriveConfig> drives;  // The first one is /dev/vda.
    EntropyConfig entropy;
    std::vector<NetworkInterfaceConfig> network_interfaces;
};

}  // namespace zapotec
