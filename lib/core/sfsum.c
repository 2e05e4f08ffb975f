/*
 * sfsum.c - the checksum of a region's bytes: XXH3-64 with seed 0 (Debian's xxhash,
 * used header-only, so nothing is linked), the value `xxhsum -H3` prints. Regions are
 * written straight into the file by the ranks that hold them, in parallel, which rules
 * out HDF5's chunk filters (only the HDF5 library that owns the file can run them): the
 * checksum is computed by the writer as it goes and stored beside the bytes.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "snapfile.h"

#include <stdlib.h>

/* sf_sum is XXH3's streaming state under a name of ours */
sf_sum *sf_sum_new(void)
{
    XXH3_state_t *s = XXH3_createState();
    if (s && XXH3_64bits_reset(s) != XXH_OK) {
        XXH3_freeState(s);
        s = NULL;
    }
    return (sf_sum *)s;
}

void sf_sum_add(sf_sum *s, const void *p, size_t n)
{
    if (n) XXH3_64bits_update((XXH3_state_t *)s, p, n);
}

uint64_t sf_sum_end(sf_sum *s)
{
    uint64_t v = XXH3_64bits_digest((XXH3_state_t *)s);
    XXH3_freeState((XXH3_state_t *)s);
    return v;
}

uint64_t sf_sum_bytes(const void *p, size_t n) { return XXH3_64bits(p, n); }
