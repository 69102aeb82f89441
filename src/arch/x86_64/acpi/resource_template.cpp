// Resource descriptor encodings for ResourceTemplate().
#include "arch/x86_64/acpi/resource_template.hpp"

namespace zapotec::x86_64::acpi::aml {

namespace {

// Small descriptor tags: type in bits 6-3, length in bits 2-0.
constexpr uint8_t kIrqTagNoFlags = (0x04 << 3) | 2;
constexpr uint8_t kIoTag = (0x08 << 3) | 7;
constexpr uint8_t kEndTag = (0x0f << 3) | 1;
constexpr uint8_t kIoDecode16 = 0x01;
// Large descriptor tags.
constexpr uint8_t kDWordAddressTag = 0x87;
constexpr uint8_t kWordAddressTag = 0x88;
constexpr uint8_t kQWordAddressTag = 0x8a;
// Address space resource types.
constexpr uint8_t kMemoryRange = 0;
constexpr uint8_t kIoRange = 1;
constexpr uint8_t kBusNumberRange = 2;
// General flags: producer (bit 0 clear), positive decode, min and max fixed.
constexpr uint8_t kMinFixed = 1 << 2;
constexpr uint8_t kMaxFixed = 1 << 3;
// Type-specific flags.
constexpr uint8_t kIoEntireRange = 0x03;
constexpr uint8_t kMemoryReadWrite = 0x01;  // And non-cacheable (bits 2-1 clear).

void put(Bytes& out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace

ResourceTemplate& ResourceTemplate::io(uint16_t min, uint16_t max, uint8_t alignment,
                                       uint8_t length) {
    descriptors_.push_back(kIoTag);
    descriptors_.push_back(kIoDecode16);
    put(descriptors_, min, 2);
    put(descriptors_, max, 2);
    descriptors_.push_back(alignment);
    descriptors_.push_back(length);
    return *this;
}

ResourceTemplate& ResourceTemplate::irq_no_flags(uint8_t irq) {
    descriptors_.push_back(kIrqTagNoFlags);
    put(descriptors_, irq < 16 ? 1u << irq : 0u, 2);
    return *this;
}

ResourceTemplate& ResourceTemplate::address_space(uint8_t resource_type, uint8_t type_flags,
                                                  int width, uint64_t min, uint64_t max) {
    uint8_t tag = width == 2 ? kWordAddressTag : width == 4 ? kDWordAddressTag : kQWordAddressTag;
    // Type, general flags, type flags, then granularity, min, max, translation, length.
    uint16_t body_length = static_cast<uint16_t>(3 + 5 * width);
    descriptors_.push_back(tag);
    put(descriptors_, body_length, 2);
    descriptors_.push_back(resource_type);
    descriptors_.push_back(kMinFixed | kMaxFixed);
    descriptors_.push_back(type_flags);
    put(descriptors_, 0, width);  // Granularity: a bus number, port or byte.
    put(descriptors_, min, width);
    put(descriptors_, max, width);
    put(descriptors_, 0, width);  // Translation offset.
    put(descriptors_, max - min + 1, width);
    return *this;
}

ResourceTemplate& ResourceTemplate::word_bus_number(uint16_t min, uint16_t max) {
    return address_space(kBusNumberRange, 0, 2, min, max);
}

ResourceTemplate& ResourceTemplate::word_io(uint16_t min, uint16_t max) {
    return address_space(kIoRange, kIoEntireRange, 2, min, max);
}

ResourceTemplate& ResourceTemplate::dword_memory(uint32_t min, uint32_t max) {
    return address_space(kMemoryRange, kMemoryReadWrite, 4, min, max);
}

ResourceTemplate& ResourceTemplate::qword_memory(uint64_t min, uint64_t max) {
    return address_space(kMemoryRange, kMemoryReadWrite, 8, min, max);
}

Bytes ResourceTemplate::build() const {
    Bytes bytes = descriptors_;
    bytes.push_back(kEndTag);
    bytes.push_back(0);  // Checksum 0: "the checksum is correct" by convention.
    return buffer(bytes);
}

}  // namespace zapotec::x86_64::acpi::aml
