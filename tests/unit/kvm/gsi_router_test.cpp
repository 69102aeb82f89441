// GsiRouter against the real KVM: routes commit, and a route KVM rejects is rolled back so
// that later commits still succeed.
#include "kvm/gsi_router.hpp"

#include <gtest/gtest.h>

#include "kvm/kvm.hpp"

namespace zapotec::kvm {
namespace {

TEST(GsiRouter, RejectedRouteIsRolledBack) {
    auto kvm = Kvm::open();
    if (!kvm)
        GTEST_SKIP() << kvm.error().message();
    auto vm = kvm->create_vm();
    ASSERT_TRUE(vm.has_value()) << vm.error().message();
    ASSERT_TRUE(vm->create_irqchip().has_value());
    GsiRouter router(*vm, 24);
    ASSERT_TRUE(router.add_irqchip_routes(24).has_value());
    uint32_t gsi = router.allocate_gsi();
    EXPECT_TRUE(router.set_msi_route(gsi, 0xfee00000, 0x4021).has_value());
    // GSIs past KVM_MAX_IRQ_ROUTES (4096) are refused by KVM.
    EXPECT_FALSE(router.set_msi_route(1u << 20, 0xfee00000, 0x4022).has_value());
    EXPECT_TRUE(router.set_msi_route(gsi, 0xfee00000, 0x4023).has_value())
        << "the rejected route stayed in the table";
    EXPECT_TRUE(router.remove_route(gsi).has_value());
}

}  // namespace
}  // namespace zapotec::kvm
