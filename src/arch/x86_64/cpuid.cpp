// Per-vCPU CPUID: KVM_GET_SUPPORTED_CPUID's list adjusted to the vCPU's APIC id, the VM's
// topology and the hypervisor's presence.
#include "arch/x86_64/cpuid.hpp"

#include <algorithm>
#include <bit>

namespace zapotec::x86_64 {

namespace {

// Leaf 1.
constexpr BitField kInitialApicIdField{24, 8};  // EBX
constexpr BitField kLogicalCountField{16, 8};   // EBX: addressable logical processor ids.
constexpr uint32_t kTscDeadlineBit = 1u << 24;  // ECX
constexpr uint32_t kHypervisorBit = 1u << 31;   // ECX
constexpr uint32_t kHttBit = 1u << 28;          // EDX: EBX[23:16] is valid.

// Leaves 4 and 0x8000001D, EAX; one subleaf per cache until the type is zero.
constexpr BitField kCacheTypeField{0, 5};
constexpr BitField kCacheLevelField{5, 3};
constexpr BitField kCacheSharingField{14, 12};    // Logical processors sharing it, minus one.
constexpr BitField kCoresPerPackageField{26, 6};  // Leaf 4 only: cores, minus one.
constexpr uint32_t kFirstSharedCacheLevel = 3;    // L1 and L2 belong to one core.

// Leaf 6, EAX: the APIC timer keeps running in deep C-states. KVM's LAPIC timer always
// does; the turbo, HWP and thermal features next to it have no emulated MSRs behind them.
constexpr uint32_t kAratBit = 1u << 2;

// Leaves 0xB and 0x1F.
constexpr BitField kTopologyShiftField{0, 5};   // EAX: x2APIC id bits below the next level.
constexpr BitField kTopologyCountField{0, 16};  // EBX: logical processors at this level.
constexpr BitField kTopologyLevelField{0, 8};   // ECX: the subleaf number.
constexpr BitField kTopologyTypeField{8, 8};    // ECX
enum class TopologyLevel : uint32_t { Invalid = 0, Smt = 1, Core = 2 };

// AMD.
constexpr uint32_t kCmpLegacyBit = 1u << 1;      // 0x80000001 ECX: more than one core.
constexpr BitField kThreadCountField{0, 8};      // 0x80000008 ECX: NC, threads minus one.
constexpr BitField kApicIdSizeField{12, 4};      // 0x80000008 ECX: APIC id bits per package.
constexpr BitField kCoreIdField{0, 8};           // 0x8000001E EBX
constexpr BitField kThreadsPerCoreField{8, 8};   // 0x8000001E EBX: minus one.
constexpr BitField kNodeIdField{0, 8};           // 0x8000001E ECX
constexpr BitField kNodesPerPackageField{8, 3};  // 0x8000001E ECX: minus one.

// "KVMKVMKVM\0\0\0" in EBX, ECX, EDX, little-endian.
constexpr uint32_t kKvmSignatureEbx = 0x4b4d'564b;  // "KVMK"
constexpr uint32_t kKvmSignatureEcx = 0x564b'4d56;  // "VMKV"
constexpr uint32_t kKvmSignatureEdx = 0x0000'004d;  // "M\0\0\0"

// Where one vCPU sits in the VM's single package, and the x2APIC id bit widths.
struct Topology {
    uint32_t apic_id = 0;
    uint32_t vcpu_count = 1;
    uint32_t threads_per_core = 1;
    uint32_t cores = 1;
    uint32_t smt_shift = 0;      // Id bits numbering the threads of a core.
    uint32_t package_shift = 0;  // Id bits numbering the threads of the package.
};

uint32_t ceil_log2(uint32_t n) {
    return n <= 1 ? 0 : static_cast<uint32_t>(std::bit_width(n - 1));
}

Topology make_topology(const CpuidContext& ctx) {
    Topology topology;
    topology.vcpu_count = std::clamp<uint32_t>(ctx.vcpu_count, 1, kMaxCpuidVcpus);
    topology.apic_id = std::min(ctx.vcpu_index, topology.vcpu_count - 1);
    topology.threads_per_core =
        std::bit_floor(std::clamp<uint32_t>(ctx.threads_per_core, 1, topology.vcpu_count));
    topology.cores =
        (topology.vcpu_count + topology.threads_per_core - 1) / topology.threads_per_core;
    topology.smt_shift = ceil_log2(topology.threads_per_core);
    topology.package_shift = topology.smt_shift + ceil_log2(topology.cores);
    return topology;
}

// Adds or replaces an entry; a full list keeps what it has (see adjust_cpuid).
bool try_set_entry(std::vector<kvm_cpuid_entry2>& entries, const kvm_cpuid_entry2& entry) {
    return set_cpuid_entry(entries, entry).has_value();
}

void adjust_features(std::vector<kvm_cpuid_entry2>& entries, const Topology& topology,
                     const CpuidContext& ctx) {
    kvm_cpuid_entry2* entry = find_cpuid_entry(entries, leaf::kFeatures);
    if (!entry)
        return;
    kInitialApicIdField.set(entry->ebx, topology.apic_id);
    kLogicalCountField.set(entry->ebx, topology.vcpu_count);
    set_bits(entry->edx, kHttBit, topology.vcpu_count > 1);
    set_bits(entry->ecx, kHypervisorBit, true);
    if (ctx.tsc_deadline_timer)
        set_bits(entry->ecx, kTscDeadlineBit, true);
}

void adjust_cache_leaf(std::vector<kvm_cpuid_entry2>& entries, uint32_t function,
                       const Topology& topology) {
    for (auto& entry : entries) {
        if (entry.function != function || kCacheTypeField.get(entry.eax) == 0)
            continue;
        const bool shared = kCacheLevelField.get(entry.eax) >= kFirstSharedCacheLevel;
        kCacheSharingField.set(entry.eax,
                               (shared ? topology.vcpu_count : topology.threads_per_core) - 1);
        // Bits 31:26 are reserved in AMD's 0x8000001D.
        if (function == leaf::kCacheParameters)
            kCoresPerPackageField.set(entry.eax, topology.cores - 1);
    }
}

void adjust_thermal_power(std::vector<kvm_cpuid_entry2>& entries) {
    kvm_cpuid_entry2* entry = find_cpuid_entry(entries, leaf::kThermalPower);
    if (!entry)
        return;
    entry->eax &= kAratBit;
    entry->ebx = 0;
    entry->ecx = 0;
    entry->edx = 0;
}

kvm_cpuid_entry2 topology_entry(uint32_t function, uint32_t subleaf, TopologyLevel level,
                                uint32_t shift, uint32_t count, uint32_t apic_id) {
    kvm_cpuid_entry2 entry{};
    entry.function = function;
    entry.index = subleaf;
    entry.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
    kTopologyShiftField.set(entry.eax, shift);
    kTopologyCountField.set(entry.ebx, count);
    kTopologyLevelField.set(entry.ecx, subleaf);
    kTopologyTypeField.set(entry.ecx, static_cast<uint32_t>(level));
    entry.edx = apic_id;
    return entry;
}

// Subleaf 0 the SMT level, subleaf 1 the core level (the whole package), subleaf 2 the end
// of the list. Host subleaves beyond (a die level, say) would describe the host, not us.
void write_extended_topology(std::vector<kvm_cpuid_entry2>& entries, uint32_t function,
                             const Topology& topology) {
    if (max_cpuid_leaf(entries, leaf::kVendor) < function)
        return;
    remove_cpuid_subleaves(entries, function, 3);
    const kvm_cpuid_entry2 levels[] = {
        topology_entry(function, 0, TopologyLevel::Smt, topology.smt_shift,
                       topology.threads_per_core, topology.apic_id),
        topology_entry(function, 1, TopologyLevel::Core, topology.package_shift,
                       topology.vcpu_count, topology.apic_id),
        topology_entry(function, 2, TopologyLevel::Invalid, 0, 0, topology.apic_id),
    };
    for (const auto& level : levels) {
        if (!try_set_entry(entries, level))
            return;
    }
}

void adjust_amd_topology(std::vector<kvm_cpuid_entry2>& entries, const Topology& topology) {
    if (auto* entry = find_cpuid_entry(entries, leaf::kExtendedFeatures))
        set_bits(entry->ecx, kCmpLegacyBit, topology.vcpu_count > 1);
    if (auto* entry = find_cpuid_entry(entries, leaf::kAddressSizes)) {
        kThreadCountField.set(entry->ecx, topology.vcpu_count - 1);
        kApicIdSizeField.set(entry->ecx, topology.package_shift);
    }
    if (auto* entry = find_cpuid_entry(entries, leaf::kAmdExtendedApicId)) {
        entry->eax = topology.apic_id;
        entry->ebx = 0;
        kCoreIdField.set(entry->ebx, topology.apic_id >> topology.smt_shift);
        kThreadsPerCoreField.set(entry->ebx, topology.threads_per_core - 1);
        entry->ecx = 0;
        kNodeIdField.set(entry->ecx, 0);
        kNodesPerPackageField.set(entry->ecx, 0);
        entry->edx = 0;
    }
}

void ensure_hypervisor_leaf(std::vector<kvm_cpuid_entry2>& entries) {
    if (auto* entry = find_cpuid_entry(entries, leaf::kHypervisor)) {
        entry->eax = std::max(entry->eax, leaf::kKvmFeatures);
        return;
    }
    kvm_cpuid_entry2 entry{};
    entry.function = leaf::kHypervisor;
    entry.eax = leaf::kKvmFeatures;
    entry.ebx = kKvmSignatureEbx;
    entry.ecx = kKvmSignatureEcx;
    entry.edx = kKvmSignatureEdx;
    try_set_entry(entries, entry);
}

}  // namespace

Result<> validate_cpuid_context(const CpuidContext& ctx) {
    if (ctx.vcpu_count == 0 || ctx.vcpu_count > kMaxCpuidVcpus)
        return make_error("{} vCPUs: between 1 and {} are supported", ctx.vcpu_count,
                          kMaxCpuidVcpus);
    if (ctx.vcpu_index >= ctx.vcpu_count)
        return make_error("vCPU index {} is not below the vCPU count {}", ctx.vcpu_index,
                          ctx.vcpu_count);
    if (!std::has_single_bit(ctx.threads_per_core) || ctx.threads_per_core > ctx.vcpu_count)
        return make_error(
            "{} threads per core: must be a power of two no larger than the {} "
            "vCPUs",
            ctx.threads_per_core, ctx.vcpu_count);
    return {};
}

void adjust_cpuid(std::vector<kvm_cpuid_entry2>& entries, const CpuidContext& ctx) {
    const Topology topology = make_topology(ctx);
    adjust_features(entries, topology, ctx);
    adjust_cache_leaf(entries, leaf::kCacheParameters, topology);
    adjust_thermal_power(entries);
    write_extended_topology(entries, leaf::kExtendedTopology, topology);
    write_extended_topology(entries, leaf::kExtendedTopologyV2, topology);
    if (ctx.vendor == CpuVendor::Amd) {
        adjust_cache_leaf(entries, leaf::kAmdCacheTopology, topology);
        adjust_amd_topology(entries, topology);
    }
    ensure_hypervisor_leaf(entries);
}

}  // namespace zapotec::x86_64
