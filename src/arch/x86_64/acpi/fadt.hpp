// The FADT (Fixed ACPI Description Table), revision 6, for a hardware-reduced platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "arch/x86_64/acpi/acpi_config.hpp"
#include "arch/x86_64/acpi/sdt.hpp"

namespace zapotec::x86_64::acpi {

#pragma pack(push, 1)
struct Fadt {
    SdtHeader header;
    uint32_t firmware_ctrl;
    uint32_t dsdt;
    uint8_t reserved0;
    uint8_t preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    uint8_t acpi_disable;
    uint8_t s4bios_req;
    uint8_t pstate_cnt;
    uint32_t pm1a_evt_blk;
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;
    uint32_t pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk;
    uint32_t gpe1_blk;
    uint8_t pm1_evt_len;
    uint8_t pm1_cnt_len;
    uint8_t pm2_cnt_len;
    uint8_t pm_tmr_len;
    uint8_t gpe0_blk_len;
    uint8_t gpe1_blk_len;
    uint8_t gpe1_base;
    uint8_t cst_cnt;
    uint16_t p_lvl2_lat;
    uint16_t p_lvl3_lat;
    uint16_t flush_size;
    uint16_t flush_stride;
    uint8_t duty_offset;
    uint8_t duty_width;
    uint8_t day_alrm;
    uint8_t mon_alrm;
    uint8_t century;
    uint16_t iapc_boot_arch;
    uint8_t reserved1;
    uint32_t flags;
    GenericAddress reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    GenericAddress x_pm1a_evt_blk;
    GenericAddress x_pm1b_evt_blk;
    GenericAddress x_pm1a_cnt_blk;
    GenericAddress x_pm1b_cnt_blk;
    GenericAddress x_pm2_cnt_blk;
    GenericAddress x_pm_tmr_blk;
    GenericAddress x_gpe0_blk;
    GenericAddress x_gpe1_blk;
    GenericAddress sleep_control_reg;
    GenericAddress sleep_status_reg;
    char hypervisor_vendor_id[8];
};
#pragma pack(pop)
static_assert(sizeof(Fadt) == 276);
static_assert(offsetof(Fadt, dsdt) == 40);
static_assert(offsetof(Fadt, sci_int) == 46);
static_assert(offsetof(Fadt, iapc_boot_arch) == 109);
static_assert(offsetof(Fadt, flags) == 112);
static_assert(offsetof(Fadt, reset_reg) == 116);
static_assert(offsetof(Fadt, reset_value) == 128);
static_assert(offsetof(Fadt, minor_version) == 131);
static_assert(offsetof(Fadt, x_dsdt) == 140);
static_assert(offsetof(Fadt, x_pm_tmr_blk) == 208);
static_assert(offsetof(Fadt, sleep_control_reg) == 244);
static_assert(offsetof(Fadt, sleep_status_reg) == 256);
static_assert(offsetof(Fadt, hypervisor_vendor_id) == 268);

inline constexpr uint8_t kFadtRevision = 6;
inline constexpr uint8_t kFadtMinorVersion = 5;  // ACPI 6.5.

// FADT flags.
inline constexpr uint32_t kFadtResetRegSupported = 1u << 10;
inline constexpr uint32_t kFadtHwReducedAcpi = 1u << 20;
// IA-PC boot architecture flags.
inline constexpr uint16_t kBootArch8042 = 1u << 1;
inline constexpr uint16_t kBootArchVgaNotPresent = 1u << 2;
inline constexpr uint16_t kBootArchMsiNotSupported = 1u << 3;
inline constexpr uint16_t kBootArchNoCmosRtc = 1u << 5;

// The finished table (length and checksum set) pointing at the DSDT at `dsdt_address`.
[[nodiscard]] std::vector<uint8_t> build_fadt(const AcpiConfig& config, uint64_t dsdt_address);

}  // namespace zapotec::x86_64::acpi
