/*
 * record.c - what a rank records when the rule fires (the debugging kind of snapshot):
 * its counters, the contents of its protected regions, the MPI call in progress with
 * its arguments and how long it has been there, its pending requests, its call stack
 * (module, build-id and offset per frame, stackid.c: named offline by mpisnap-inspect),
 * host and pid. Everything is copied at the instant of the record, so the application
 * may go on changing its memory while the snapshot completes.
 */
#include "record.h"
#include "call.h"
#include "engine.h"
#include "reqs.h"
#include "stackid.h"

#include <execinfo.h>
#include <limits.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct region {
    char name[SF_NAME_MAX];
    char type[SF_NAME_MAX]; /* the caller's datatype name (a duplicate is renamed) */
    void *ptr;
    int count;
    MPI_Datatype dt; /* our duplicate */
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
        snap_log(SNAP_LOG_ERROR,
                 "mpisnap_protect(\"%s\"): %lld bytes is over the 2 GiB a region may hold; "
                 "protect the data as several regions",
                 name, (long long)((MPI_Count)count * esize));
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
    for (int i = 0; i < snap_call.nreqs && snap_call.name; i++)
        if (snap_call.reqs[i] == r->key && r->key != MPI_REQUEST_NULL) o->awaited = 1;
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
    if (!snap_call.name) return;
    int api = !strncmp(snap_call.name, "mpisnap_", 8); /* the library's own API, not MPI */
    snprintf(p->call, sizeof p->call, "%s%s", api ? "" : "MPI_", snap_call.name);
    char tname[SF_NAME_MAX] = "";
    if (snap_call.dt != MPI_DATATYPE_NULL) snap_dt_name(snap_call.dt, tname, sizeof tname);
    snap_comm *cm = snap_call.comm != MPI_COMM_NULL ? snap_comm_get(snap_call.comm) : NULL;
    snprintf(p->call_args, sizeof p->call_args, "peer=%d tag=%d comm=%d count=%d datatype=%s", snap_call.peer,
             snap_call.tag, cm ? cm->id : -1, snap_call.count, tname[0] ? tname : "none");
    double t0 = snap_call.t0;
    if (snap_call.seen_seq == snap_call.seq && (t0 < 0 || snap_call.seen_t < t0)) t0 = snap_call.seen_t;
    p->call_seconds = t0 > 0 ? c->t_record - t0 : 0.0;
}

/* The call stack, one "module+0xoffset build-id=hex" string per frame (stackid.c),
 * without libmpisnap's own frames: the user wants their code. Nor the frames before
 * the first of ours: backtrace's own machinery (AddressSanitizer's interceptor of it). */
static void record_stack(snap_cur *c)
{
    void *frames[64];
    int n = backtrace(frames, 64);
    static uintptr_t own = UINTPTR_MAX; /* 0 when linked into the program: keep all */
    if (own == UINTPTR_MAX) own = stackid_library_bias((uintptr_t)&record_stack);
    stackid_refresh();
    c->stack = snap_xcalloc((size_t)n, sizeof *c->stack);
    int k = 0, first = 0;
    char buf[STACKID_FRAME_MAX];
    while (own && first < n && stackid_frame((uintptr_t)frames[first], buf, sizeof buf) != own) first++;
    if (first == n) first = 0;
    for (int i = first; i < n; i++) {
        if (stackid_frame((uintptr_t)frames[i], buf, sizeof buf) == own && own) continue;
        size_t len = strlen(buf) + 1;
        c->stack[k++] = memcpy(snap_xmalloc(len), buf, len);
    }
    c->part.stack = (const char *const *)c->stack;
    c->part.nstack = (uint32_t)k;
}

void record_local(snap_cur *c)
{
    sf_rank *p = &c->part;
    p->rank = snap_job.rank;
    p->pid = (int32_t)getpid();
    snprintf(p->host, sizeof p->host, "%s", snap_job.host);
    p->initiator = c->initiator;
    p->t_record = c->t_record;
    snprintf(p->trigger, sizeof p->trigger, "%s", c->trigger);
    p->sent = c->sent;
    p->recvd = c->recvd;
    p->nranks = c->n;
    record_call(c);
    double t0 = snap_now();
    record_regions(c);
    snap_log(SNAP_LOG_DEBUG, "snapshot %u: regions copied in %.1f ms", c->epoch, 1e3 * (snap_now() - t0));
    req_list l = {0};
    if (reqs_count) reqs_each(add_request, &l);
    c->requests = l.v;
    p->requests = l.v;
    p->nrequests = l.n;
    if (snap_job.cfg.stack) record_stack(c);
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
}
