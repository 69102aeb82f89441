// VmHandle over a real Vmm.
#include "vmm/vm_handle.hpp"

namespace zapotec {

namespace {

class VmmHandle final : public VmHandle {
  public:
    explicit VmmHandle(std::unique_ptr<Vmm> vmm) : vmm_(std::move(vmm)) {}

    Result<> start() override { return vmm_->start(); }
    Result<> pause() override { return vmm_->pause(); }
    Result<> resume() override { return vmm_->resume(); }
    Result<> send_ctrl_alt_del() override { return vmm_->send_ctrl_alt_del(); }
    Result<> update_drive(const DriveUpdate& update) override { return vmm_->update_drive(update); }
    Result<> update_network_interface(const NetworkInterfaceUpdate& update) override {
        return vmm_->update_network_interface(update);
    }
    void collect_metrics(MetricsCollector& collector) const override {
        vmm_->collect_metrics(collector);
    }
    void request_exit(VmExit exit) override { vmm_->request_exit(std::move(exit)); }
    VmExit finish() override { return vmm_->finish(); }

  private:
    std::unique_ptr<Vmm> vmm_;
};

}  // namespace

VmFactory vmm_factory() {
    return [](const VmConfig& config,
              const BuildOptions& options) -> Result<std::unique_ptr<VmHandle>> {
        std::unique_ptr<Vmm> vmm = TRY(Vmm::build(config, options));
        return std::make_unique<VmmHandle>(std::move(vmm));
    };
}

}  // namespace zapotec
