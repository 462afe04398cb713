#ifndef CISAL_SHIM_H
#define CISAL_SHIM_H

#include <stdint.h>
#include <isa-l/erasure_code.h>
#include <isa-l/crc.h>

// ISA-L declares its inputs as mutable `unsigned char *`, which Swift imports as
// mutable pointers and would force copy-on-write copies of caller buffers. These
// wrappers take `const` pointers so Swift can pass immutable views; ISA-L never
// writes through them.

/// `ec_encode_data` with immutable tables and sources.
static inline void cisal_ec_encode_data(int len, int k, int rows,
                                        const unsigned char *tables,
                                        const unsigned char *const *sources,
                                        unsigned char *const *outputs) {
    ec_encode_data(len, k, rows, (unsigned char *)tables,
                   (unsigned char **)sources, (unsigned char **)outputs);
}

/// `ec_init_tables` with an immutable coefficient matrix.
static inline void cisal_ec_init_tables(int k, int rows, const unsigned char *matrix,
                                        unsigned char *tables) {
    ec_init_tables(k, rows, (unsigned char *)matrix, tables);
}

/// `crc32_iscsi` over immutable bytes: CRC-32C without pre/post inversion.
static inline uint32_t cisal_crc32_iscsi(const void *bytes, int len, uint32_t seed) {
    return crc32_iscsi((unsigned char *)bytes, len, seed);
}

#endif
