/*
 * stackid.c - a frame as module, build-id and offset (stackid.h).
 *
 * A rank records what identifies each frame, never its name: the module's path, the
 * module's GNU build-id and the frame's offset in it ("/path/app+0x139d
 * build-id=8f3c..."). mpisnap-inspect turns these into function, file:line and inlined
 * frames offline, with the binaries' debug information (STAT's -m mode), so a snapshot
 * pays no symbol lookup (backtrace_symbols' dladdr searches symbol tables per frame).
 * The offset is the address minus the module's load bias: the ELF virtual address, the
 * same in every process of the job whether the module is position-independent or not.
 */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include "stackid.h"

#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct module_id {
    uintptr_t bias; /* dlpi_addr: where the module is loaded */
    char path[PATH_MAX];
    char build_id[2 * STACKID_BUILD_ID_MAX + 1]; /* hex, "" when the module has none */
    int shared;                                  /* a shared library, not the main program */
    uintptr_t lo, hi;                            /* the span of its loaded segments */
} module_id;
static module_id *modules; /* modules seen in a stack so far */
static int nmodules, capmodules;
static unsigned long long modules_subs; /* dlpi_subs when the cache was filled */

/* The NT_GNU_BUILD_ID note of a loaded module, read from its PT_NOTE segments in
 * memory, as hex into out ("" when there is none). */
static void build_id_of(const struct dl_phdr_info *info, char *out, size_t len)
{
    out[0] = '\0';
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        size_t align = ph->p_align == 8 ? 8 : 4;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
        while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
            size_t name = (nh->n_namesz + align - 1) & ~(align - 1);
            size_t desc = (nh->n_descsz + align - 1) & ~(align - 1);
            const unsigned char *d = (const unsigned char *)p + sizeof *nh + name;
            if (name > (size_t)(end - p) - sizeof *nh || desc > (size_t)(end - p) - sizeof *nh - name) break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(p + sizeof *nh, "GNU", 4)) {
                for (size_t k = 0; k < nh->n_descsz && 2 * k + 2 < len && k < STACKID_BUILD_ID_MAX; k++)
                    snprintf(out + 2 * k, 3, "%02x", d[k]);
                return;
            }
            p += sizeof *nh + name + desc;
        }
    }
}

struct frame_find {
    uintptr_t pc;
    module_id *found;
};

/* dl_iterate_phdr callback: the module whose loaded segment holds f->pc, from the
 * cache or added to it. */
static int find_module(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct frame_find *f = arg;
    (void)size;
    if (info->dlpi_subs != modules_subs) nmodules = 0, modules_subs = info->dlpi_subs; /* a dlclose */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type != PT_LOAD || f->pc < lo || f->pc - lo >= ph->p_memsz) continue;
        for (int k = 0; k < nmodules; k++)
            if (modules[k].bias == info->dlpi_addr) return f->found = &modules[k], 1;
        if (nmodules == capmodules) {
            int cap = capmodules ? 2 * capmodules : 16;
            module_id *v = realloc(modules, (size_t)cap * sizeof *v);
            if (!v) return 0; /* out of memory: the frame is given as an address */
            modules = v, capmodules = cap;
        }
        module_id *m = &modules[nmodules++];
        m->bias = info->dlpi_addr;
        m->lo = UINTPTR_MAX, m->hi = 0;
        for (int k = 0; k < info->dlpi_phnum; k++) {
            const ElfW(Phdr) *q = &info->dlpi_phdr[k];
            uintptr_t a = info->dlpi_addr + q->p_vaddr;
            if (q->p_type != PT_LOAD) continue;
            if (a < m->lo) m->lo = a;
            if (a + q->p_memsz > m->hi) m->hi = a + q->p_memsz;
        }
        /* the main program has no name here: its path is /proc/self/exe's target */
        m->shared = info->dlpi_name && info->dlpi_name[0];
        ssize_t n = m->shared ? -1 : readlink("/proc/self/exe", m->path, sizeof m->path - 1);
        if (n >= 0)
            m->path[n] = '\0';
        else
            snprintf(m->path, sizeof m->path, "%s", info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "?");
        build_id_of(info, m->build_id, sizeof m->build_id);
        return f->found = m, 1;
    }
    return 0;
}

/* dl_iterate_phdr callback: forgets the cache after a dlclose (the first module's
 * dlpi_subs, the count of unloads, has changed). */
static int check_unloads(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size, (void)arg;
    if (info->dlpi_subs != modules_subs) nmodules = 0, modules_subs = info->dlpi_subs;
    return 1;
}

void stackid_refresh(void) { dl_iterate_phdr(check_unloads, NULL); }

uintptr_t stackid_frame(uintptr_t pc, char *buf, size_t len)
{
    struct frame_find f = {pc, NULL};
    for (int k = 0; k < nmodules && !f.found; k++) /* a module seen before */
        if (pc >= modules[k].lo && pc < modules[k].hi) f.found = &modules[k];
    if (!f.found) dl_iterate_phdr(find_module, &f);
    if (!f.found) {
        snprintf(buf, len, "?+0x%" PRIxPTR, pc);
        return UINTPTR_MAX;
    }
    snprintf(buf, len, "%s+0x%" PRIxPTR "%s%s", f.found->path, pc - f.found->bias,
             f.found->build_id[0] ? " build-id=" : "", f.found->build_id);
    return f.found->bias;
}

uintptr_t stackid_library_bias(uintptr_t pc)
{
    struct frame_find f = {pc, NULL};
    dl_iterate_phdr(find_module, &f);
    return f.found && f.found->shared ? f.found->bias : 0;
}
