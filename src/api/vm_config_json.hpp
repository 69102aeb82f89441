// Zapotec's configuration types as the JSON Firecracker's API returns: GET /vm/config
// (FullVmConfiguration), GET /machine-config (MachineConfiguration) and GET / (InstanceInfo).
#pragma once

#include <nlohmann/json.hpp>

#include "vmm/vm_config.hpp"
#include "vmm/vm_control.hpp"

namespace zapotec::api {

[[nodiscard]] nlohmann::json vm_config_json(const VmConfig& config);
[[nodiscard]] nlohmann::json machine_config_json(const MachineConfig& machine);
[[nodiscard]] nlohmann::json instance_info_json(const InstanceInfo& info);

// Firecracker's spelling of a state: "Not started", "Running", "Paused"; and "Stopped".
[[nodiscard]] const char* vm_state_name(VmState state);

// Serializes without throwing on invalid UTF-8 (a path from the user is echoed back).
[[nodiscard]] std::string dump_json(const nlohmann::json& value);

}  // namespace zapotec::api
