// The VM's counters for a metrics flush or GET /metrics: per vCPU, per virtio device, and the
// VMM's own (pauses and resumes).
#include "vmm/vmm.hpp"

namespace zapotec {

namespace {

std::string_view device_kind(virtio::DeviceType type) {
    switch (type) {
        case virtio::DeviceType::Net:
            return "net";
        case virtio::DeviceType::Block:
            return "block";
        case virtio::DeviceType::Console:
            return "console";
        case virtio::DeviceType::Rng:
            return "rng";
        case virtio::DeviceType::Balloon:
            return "balloon";
        case virtio::DeviceType::Vsock:
            return "vsock";
    }
    return "virtio";
}

// "block rootfs" -> "rootfs"; a name without an instance part is its own id.
std::string device_id(const std::string& name) {
    auto space = name.find(' ');
    return space == std::string::npos ? name : name.substr(space + 1);
}

}  // namespace

void Vmm::collect_metrics(MetricsCollector& collector) const {
    for (const auto& vcpu : vcpus_)
        vcpu->collect_metrics(collector.component("vcpu", std::to_string(vcpu->id())));
    for (const auto& device : virtio_devices_) {
        device->collect_metrics(
            collector.component(device_kind(device->device_type()), device_id(device->name())));
    }
    MetricSink& vmm = collector.component("vmm", "0");
    vmm.counter("pauses", pauses_.load(std::memory_order_relaxed));
    vmm.counter("resumes", resumes_.load(std::memory_order_relaxed));
    vmm.gauge("last_pause_latency_us", last_pause_latency_us_.load(std::memory_order_relaxed));
}

}  // namespace zapotec
