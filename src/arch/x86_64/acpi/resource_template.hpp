// ResourceTemplate(): the _CRS buffer of small and large resource descriptors (ACPI 6.5,
// section 6.4) describing a device's I/O ports, interrupts and address windows.
#pragma once

#include <cstdint>

#include "arch/x86_64/acpi/aml.hpp"

namespace zapotec::x86_64::acpi::aml {

class ResourceTemplate {
  public:
    // IO(Decode16, min, max, alignment, length).
    ResourceTemplate& io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length);
    // IRQNoFlags() { irq }: an edge-triggered, active-high ISA interrupt below 16.
    ResourceTemplate& irq_no_flags(uint8_t irq);
    // WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, count).
    ResourceTemplate& word_bus_number(uint16_t min, uint16_t max);
    // WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, len).
    ResourceTemplate& word_io(uint16_t min, uint16_t max);
    // DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
    //             0, min, max, 0, len).
    ResourceTemplate& dword_memory(uint32_t min, uint32_t max);
    // QWordMemory with the same flags as dword_memory.
    ResourceTemplate& qword_memory(uint64_t min, uint64_t max);

    // The Buffer object holding the descriptors and the end tag.
    [[nodiscard]] Bytes build() const;

  private:
    // A Word/DWord/QWord Address Space Descriptor of `width` bytes per field.
    ResourceTemplate& address_space(uint8_t resource_type, uint8_t type_flags, int width,
                                    uint64_t min, uint64_t max);

    Bytes descriptors_;
};

}  // namespace zapotec::x86_64::acpi::aml
