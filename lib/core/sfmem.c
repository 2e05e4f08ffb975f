/*
 * sfmem.c - buffers for region bytes: page-aligned (regions are written from them and
 * read into them with O_DIRECT) and, when large, in huge pages populated in one go.
 * Touching fresh memory page by page costs a fault per 4 KiB page, which on a virtual
 * machine is more than copying the bytes, and a huge page faulted in on first touch may
 * wait for the kernel to compact memory. A header just before the buffer says how to
 * free it.
 */
#define _GNU_SOURCE

#include "snapfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

typedef struct big_hdr {
    void *base;
    size_t len;
    int mapped;
} big_hdr;
enum { BIG_HUGE = 2 << 20, BIG_PAGE = 4096, BIG_MAPPED_FROM = 4 * BIG_HUGE };
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels refuse it and the pages fault in on use */
#endif

void *sf_big_alloc(size_t n)
{
    uint8_t *base = NULL, *p;
    size_t len;
    int mapped = n >= BIG_MAPPED_FROM;
    if (n > SIZE_MAX - 2 * (size_t)BIG_HUGE) return NULL;
    if (mapped) { /* room to align to a huge page, with the header in front */
        len = n + 2 * (size_t)BIG_HUGE;
        base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) return NULL;
        p = (uint8_t *)(((uintptr_t)base + sizeof(big_hdr) + BIG_HUGE - 1) & ~(uintptr_t)(BIG_HUGE - 1));
#ifdef MADV_HUGEPAGE
        madvise(p, n, MADV_HUGEPAGE); /* advice: ignored where huge pages are off */
#endif
        madvise(p, n, MADV_POPULATE_WRITE);
    } else {
        len = n + BIG_PAGE;
        if (posix_memalign((void **)&base, BIG_PAGE, len)) return NULL;
        p = base + BIG_PAGE;
    }
    big_hdr *h = (big_hdr *)(void *)(p - sizeof(big_hdr));
    h->base = base, h->len = len, h->mapped = mapped;
    return p;
}

void sf_big_free(void *p)
{
    if (!p) return;
    const big_hdr *h = (const big_hdr *)(void *)((uint8_t *)p - sizeof(big_hdr));
    if (h->mapped)
        munmap(h->base, h->len);
    else
        free(h->base);
}
