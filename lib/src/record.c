/*
 * record.c - what a rank records when the rule fires (the debugging kind of snapshot):
 * its counters, the contents of its protected regions, the MPI call in progress with
 * its arguments and how long it has been there, its pending requests, its call stack
 * (module, build-id and offset per frame: named offline by mpisnap-inspect),
 * host and pid. Everything is copied at the instant of the record, so the application
 * may go on changing its memory while the snapshot completes.
 */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include "engine.h"
#include "record.h"
#include "reqs.h"

#include <execinfo.h>
#include <inttypes.h>
#include <link.h>
#include <mpisnap.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct region {
    char name[SF_NAME_MAX];
    char type[SF_NAME_MAX];  /* the caller's datatype name (a duplicate is renamed) */
    void *ptr;
    int count;
    MPI_Datatype dt;      /* our duplicate */
} region;
static region *regions;
static int nregions, capregions;

static region *find(const char *name)
{
    for (int i = 0; i < nregions; i++)
        if (!strcmp(regions[i].name, name)) return &regions[i];
    return NULL;
}

int record_protect(const char *name, void *ptr, int count, MPI_Datatype dt)
{
    if (!name || !*name || strlen(name) >= SF_NAME_MAX || strchr(name, '/') || count < 0 || (!ptr && count))
        return MPISNAP_EINVAL;
    if (find(name)) return MPISNAP_EEXIST;
    /* a region is packed with MPI_Pack, whose sizes are ints: at most 2 GiB - 1 bytes */
    MPI_Count esize = 0;
    if (PMPI_Type_size_x(dt, &esize) != MPI_SUCCESS || esize < 0) return MPISNAP_EINVAL;
    if ((MPI_Count)count * esize > (MPI_Count)INT_MAX - 64) {
        snap_log(SNAP_LOG_ERROR, "mpisnap_protect(\"%s\"): %lld bytes is over the 2 GiB a region may hold; "
                 "protect the data as several regions", name, (long long)((MPI_Count)count * esize));
        return MPISNAP_EINVAL;
    }
    if (nregions == capregions) {
        capregions = capregions ? 2 * capregions : 8;
        regions = snap_xrealloc(regions, (size_t)capregions * sizeof *regions);
    }
    region *r = &regions[nregions];
    if (PMPI_Type_dup(dt, &r->dt) != MPI_SUCCESS) return MPISNAP_EINVAL;
    snprintf(r->name, sizeof r->name, "%s", name);
    snap_dt_name(dt, r->type, sizeof r->type);
    r->ptr = ptr;
    r->count = count;
    nregions++;
    return MPISNAP_OK;
}

int record_unprotect(const char *name)
{
    for (int i = 0; i < nregions; i++) {
        if (strcmp(regions[i].name, name)) continue;
        PMPI_Type_free(&regions[i].dt);
        regions[i] = regions[--nregions];
        return MPISNAP_OK;
    }
    return MPISNAP_ENOENT;
}

int record_describe(const char *name, char *type, uint64_t *bytes)
{
    region *r = find(name);
    if (!r) return -1;
    int size = 0;
    PMPI_Pack_size(r->count, r->dt, MPI_COMM_SELF, &size);
    memcpy(type, r->type, SF_NAME_MAX);
    *bytes = (uint64_t)size;
    return 0;
}

const char *record_first_missing(const char *const *names, uint32_t n)
{
    for (int i = 0; i < nregions; i++) {
        uint32_t k = 0;
        while (k < n && strcmp(names[k], regions[i].name)) k++;
        if (k == n) return regions[i].name;
    }
    return NULL;
}

void record_restore(const char *name, const uint8_t *data, uint64_t bytes)
{
    region *r = find(name);
    int pos = 0;
    if (r) PMPI_Unpack(data, (int)bytes, &pos, r->ptr, r->count, r->dt, MPI_COMM_SELF);
}

void record_forget_all(void)
{
    while (nregions) PMPI_Type_free(&regions[--nregions].dt);
    free(regions);
    regions = NULL;
    capregions = 0;
}

static void record_regions(snap_cur *c)
{
    c->regions = snap_xcalloc((size_t)nregions, sizeof *c->regions);
    c->region_data = snap_xcalloc((size_t)nregions, sizeof *c->region_data);
    for (int i = 0; i < nregions; i++) {
        region *r = &regions[i];
        sf_region *o = &c->regions[i];
        int size = 0, pos = 0;
        PMPI_Pack_size(r->count, r->dt, MPI_COMM_SELF, &size);
        c->region_data[i] = snap_xmalloc_big((size_t)size);
        PMPI_Pack(r->ptr, r->count, r->dt, c->region_data[i], size, &pos, MPI_COMM_SELF);
        snprintf(o->name, sizeof o->name, "%s", r->name);
        memcpy(o->type, r->type, sizeof o->type);
        o->count = (uint64_t)r->count;
        o->bytes = (uint64_t)pos;
        o->data = c->region_data[i];
    }
    c->part.regions = c->regions;
    c->part.nregions = (uint32_t)nregions;
}

typedef struct req_list {
    sf_request *v;
    uint32_t n, cap;
} req_list;

static void add_request(snap_req *r, void *arg)
{
    req_list *l = arg;
    if (r->persistent && r->state == RS_INACTIVE) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = snap_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    sf_request *o = &l->v[l->n++];
    memset(o, 0, sizeof *o);
    snprintf(o->kind, sizeof o->kind, "%s", r->op ? r->op : "?");
    o->peer = r->peer;
    o->tag = r->tag;
    snap_comm *c = r->c ? r->c : snap_comm_get(r->comm);
    o->comm = c ? c->id : -1;
    o->count = r->count;
    snap_dt_name(r->dt, o->datatype, sizeof o->datatype);
    for (int i = 0; i < snap_g.call_nreqs && snap_g.call; i++)
        if (snap_g.call_reqs[i] == r->key && r->key != MPI_REQUEST_NULL) o->awaited = 1;
}

static void record_comms(snap_cur *c)
{
    int n = 0;
    while (snap_comm_at(n)) n++;
    c->comms = snap_xcalloc((size_t)n, sizeof *c->comms);
    c->comm_world = snap_xcalloc((size_t)n, sizeof *c->comm_world);
    for (int i = 0; i < n; i++) {
        const snap_comm *sc = snap_comm_at(i);
        c->comm_world[i] = snap_xmalloc((size_t)sc->size * sizeof(int32_t));
        for (int k = 0; k < sc->size; k++) c->comm_world[i][k] = sc->world[k];
        c->comms[i] = (sf_comm){sc->id, sc->size, c->comm_world[i], sc->colls};
    }
    c->part.comms = c->comms;
    c->part.ncomms = (uint32_t)n;
}

static void record_call(snap_cur *c)
{
    sf_rank *p = &c->part;
    if (!snap_g.call) return;
    int api = !strncmp(snap_g.call, "mpisnap_", 8); /* the library's own API, not MPI */
    snprintf(p->call, sizeof p->call, "%s%s", api ? "" : "MPI_", snap_g.call);
    char tname[SF_NAME_MAX] = "";
    if (snap_g.call_dt != MPI_DATATYPE_NULL) snap_dt_name(snap_g.call_dt, tname, sizeof tname);
    snap_comm *cm = snap_g.call_comm != MPI_COMM_NULL ? snap_comm_get(snap_g.call_comm) : NULL;
    snprintf(p->call_args, sizeof p->call_args, "peer=%d tag=%d comm=%d count=%d datatype=%s", snap_g.call_peer,
             snap_g.call_tag, cm ? cm->id : -1, snap_g.call_count, tname[0] ? tname : "none");
    double t0 = snap_g.call_t0;
    if (snap_g.seen_seq == snap_g.call_seq && (t0 < 0 || snap_g.seen_t < t0)) t0 = snap_g.seen_t;
    p->call_seconds = t0 > 0 ? c->t_record - t0 : 0.0;
}

/* ---- call stacks: module, build-id, offset per frame (format 3) ----
 *
 * A rank records what identifies each frame, never its name: the module's path, the
 * module's GNU build-id and the frame's offset in it ("/path/app+0x139d
 * build-id=8f3c..."). mpisnap-inspect turns these into function, file:line and inlined
 * frames offline, with the binaries' debug information (STAT's -m mode), so a snapshot
 * pays no symbol lookup (backtrace_symbols' dladdr scans symbol tables per frame). The
 * offset is the address minus the module's load bias: the ELF virtual address, the same
 * in every process of the job whether the module is position-independent or not. */

#define BUILD_ID_MAX 64 /* bytes; GNU ld writes 20 (SHA-1) */

typedef struct module_id {
    uintptr_t bias;                 /* dlpi_addr: where the module is loaded */
    char path[PATH_MAX];
    char build_id[2 * BUILD_ID_MAX + 1]; /* hex, "" when the module has none */
} module_id;
static module_id *modules;          /* modules seen in a stack so far */
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
            if (name > (size_t)(end - p) || desc > (size_t)(end - p) - name - sizeof *nh) break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(p + sizeof *nh, "GNU", 4)) {
                for (size_t k = 0; k < nh->n_descsz && 2 * k + 2 < len && k < BUILD_ID_MAX; k++)
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
            capmodules = capmodules ? 2 * capmodules : 16;
            modules = snap_xrealloc(modules, (size_t)capmodules * sizeof *modules);
        }
        module_id *m = &modules[nmodules++];
        m->bias = info->dlpi_addr;
        /* the main program has no name here: its path is /proc/self/exe's target */
        ssize_t n = info->dlpi_name && info->dlpi_name[0] ? -1 : readlink("/proc/self/exe", m->path, sizeof m->path - 1);
        if (n >= 0) m->path[n] = '\0';
        else snprintf(m->path, sizeof m->path, "%s", info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "?");
        build_id_of(info, m->build_id, sizeof m->build_id);
        return f->found = m, 1;
    }
    return 0;
}

static void record_stack(snap_cur *c)
{
    void *frames[64];
    int n = backtrace(frames, 64);
    static uintptr_t own_bias = UINTPTR_MAX; /* libmpisnap's own frames are skipped */
    if (own_bias == UINTPTR_MAX) {
        struct frame_find self = {(uintptr_t)&record_stack, NULL};
        dl_iterate_phdr(find_module, &self);
        /* linked statically into the program, its frames cannot be told apart: keep all */
        own_bias = self.found && strstr(self.found->path, "libmpisnap") ? self.found->bias : 0;
    }
    c->stack = snap_xcalloc((size_t)n, sizeof *c->stack);
    int k = 0;
    for (int i = 0; i < n; i++) {
        struct frame_find f = {(uintptr_t)frames[i], NULL};
        dl_iterate_phdr(find_module, &f);
        if (f.found && own_bias && f.found->bias == own_bias) continue;
        char buf[PATH_MAX + 2 * BUILD_ID_MAX + 64];
        if (!f.found)
            snprintf(buf, sizeof buf, "?+0x%" PRIxPTR, f.pc);
        else
            snprintf(buf, sizeof buf, "%s+0x%" PRIxPTR "%s%s", f.found->path, f.pc - f.found->bias,
                     f.found->build_id[0] ? " build-id=" : "", f.found->build_id);
        size_t len = strlen(buf) + 1;
        c->stack[k++] = memcpy(snap_xmalloc(len), buf, len);
    }
    c->part.stack = (const char *const *)c->stack;
    c->part.nstack = (uint32_t)k;
}

void record_local(snap_cur *c)
{
    int n = c->n;
    sf_rank *p = &c->part;
    c->sent = snap_xmalloc((size_t)n * sizeof(uint64_t));
    c->recvd = snap_xmalloc((size_t)n * sizeof(uint64_t));
    memcpy(c->sent, snap_g.app_sent, (size_t)n * sizeof(uint64_t));
    memcpy(c->recvd, snap_g.app_recvd, (size_t)n * sizeof(uint64_t));
    p->rank = snap_g.rank;
    p->pid = (int32_t)getpid();
    snprintf(p->host, sizeof p->host, "%s", snap_g.host);
    p->initiator = c->initiator;
    p->t_record = c->t_record;
    snprintf(p->trigger, sizeof p->trigger, "%s", c->trigger);
    p->sent = c->sent;
    p->recvd = c->recvd;
    p->nranks = n;
    record_call(c);
    double t0 = snap_now();
    record_regions(c);
    snap_log(SNAP_LOG_DEBUG, "snapshot %u: regions copied in %.1f ms", c->epoch, 1e3 * (snap_now() - t0));
    req_list l = {0};
    if (reqs_count) reqs_each(add_request, &l);
    c->requests = l.v;
    p->requests = l.v;
    p->nrequests = l.n;
    if (snap_g.cfg.stack) record_stack(c);
    record_comms(c);
}

void record_free(snap_cur *c)
{
    for (uint32_t i = 0; i < c->part.nregions; i++) snap_free_big(c->region_data[i]);
    for (uint32_t i = 0; i < c->part.nstack; i++) free(c->stack[i]);
    for (uint32_t i = 0; i < c->part.ncomms; i++) free(c->comm_world[i]);
    free(c->comms);
    free(c->comm_world);
    free(c->region_data);
    free(c->regions);
    free(c->requests);
    free(c->stack);
    free(c->sent);
    free(c->recvd);
    free(c->expect);
    free(c->have_expect);
    free(c->pre_seen);
    free(c->msgs);
    free(c->payload);
}
