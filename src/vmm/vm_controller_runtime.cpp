// VmController: starting and running the VM (InstanceStart, pause, resume, Ctrl+Alt+Del,
// the end of the VM) and its metrics.
#include "base/log.hpp"
#include "config/host_resources.hpp"
#include "metrics/prometheus_writer.hpp"
#include "vmm/vm_controller.hpp"

namespace zapotec {

Result<> VmController::start_instance() {
    TRY(state_.next(VmAction::kStart));
    if (!has_boot_source_)
        return make_error("Cannot start microvm without kernel configuration.");
    if (options_.check_host_resources)
        TRY(check_host_resources(config_));
    BuildOptions build = options_.build;
    if (serial_out_path_)
        build.serial_out_path = serial_out_path_;
    std::unique_ptr<VmHandle> vm = TRY(options_.factory(config_, build));
    TRY(vm->start());
    vm_ = std::move(vm);
    TRY(state_.apply(VmAction::kStart));
    spdlog::info("microVM started ({} vCPUs, {} MiB)", config_.machine.vcpu_count,
                 config_.machine.mem_size_mib);
    return {};
}

Result<> VmController::pause() {
    TRY(state_.next(VmAction::kPause));
    TRY(vm_->pause());
    return state_.apply(VmAction::kPause);
}

Result<> VmController::resume() {
    TRY(state_.next(VmAction::kResume));
    TRY(vm_->resume());
    return state_.apply(VmAction::kResume);
}

Result<> VmController::send_ctrl_alt_del() {
    if (!state_.started())
        return make_error(std::string(kNotSupportedBeforeStart));
    if (state_.state() == VmState::kStopped)
        return make_error("cannot send Ctrl+Alt+Del: the microVM has stopped");
    return vm_->send_ctrl_alt_del();
}

void VmController::request_exit(VmExit exit) {
    if (vm_) {
        vm_->request_exit(std::move(exit));
    } else if (!pending_exit_) {
        pending_exit_ = std::move(exit);
    }
    if (options_.build.event_loop)
        options_.build.event_loop->stop();
}

VmExit VmController::finish() {
    VmExit exit = pending_exit_.value_or(
        VmExit{VmExitKind::Error, "the VMM stopped before the microVM was started"});
    if (vm_) {
        exit = vm_->finish();
        if (auto stopped = state_.apply(VmAction::kStop); !stopped)
            spdlog::debug("{}", stopped.error().message());
    }
    // A last line, so that the file covers the VM's whole life (as Firecracker does on exit).
    if (metrics_file_) {
        if (auto flushed = flush_metrics(); !flushed)
            spdlog::warn("{}", flushed.error().message());
    }
    flusher_.reset();
    return exit;
}

Result<> VmController::put_metrics(MetricsConfig metrics) {
    TRY(refuse_after_start());
    if (metrics_file_)
        return make_error("Reinitialization of metrics not allowed.");
    MetricsFile file = TRY(MetricsFile::open(metrics.metrics_path));
    if (options_.build.event_loop) {
        flusher_ =
            TRY(PeriodicFlusher::start(*options_.build.event_loop, options_.metrics_period, [this] {
                if (auto flushed = flush_metrics(); !flushed)
                    flush_warnings_.warn("{}", flushed.error().message());
            }));
    }
    metrics_file_ = std::move(file);
    return {};
}

Result<> VmController::flush_metrics() {
    if (!metrics_file_)
        return make_error(
            "Cannot flush metrics: the metrics system is not initialized (use PUT /metrics "
            "first).");
    auto written =
        metrics_file_->write([this](MetricsCollector& collector) { collect(collector); });
    if (!written) {
        ++metrics_flush_failures_;
        return written;
    }
    ++metrics_flushes_;
    return {};
}

std::string VmController::prometheus_metrics() {
    PrometheusWriter writer;
    collect(writer);
    return writer.text();
}

void VmController::count_api_request(const std::string& route, bool failed) {
    RequestCount& count = api_requests_[route];
    ++count.requests;
    if (failed)
        ++count.failures;
}

void VmController::collect(MetricsCollector& collector) const {
    MetricSink& vmm = collector.component("vmm", options_.instance_id);
    vmm.gauge("state", static_cast<uint64_t>(state_.state()));
    vmm.counter("metrics_flushes", metrics_flushes_);
    vmm.counter("metrics_flush_failures", metrics_flush_failures_);
    for (const auto& [route, count] : api_requests_) {
        MetricSink& api = collector.component("api", route);
        api.counter("requests", count.requests);
        api.counter("failures", count.failures);
    }
    if (vm_)
        vm_->collect_metrics(collector);
}

}  // namespace zapotec
