// AML encodings checked byte for byte against the ACPI specification's grammar.
#include "arch/x86_64/acpi/aml.hpp"

#include <gtest/gtest.h>

#include "arch/x86_64/acpi/resource_template.hpp"

namespace zapotec::x86_64::acpi::aml {
namespace {

TEST(Aml, PkgLengthUsesOneToFourBytes) {
    EXPECT_EQ(pkg_length(0), (Bytes{0x01}));
    EXPECT_EQ(pkg_length(0x3e), (Bytes{0x3f}));
    // 0x3f content bytes + 2 length bytes = 0x41: lead 0x41 & 0xf | 1 << 6, then 0x41 >> 4.
    EXPECT_EQ(pkg_length(0x3f), (Bytes{0x41, 0x04}));
    EXPECT_EQ(pkg_length(0xffd), (Bytes{0x4f, 0xff}));                 // 0xfff total.
    EXPECT_EQ(pkg_length(0xffe), (Bytes{0x81, 0x00, 0x01}));           // 0x1001 total.
    EXPECT_EQ(pkg_length(0x100000), (Bytes{0xc4, 0x00, 0x00, 0x01}));  // 0x100004 total.
}

TEST(Aml, IntegersTakeTheShortestForm) {
    EXPECT_EQ(integer(0), (Bytes{0x00}));
    EXPECT_EQ(integer(1), (Bytes{0x01}));
    EXPECT_EQ(integer(5), (Bytes{0x0a, 0x05}));
    EXPECT_EQ(integer(0x1234), (Bytes{0x0b, 0x34, 0x12}));
    EXPECT_EQ(integer(0x12345678), (Bytes{0x0c, 0x78, 0x56, 0x34, 0x12}));
    EXPECT_EQ(integer(0x1'0000'0000), (Bytes{0x0e, 0, 0, 0, 0, 1, 0, 0, 0}));
    EXPECT_EQ(dword(1), (Bytes{0x0c, 1, 0, 0, 0}));
}

TEST(Aml, EisaIdMatchesIasl) {
    static_assert(eisa_id("PNP0A03") == 0x030ad041);
    static_assert(eisa_id("PNP0A08") == 0x080ad041);
    static_assert(eisa_id("PNP0501") == 0x0105d041);
    static_assert(eisa_id("PNP0303") == 0x0303d041);
}

TEST(Aml, NameStrings) {
    EXPECT_EQ(name_string("_HID"), (Bytes{'_', 'H', 'I', 'D'}));
    EXPECT_EQ(name_string("_S5"), (Bytes{'_', 'S', '5', '_'}));
    EXPECT_EQ(name_string("\\_SB"), (Bytes{'\\', '_', 'S', 'B', '_'}));
    EXPECT_EQ(name_string("\\_SB.PCI0"),
              (Bytes{'\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0'}));
    EXPECT_EQ(name_string("^A.B.C"),
              (Bytes{'^', 0x2f, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_'}));
}

TEST(Aml, NamePackageAndString) {
    EXPECT_EQ(name("_S5", package({integer(5), integer(0)})),
              (Bytes{0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00}));
    EXPECT_EQ(string("ab"), (Bytes{0x0d, 'a', 'b', 0}));
}

TEST(Aml, DeviceAndScopeWrapTheirTerms) {
    Bytes uid = name("_UID", integer(0));
    Bytes expected{0x5b, 0x82, static_cast<uint8_t>(1 + 4 + uid.size()), 'C', 'O', 'M', '1'};
    expected.insert(expected.end(), uid.begin(), uid.end());
    EXPECT_EQ(device("COM1", {uid}), expected);
    EXPECT_EQ(scope("\\", {}), (Bytes{0x10, 0x03, '\\', 0x00}));
}

TEST(Aml, ResourceTemplateDescriptors) {
    ResourceTemplate resources;
    resources.io(0x3f8, 0x3f8, 0, 8).irq_no_flags(4);
    Bytes expected{0x11, 0x10, 0x0a, 0x0d,                          // Buffer, 13 bytes
                   0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08,  // IO
                   0x22, 0x10, 0x00,                                // IRQNoFlags {4}
                   0x79, 0x00};                                     // EndTag
    EXPECT_EQ(resources.build(), expected);

    ResourceTemplate bus;
    bus.word_bus_number(0, 0);
    Bytes built = bus.build();
    // Buffer header (4 bytes), then the 16-byte Word Address Space Descriptor.
    ASSERT_EQ(built.size(), 4u + 16 + 2);
    EXPECT_EQ(built[4], 0x88);
    EXPECT_EQ(built[5], 13);
    EXPECT_EQ(built[7], 2);     // Bus number range.
    EXPECT_EQ(built[8], 0x0c);  // MinFixed, MaxFixed, producer.
    EXPECT_EQ(built[18], 1);    // Length 1.

    ResourceTemplate memory;
    memory.dword_memory(0xc0000000, 0xdfffffff).qword_memory(1ull << 40, (1ull << 41) - 1);
    built = memory.build();
    // A two-byte PkgLength now: Buffer header of 5 bytes, then 26 and 46 descriptor bytes.
    ASSERT_EQ(built.size(), 5u + 26 + 46 + 2);
    EXPECT_EQ(built[5], 0x87);
    EXPECT_EQ(built[5 + 26], 0x8a);
}

}  // namespace
}  // namespace zapotec::x86_64::acpi::aml
