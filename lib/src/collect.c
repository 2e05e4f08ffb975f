/*
 * collect.c - from rank parts to one file.
 *
 * When a rank's part of a snapshot is final (its state recorded, every incoming channel
 * closed) it serialises the part and sends it on the private communicator to the
 * collector, world rank 0: a blob of everything but the regions' bytes, then each
 * region's bytes straight from the record (TAG_DATA, in pieces of at most 1 GiB), so
 * large state is copied once on the way. The
 * collector's own part goes to the file without MPI. The collector writes each part
 * into "<file>.part" as it arrives; with the last one it commits the file (completion mark last, fsync, rename;
 * see snapfile.h) and tells every rank the snapshot is complete, which lets the next one
 * start. The blob format is private to this file and never stored.
 */
#include "engine.h"

#include <errno.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COLLECTOR 0

char collect_conserve_region[SF_NAME_MAX];
int64_t collect_conserve_total;
int32_t collect_conserve_offset;

/* ---- a growable byte buffer and its reader ---- */
typedef struct blob {
    uint8_t *p;
    size_t len, cap;
} blob;

static void put(blob *b, const void *v, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = 2 * (b->len + n) + 1024;
        b->p = snap_xrealloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->len, v, n);
    b->len += n;
}
#define PUT(b, v) put((b), &(v), sizeof(v))

typedef struct reader {
    const uint8_t *p;
    size_t len, pos;
    int bad;
} reader;

static const void *get(reader *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = 1;
        return NULL;
    }
    const void *v = r->p + r->pos;
    r->pos += n;
    return v;
}
#define GET(r, v) do { const void *q_ = get((r), sizeof(v)); if (q_) memcpy(&(v), q_, sizeof(v)); } while (0)

/* ---- serialise a part ---- */
static void put_part(blob *b, snap_cur *c)
{
    sf_rank *p = &c->part;
    uint32_t epoch = c->epoch;
    PUT(b, epoch);
    PUT(b, *p); /* fixed fields; pointers are rewritten on the other side */
    put(b, p->sent, (size_t)p->nranks * sizeof(uint64_t));
    put(b, p->recvd, (size_t)p->nranks * sizeof(uint64_t));
    put(b, p->requests, p->nrequests * sizeof(sf_request));
    for (uint32_t i = 0; i < p->nregions; i++) PUT(b, p->regions[i]); /* the bytes follow apart */
    put(b, c->msgs, c->nmsgs * sizeof(sf_msg));
    uint64_t plen = c->plen;
    PUT(b, plen);
    put(b, c->payload, c->plen);
    for (uint32_t i = 0; i < p->nstack; i++) {
        uint32_t l = (uint32_t)strlen(p->stack[i]) + 1;
        PUT(b, l);
        put(b, p->stack[i], l);
    }
    for (uint32_t i = 0; i < p->ncomms; i++) {
        PUT(b, p->comms[i]);
        put(b, p->comms[i].world, (size_t)p->comms[i].size * sizeof(int32_t));
    }
    /* the conserved quantity, when this rank declared one */
    PUT(b, collect_conserve_region);
    PUT(b, collect_conserve_total);
    PUT(b, collect_conserve_offset);
}

/* A part on the collector's side: the sf_rank and the memory it points into. */
typedef struct part {
    uint32_t epoch;
    sf_rank r;
    sf_region *regions;
    sf_msg *msgs;
    const char **stack;
    sf_comm *comms;
    int owned; /* the regions' bytes were received into buffers of the part's own */
} part;

static int get_part(reader *rd, part *o)
{
    memset(o, 0, sizeof *o);
    GET(rd, o->epoch);
    GET(rd, o->r);
    sf_rank *p = &o->r;
    if (rd->bad || p->nranks != snap_g.nranks || p->rank < 0 || p->rank >= snap_g.nranks) return -1;
    p->sent = get(rd, (size_t)p->nranks * sizeof(uint64_t));
    p->recvd = get(rd, (size_t)p->nranks * sizeof(uint64_t));
    p->requests = get(rd, (size_t)p->nrequests * sizeof(sf_request));
    o->regions = snap_xcalloc(p->nregions, sizeof *o->regions);
    for (uint32_t i = 0; i < p->nregions && !rd->bad; i++) {
        GET(rd, o->regions[i]);
        o->regions[i].data = NULL; /* filled by the caller */
    }
    p->regions = o->regions;
    const sf_msg *m = get(rd, (size_t)p->nmsgs * sizeof(sf_msg));
    uint64_t plen = 0;
    GET(rd, plen);
    const uint8_t *payload = get(rd, plen);
    o->msgs = snap_xcalloc(p->nmsgs, sizeof *o->msgs);
    for (uint32_t i = 0; m && i < p->nmsgs; i++) {
        o->msgs[i] = m[i];
        uint64_t off = (uint64_t)(uintptr_t)m[i].data;
        if (off + m[i].bytes > plen) return -1;
        o->msgs[i].data = payload + off;
    }
    p->msgs = o->msgs;
    o->stack = snap_xcalloc(p->nstack, sizeof *o->stack);
    for (uint32_t i = 0; i < p->nstack && !rd->bad; i++) {
        uint32_t l = 0;
        GET(rd, l);
        o->stack[i] = get(rd, l);
        if (o->stack[i] && (l == 0 || o->stack[i][l - 1])) rd->bad = 1;
    }
    p->stack = o->stack;
    o->comms = snap_xcalloc(p->ncomms, sizeof *o->comms);
    for (uint32_t i = 0; i < p->ncomms && !rd->bad; i++) {
        GET(rd, o->comms[i]);
        if (o->comms[i].size < 0 || o->comms[i].size > snap_g.nranks) return -1;
        o->comms[i].world = get(rd, (size_t)o->comms[i].size * sizeof(int32_t));
    }
    p->comms = o->comms;
    char region[SF_NAME_MAX];
    int64_t total = 0;
    int32_t offset = 0;
    GET(rd, region);
    GET(rd, total);
    GET(rd, offset);
    if (!rd->bad && region[0] && !collect_conserve_region[0]) {
        memcpy(collect_conserve_region, region, sizeof region);
        collect_conserve_region[SF_NAME_MAX - 1] = 0;
        collect_conserve_total = total;
        collect_conserve_offset = offset;
    }
    return rd->bad ? -1 : 0;
}

static void free_part(part *o)
{
    if (o->owned)
        for (uint32_t i = 0; i < o->r.nregions; i++) free((void *)o->regions[i].data);
    free(o->regions);
    free(o->msgs);
    free(o->stack);
    free(o->comms);
}

/* ---- the collector ---- */
typedef struct collector {
    uint32_t epoch;        /* snapshot being written, 0 when none */
    sf_writer *w;
    int got, failed;
    int32_t *initiators;
    uint32_t ninitiators;
    double t_first;
    uint64_t msgs, bytes;
    char path[4200];
} collector;
static collector col;

/* Part sends in flight (buffers kept until complete). */
typedef struct out {
    MPI_Request *reqs;
    int nreqs;
    blob b;
    uint8_t **data; /* the regions' bytes, taken over from the record */
    uint32_t ndata;
    struct out *next;
} out;

#define PIECE ((uint64_t)1 << 30) /* the largest message of region bytes */
static out *outs;

static void program_name(char *buf, size_t len)
{
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
}

static void mkdirs(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, 0777);
            *p = '/';
        }
    if (mkdir(tmp, 0777) && errno != EEXIST)
        snap_log(SNAP_LOG_ERROR, "cannot create MPISNAP_DIR '%s': %s", dir, strerror(errno));
}

void collect_init(void)
{
    if (snap_g.rank == COLLECTOR) mkdirs(snap_g.cfg.dir);
}

static void start_file(uint32_t epoch)
{
    memset(&col, 0, sizeof col);
    col.epoch = epoch;
    col.initiators = snap_xcalloc((size_t)snap_g.nranks, sizeof(int32_t));
    snprintf(col.path, sizeof col.path, "%s/snap-%06u.h5", snap_g.cfg.dir, epoch);
    sf_job job;
    memset(&job, 0, sizeof job);
    job.id = epoch;
    job.nranks = snap_g.nranks;
    snprintf(job.algo, sizeof job.algo, "%s", snap_g.cfg.algo);
    program_name(job.program, sizeof job.program);
    snprintf(job.library_version, sizeof job.library_version, "%s", MPISNAP_VERSION_STRING);
    job.t_start = snap_now();
    snprintf(job.job_key, sizeof job.job_key, "%.40s:%d", snap_g.host, (int)snap_g.nranks);
    char err[512];
    col.w = sf_create(col.path, &job, err, sizeof err);
    if (!col.w) {
        snap_log(SNAP_LOG_ERROR, "snapshot %u: %s", epoch, err);
        col.failed = 1;
    }
}

static void finish_file(void)
{
    char err[512];
    int ok = !col.failed;
    double t0 = snap_now();
    if (ok && sf_commit(col.w, col.initiators, col.ninitiators, snap_now(), err, sizeof err)) {
        snap_log(SNAP_LOG_ERROR, "snapshot %u: %s", col.epoch, err);
        ok = 0;
    } else if (!ok && col.w) {
        sf_abort(col.w);
    }
    snap_log(SNAP_LOG_DEBUG, "snapshot %u: committed (flush, fsync, rename) in %.1f ms", col.epoch,
             1e3 * (snap_now() - t0));
    if (ok)
        snap_log(SNAP_LOG_INFO, "snapshot %u complete: %s, %llu in-transit messages (%llu bytes), %.1f ms", col.epoch,
                 col.path, (unsigned long long)col.msgs, (unsigned long long)col.bytes,
                 1e3 * (snap_now() - col.t_first));
    for (int j = 0; j < snap_g.nranks; j++)
        if (j != snap_g.rank) snap_ctl_send(j, CTL_DONE, col.epoch, (uint64_t)ok, 0);
    uint32_t e = col.epoch;
    free(col.initiators);
    memset(&col, 0, sizeof col);
    snap_engine_done(e);
}

void collect_abandon(uint32_t epoch)
{
    if (snap_g.rank != COLLECTOR || col.epoch != epoch) return;
    if (col.w) sf_abort(col.w);
    free(col.initiators);
    memset(&col, 0, sizeof col);
}

/* Write one rank's part into the file being collected. A part of a snapshot that is
 * over (abandoned while its ranks were sending) is dropped. */
static void take_part(const part *p)
{
    if (col.epoch != p->epoch && p->epoch <= snap_g.done_epoch) {
        snap_log(SNAP_LOG_DEBUG, "snapshot %u is over: the part of rank %d is dropped", p->epoch, p->r.rank);
        return;
    }
    if (col.epoch != p->epoch) {
        if (col.epoch) {
            snap_log(SNAP_LOG_ERROR, "internal: part of snapshot %u while collecting %u", p->epoch, col.epoch);
            return;
        }
        start_file(p->epoch);
    }
    if (!col.t_first || p->r.t_record < col.t_first) col.t_first = p->r.t_record;
    if (p->r.initiator) col.initiators[col.ninitiators++] = p->r.rank;
    col.msgs += p->r.nmsgs;
    for (uint32_t i = 0; i < p->r.nmsgs; i++) col.bytes += p->r.msgs[i].bytes;
    char err[512];
    double t0 = snap_now();
    if (!col.failed && sf_write_rank(col.w, &p->r, err, sizeof err)) {
        snap_log(SNAP_LOG_ERROR, "snapshot %u: %s", col.epoch, err);
        col.failed = 1;
    }
    snap_log(SNAP_LOG_DEBUG, "snapshot %u: part of rank %d written in %.1f ms", col.epoch, p->r.rank,
             1e3 * (snap_now() - t0));
    if (++col.got == snap_g.nranks) finish_file();
}

/* A part that cannot be written (too large to send, or malformed) still counts, so the
 * snapshot completes job-wide; its file is abandoned, with the reason logged. */
static void take_failed(uint32_t epoch, const char *why)
{
    if (col.epoch != epoch) {
        if (col.epoch || epoch <= snap_g.done_epoch) return;
        start_file(epoch);
    }
    snap_log(SNAP_LOG_ERROR, "snapshot %u: %s; the file is not written", epoch, why);
    col.failed = 1;
    if (++col.got == snap_g.nranks) finish_file();
}

/* A part's blob arrived (from rank src, whose region bytes follow; or the collector's
 * own, whose bytes are in c). */
static void take_blob(const uint8_t *data, size_t len, int src, const snap_cur *c)
{
    reader rd = {data, len, 0, 0};
    part p;
    uint32_t epoch = 0;
    if (len >= sizeof epoch) memcpy(&epoch, data, sizeof epoch);
    if (get_part(&rd, &p)) {
        if (epoch) take_failed(epoch, len == sizeof epoch ? "a rank's part exceeds 2 GiB" : "a malformed part");
        free_part(&p);
        return;
    }
    p.owned = src >= 0;
    for (uint32_t i = 0; i < p.r.nregions; i++) {
        if (!p.owned) {
            p.regions[i].data = c->part.regions[i].data;
            continue;
        }
        uint64_t n = p.regions[i].bytes;
        uint8_t *b = snap_xmalloc_big(n ? n : 1);
        p.regions[i].data = b;
        for (uint64_t off = 0; off < n; off += PIECE)
            PMPI_Recv(b + off, (int)(n - off < PIECE ? n - off : PIECE), MPI_BYTE, src, TAG_DATA, snap_g.ctl,
                      MPI_STATUS_IGNORE);
    }
    take_part(&p);
    free_part(&p);
}

void collect_send_part(snap_cur *c)
{
    /* fix up message data pointers: offsets into c->payload, as the blob expects */
    c->part.msgs = c->msgs;
    c->part.nmsgs = c->nmsgs;
    out *o = snap_xcalloc(1, sizeof *o);
    put_part(&o->b, c);
    if (snap_g.rank == COLLECTOR) {
        take_blob(o->b.p, o->b.len, -1, c);
        free(o->b.p);
        free(o);
        return;
    }
    int whole = o->b.len <= (size_t)INT32_MAX;
    if (!whole) { /* one MPI message cannot carry it: send the epoch alone */
        snap_log(SNAP_LOG_ERROR, "snapshot %u: this rank's part without its regions is %zu bytes, over the 2 GiB it "
                 "may be", c->epoch, o->b.len);
        o->b.len = sizeof c->epoch;
    }
    const sf_rank *p = &c->part;
    int n = 1;
    for (uint32_t i = 0; whole && i < p->nregions; i++) n += (int)((p->regions[i].bytes + PIECE - 1) / PIECE);
    o->reqs = snap_xcalloc((size_t)n, sizeof *o->reqs);
    PMPI_Isend(o->b.p, (int)o->b.len, MPI_BYTE, COLLECTOR, TAG_PART, snap_g.ctl, &o->reqs[o->nreqs++]);
    if (whole) { /* the record's buffers go with the sends: no copy */
        o->data = c->region_data, o->ndata = p->nregions;
        c->region_data = snap_xcalloc(p->nregions ? p->nregions : 1, sizeof *c->region_data);
        for (uint32_t i = 0; i < p->nregions; i++)
            for (uint64_t off = 0; off < p->regions[i].bytes; off += PIECE) {
                uint64_t k = p->regions[i].bytes - off < PIECE ? p->regions[i].bytes - off : PIECE;
                PMPI_Isend(o->data[i] + off, (int)k, MPI_BYTE, COLLECTOR, TAG_DATA, snap_g.ctl,
                           &o->reqs[o->nreqs++]);
            }
    }
    o->next = outs;
    outs = o;
}

void collect_poll(void)
{
    if (snap_g.rank != COLLECTOR) return;
    for (;;) {
        int flag = 0;
        MPI_Message msg;
        MPI_Status st;
        PMPI_Improbe(MPI_ANY_SOURCE, TAG_PART, snap_g.ctl, &flag, &msg, &st);
        if (!flag) return;
        int n = 0;
        PMPI_Get_count(&st, MPI_BYTE, &n);
        uint8_t *b = snap_xmalloc((size_t)n);
        PMPI_Mrecv(b, n, MPI_BYTE, &msg, MPI_STATUS_IGNORE);
        take_blob(b, (size_t)n, st.MPI_SOURCE, NULL);
        free(b);
    }
}

void collect_reap(void)
{
    for (out **p = &outs; *p;) {
        int flag = 0;
        PMPI_Testall((*p)->nreqs, (*p)->reqs, &flag, MPI_STATUSES_IGNORE);
        if (!flag) {
            p = &(*p)->next;
            continue;
        }
        out *o = *p;
        *p = o->next;
        for (uint32_t i = 0; i < o->ndata; i++) free(o->data[i]);
        free(o->data);
        free(o->reqs);
        free(o->b.p);
        free(o);
    }
}
