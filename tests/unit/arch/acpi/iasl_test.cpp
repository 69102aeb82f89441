// Disassembles the generated tables with ACPICA's iasl, when it is installed, to check the
// AML and table layouts against an independent decoder.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../loader/test_images.hpp"
#include "acpi_test_support.hpp"
#include "arch/x86_64/acpi/acpi_tables.hpp"

namespace zapotec::x86_64::acpi {
namespace {

namespace fs = std::filesystem;

bool iasl_available() {
    return std::system("command -v iasl > /dev/null 2>&1") == 0;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes `bytes` to dir/name.dat, runs `iasl -d` on it and returns the .dsl text; an iasl
// failure fails the test with iasl's own output.
std::string disassemble(const fs::path& dir, const std::string& name,
                        const std::vector<uint8_t>& bytes) {
    fs::path input = dir / (name + ".dat");
    std::ofstream(input, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    fs::path log = dir / (name + ".log");
    std::string command = "cd '" + dir.string() + "' && iasl -d '" + input.filename().string() +
                          "' > '" + log.string() + "' 2>&1";
    int status = std::system(command.c_str());
    std::string output = read_text(log);
    EXPECT_EQ(status, 0) << name << ":\n" << output;
    EXPECT_EQ(output.find("Error"), std::string::npos) << name << ":\n" << output;
    EXPECT_EQ(output.find("Warning"), std::string::npos) << name << ":\n" << output;
    return read_text(dir / (name + ".dsl"));
}

TEST(AcpiIasl, DisassemblesEveryTable) {
    if (!iasl_available())
        GTEST_SKIP() << "iasl is not installed (apt-get install acpica-tools)";
    auto memory = zapotec::test::make_memory(16 * zapotec::test::kMiB);
    AcpiConfig config{.vcpu_count = 2, .pci_mmio64 = PciMmioWindow{1ull << 40, 1ull << 36}};
    auto rsdp = write_acpi_tables(memory, config);
    ASSERT_TRUE(rsdp.has_value()) << rsdp.error().message();
    auto tables = test::read_tables(memory, *rsdp);

    std::string dir_template = (fs::temp_directory_path() / "zapotec-iasl-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
    fs::path dir = dir_template;

    std::string dsdt = disassemble(dir, "dsdt", tables.by_signature.at("DSDT"));
    for (const char* expected : {"Scope (_SB)",
                                 "Device (PCI0)",
                                 "EisaId (\"PNP0A08\")",
                                 "EisaId (\"PNP0A03\")",
                                 "Name (_SEG, Zero)",
                                 "Name (_BBN, Zero)",
                                 "WordBusNumber (ResourceProducer",
                                 "IO (Decode16,\n                    0x0CF8,",
                                 "0x0CF7",
                                 "0xFFFF",
                                 "DWordMemory (ResourceProducer",
                                 "0xDFFFFFFF",
                                 "QWordMemory (ResourceProducer",
                                 "Device (COM1)",
                                 "EisaId (\"PNP0501\")",
                                 "0x03F8",
                                 "IRQNoFlags ()\n                    {4}",
                                 "Device (PS2K)",
                                 "EisaId (\"PNP0303\")",
                                 "{1}",
                                 "Name (_S5, Package (0x04)"}) {
        EXPECT_NE(dsdt.find(expected), std::string::npos) << expected << "\n" << dsdt;
    }

    // Compiling the disassembly back gives the same AML (headers differ in compiler id).
    std::string compile = "cd '" + dir.string() + "' && iasl dsdt.dsl > dsdt-compile.log 2>&1";
    ASSERT_EQ(std::system(compile.c_str()), 0) << read_text(dir / "dsdt-compile.log");
    std::ifstream aml_file(dir / "dsdt.aml", std::ios::binary);
    std::vector<uint8_t> recompiled((std::istreambuf_iterator<char>(aml_file)),
                                    std::istreambuf_iterator<char>());
    const auto& ours = tables.by_signature.at("DSDT");
    ASSERT_EQ(recompiled.size(), ours.size());
    EXPECT_TRUE(std::equal(ours.begin() + sizeof(SdtHeader), ours.end(),
                           recompiled.begin() + sizeof(SdtHeader)));

    std::string fadt = disassemble(dir, "facp", tables.by_signature.at("FACP"));
    EXPECT_NE(fadt.find("Hardware Reduced (V5) : 1"), std::string::npos) << fadt;
    EXPECT_NE(fadt.find("Reset Register Supported (V2) : 1"), std::string::npos) << fadt;
    EXPECT_NE(fadt.find("0000000000000602"), std::string::npos) << fadt;  // Reset port.
    EXPECT_NE(fadt.find("0000000000000600"), std::string::npos) << fadt;  // Sleep control.

    std::string madt = disassemble(dir, "apic", tables.by_signature.at("APIC"));
    EXPECT_NE(madt.find("Processor Local APIC"), std::string::npos) << madt;
    EXPECT_NE(madt.find("I/O APIC"), std::string::npos) << madt;
    EXPECT_NE(madt.find("Local APIC NMI"), std::string::npos) << madt;

    std::string xsdt = disassemble(dir, "xsdt", tables.by_signature.at("XSDT"));
    EXPECT_NE(xsdt.find("ACPI Table Address   1"), std::string::npos) << xsdt;
    // iasl 20200925 cannot disassemble a lone RSDP file; its checksums are checked elsewhere.

    if (!HasFailure() && !getenv("ZAPOTEC_KEEP_IASL"))
        fs::remove_all(dir);
    else
        ADD_FAILURE() << "tables and iasl output kept in " << dir;
}

}  // namespace
}  // namespace zapotec::x86_64::acpi
