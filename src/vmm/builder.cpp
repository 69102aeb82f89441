// The one build sequence of a VM: KVM and its interrupt controllers, guest memory, the
// legacy devices, the PCI devices, the boot image, then the vCPUs.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "arch/x86_64/layout.hpp"
#include "base/log.hpp"
#include "devices/legacy/acpi_power.hpp"
#include "devices/legacy/boot_timer.hpp"
#include "devices/legacy/cmos.hpp"
#include "devices/legacy/console_input.hpp"
#include "devices/legacy/i8042.hpp"
#include "devices/legacy/serial.hpp"
#include "devices/legacy/serial_output.hpp"
#include "devices/pci/pvpanic.hpp"
#include "devices/virtio/block/block_device.hpp"
#include "devices/virtio/net/net_factory.hpp"
#include "devices/virtio/pci/virtio_pci_device.hpp"
#include "devices/virtio/rng/rng_device.hpp"
#include "vmm/boot_setup.hpp"
#include "vmm/interrupts.hpp"
#include "vmm/vcpu_setup.hpp"
#include "vmm/vmm.hpp"

namespace zapotec {

using namespace x86_64;

class VmBuilder {
  public:
    VmBuilder(Vmm& vmm, const VmConfig& config, const BuildOptions& options)
        : vmm_(vmm), config_(config), options_(options) {}

    Result<> build() {
        TRY(setup_platform());
        TRY(setup_memory());
        if (options_.event_loop)
            vmm_.event_loop_ = options_.event_loop;
        else
            vmm_.event_loop_ = TRY(EventLoop::create());
        TRY(setup_legacy_devices());
        TRY(setup_pci_devices());
        BootEntry entry = TRY(load_boot_image(*vmm_.memory_, config_));
        TRY(setup_vcpus(entry));
        return {};
    }

  private:
    Result<> setup_platform() {
        const kvm::Vm& vm = vmm_.vm_;
        TRY(vm.set_tss_address(kKvmTssAddress));
        TRY(vm.set_identity_map_address(kKvmIdentityMapAddress));
        TRY(vm.create_irqchip());
        TRY(vm.create_pit());
        vmm_.gsi_router_ = std::make_unique<kvm::GsiRouter>(vm, kFirstMsiGsi);
        TRY(vmm_.gsi_router_->add_irqchip_routes(kIoApicPins));
        return {};
    }

    Result<> setup_memory() {
        uint64_t bytes = config_.machine.mem_size_mib << 20;
        uint64_t low = std::min(bytes, kMmioHoleStart);
        std::vector<GuestRegionSpec> specs{{GuestAddress(0), low}};
        if (bytes > low)
            specs.push_back({GuestAddress(kMmioHoleEnd), bytes - low});
        auto memory = GuestMemory::create(specs);
        if (!memory) {
            return std::unexpected(memory.error().context(fmt::format(
                "machine-config.mem_size_mib: cannot map {} MiB", config_.machine.mem_size_mib)));
        }
        vmm_.memory_ = std::make_shared<GuestMemory>(std::move(*memory));
        uint32_t slot = 0;
        for (const auto& region : vmm_.memory_->regions()) {
            TRY(vmm_.vm_.set_user_memory_region(slot++, region.start().value, region.size(),
                                                region.host_address()));
        }
        return {};
    }

    Result<> insert_pio(std::shared_ptr<BusDevice> device, uint64_t port, uint64_t size) {
        TRY(vmm_.pio_bus_.insert(device, port, size));
        vmm_.legacy_devices_.push_back(std::move(device));
        return {};
    }

    // The guest's console output goes to stdout, or to serial_out_path (PUT /serial), which
    // is created when missing and appended to. A FIFO without a reader yet is opened
    // read-write, which does not wait for one.
    Result<UniqueFd> open_console_output() {
        if (!options_.serial_out_path)
            return legacy::open_output_sink(STDOUT_FILENO);
        const std::string& path = *options_.serial_out_path;
        int flags = O_CREAT | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
        UniqueFd file(::open(path.c_str(), flags | O_WRONLY, 0644));
        if (!file && errno == ENXIO)
            file.reset(::open(path.c_str(), flags | O_RDWR, 0644));
        if (!file)
            return errno_error(fmt::format("serial_out_path: open {}", path));
        return file;  // Already non-blocking, and shared with nothing else.
    }

    Result<> setup_legacy_devices() {
        Vmm* vmm = &vmm_;
        auto com1_irq = TRY(IrqfdLine::create(vmm_.vm_, kCom1Irq));
        auto output = TRY(open_console_output());
        auto serial = std::make_shared<legacy::Serial8250>(com1_irq, std::move(output));
        if (options_.boot_timer) {
            auto start = options_.process_start;
            auto reported = std::make_shared<std::atomic<bool>>(false);
            serial->set_output_observer([start, reported](uint8_t) {
                if (reported->exchange(true))
                    return;
                auto elapsed = std::chrono::steady_clock::now() - start;
                spdlog::warn(
                    "boot-timer: first guest console byte {} us after start",
                    std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
            });
        }
        vmm_.serial_ = serial;
        TRY(insert_pio(serial, kCom1Port, legacy::Serial8250::kSize));
        if (options_.boot_timer) {
            TRY(insert_pio(
                std::make_shared<legacy::BootTimer>(
                    options_.process_start,
                    [](legacy::BootTimer::Clock::duration elapsed) {
                        spdlog::warn(
                            "boot-timer: guest boot complete {} us after start",
                            std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
                    }),
                kBootMarkerPort, legacy::BootTimer::kSize));
        }
        if (options_.interactive_console) {
            vmm_.console_input_ =
                TRY(legacy::ConsoleInput::start(*vmm_.event_loop_, STDIN_FILENO, serial));
        }

        auto keyboard_irq = TRY(IrqfdLine::create(vmm_.vm_, 1));
        vmm_.i8042_ = std::make_shared<legacy::I8042>(keyboard_irq, [vmm] {
            vmm->request_exit({VmExitKind::Reset, "guest reset the machine (i8042)"});
        });
        TRY(insert_pio(vmm_.i8042_, kI8042Port, legacy::I8042::kSize));
        uint64_t total = vmm_.memory_->total_size();
        uint64_t below_4g = std::min(total, kMmioHoleStart);
        TRY(insert_pio(std::make_shared<legacy::Cmos>(below_4g, total - below_4g), kCmosPort,
                       legacy::Cmos::kSize));
        TRY(insert_pio(
            std::make_shared<legacy::AcpiPowerDevice>(
                [vmm] {
                    vmm->request_exit({VmExitKind::PowerOff, "guest powered off"});
                },
                [vmm] {
                    vmm->request_exit({VmExitKind::Reset, "guest rebooted (ACPI reset)"});
                }),
            kAcpiSleepControlPort, legacy::AcpiPowerDevice::kSize));
        vmm_.pci_root_ = std::make_shared<pci::PciRoot>();
        TRY(vmm_.pio_bus_.insert(vmm_.pci_root_, kPciConfigAddressPort, 8));
        return {};
    }

    // BARs are handed out from the PCI window, each aligned to its size.
    Result<uint64_t> allocate_bar(uint64_t size) {
        uint64_t address = (next_bar_ + size - 1) & ~(size - 1);
        if (address + size > kPciMmioEnd)
            return make_error("the PCI MMIO window is full");
        next_bar_ = address + size;
        return address;
    }

    Result<> add_pci_device(std::shared_ptr<pci::PciDevice> device) {
        TRY(vmm_.pci_root_->add_device(device));
        device->attach(&vmm_.mmio_bus_);
        vmm_.pci_devices_.push_back(std::move(device));
        return {};
    }

    Result<> add_virtio_device(std::shared_ptr<virtio::VirtioDevice> device) {
        virtio::VirtioPciDeps deps;
        deps.memory = vmm_.memory_;
        uint16_t vectors = static_cast<uint16_t>(device->queue_max_sizes().size() + 1);
        deps.msi_vectors = TRY(KvmMsiVectors::create(vmm_.vm_, *vmm_.gsi_router_, vectors));
        deps.notify_registry = notify_registry_;
        deps.event_loop = vmm_.event_loop_.get();
        uint64_t bar = TRY(allocate_bar(virtio::VirtioPciDevice::kBar0Size));
        auto transport = TRY(virtio::VirtioPciDevice::create(device, std::move(deps), bar));
        vmm_.virtio_devices_.push_back(std::move(device));
        return add_pci_device(std::move(transport));
    }

    Result<> setup_pci_devices() {
        notify_registry_ = std::make_shared<KvmNotifyRegistry>(
            vmm_.vm_, vmm_.kvm_.check_extension(KVM_CAP_IOEVENTFD_ANY_LENGTH) > 0);
        for (const auto& drive : config_.drives) {
            virtio::BlockConfig block;
            block.drive_id = drive.drive_id;
            block.path = drive.path_on_host;
            block.read_only = drive.is_read_only;
            block.io_engine = drive.io_engine == IoEngine::kAsync ? virtio::BlockIoEngine::Uring
                                                                  : virtio::BlockIoEngine::Sync;
            block.cache_type = drive.cache_type;
            block.rate_limiter = drive.rate_limiter;
            auto device = virtio::BlockDevice::create(block);
            if (!device)
                return std::unexpected(device.error().context("drive " + drive.drive_id));
            TRY(add_virtio_device(*device));
        }
        for (size_t i = 0; i < config_.network_interfaces.size(); ++i) {
            auto net = TRY(virtio::create_net_device(config_.network_interfaces[i], i));
            TRY(add_virtio_device(std::move(net)));
        }
        if (config_.entropy.enabled) {
            virtio::RngConfig entropy;
            entropy.rate_limiter = config_.entropy.rate_limiter;
            auto rng = virtio::RngDevice::create(entropy);
            if (!rng)
                return std::unexpected(rng.error().context("entropy"));
            TRY(add_virtio_device(std::move(*rng)));
        }
        Vmm* vmm = &vmm_;
        uint64_t pvpanic_bar = TRY(allocate_bar(pci::PvPanicDevice::kBarSize));
        TRY(add_pci_device(std::make_shared<pci::PvPanicDevice>(pvpanic_bar, [vmm](uint8_t events) {
            vmm->request_exit({VmExitKind::Crash,
                               fmt::format("guest kernel panicked (pvpanic event {:#x})", events)});
        })));
        return {};
    }

    Result<> setup_vcpus(const BootEntry& entry) {
        uint32_t count = config_.machine.vcpu_count;
        auto setup = TRY(prepare_vcpu_setup(vmm_.kvm_, count));
        Vmm* vmm = &vmm_;
        for (uint32_t id = 0; id < count; ++id) {
            auto vcpu = TRY(vmm_.vm_.create_vcpu(id));
            TRY(configure_vcpu(vcpu, setup, id == 0 ? &entry : nullptr));
            vmm_.vcpus_.push_back(std::make_unique<VcpuThread>(
                std::move(vcpu), vmm_.pio_bus_, vmm_.mmio_bus_,
                [vmm](VmExit exit) { vmm->request_exit(std::move(exit)); }));
        }
        return {};
    }

    Vmm& vmm_;
    const VmConfig& config_;
    const BuildOptions& options_;
    std::shared_ptr<KvmNotifyRegistry> notify_registry_;
    uint64_t next_bar_ = kPciMmioStart;
};

namespace {

// Settings the config file accepts (Firecracker's schema) but this build cannot honour yet
// are refused, so that nothing silently runs differently from what was asked.
Result<> check_supported(const VmConfig& config) {
    if (config.machine.cpu_template != CpuTemplate::kNone) {
        return make_error("machine-config.cpu_template: CPU templates are not supported yet");
    }
    if (config.machine.huge_pages != HugePages::kNone) {
        return make_error("machine-config.huge_pages: huge pages are not supported yet");
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<Vmm>> Vmm::build(const VmConfig& config, const BuildOptions& options) {
    TRY(check_supported(config));
    TRY(check_kernel_runs_here(config.boot_source.kernel_image_path));
    auto kvm = TRY(kvm::Kvm::open());
    int max_vcpus = kvm.max_vcpus();
    if (config.machine.vcpu_count > static_cast<uint32_t>(max_vcpus)) {
        return make_error(
            "machine-config.vcpu_count: {} vCPUs requested, this host's KVM allows "
            "at most {}",
            config.machine.vcpu_count, max_vcpus);
    }
    auto vm = TRY(kvm.create_vm());
    std::unique_ptr<Vmm> vmm(new Vmm(std::move(kvm), std::move(vm)));
    VmBuilder builder(*vmm, config, options);
    TRY(builder.build());
    return vmm;
}

}  // namespace zapotec
