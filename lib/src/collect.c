/*
 * collect.c - from rank parts to one file.
 *
 * When a rank's part of a snapshot is final (its state recorded, every incoming channel
 * closed) it serialises the part and sends it on the private communicator to the
 * collector, world rank 0 (TAG_PART). Small regions travel inside that blob. Large ones
 * (over INLINE_MAX in all) do not travel at all: the collector writes the part's group,
 * gives each region its place in the file (a contiguous dataset allocated at once) and
 * sends the offsets back (TAG_PLACE); the rank then writes its own bytes there with
 * pwrite, in a thread, straight from the record's copy, checksumming as it goes, and
 * tells the collector the checksums once they are durable (TAG_WROTE). So every rank
 * writes its state in parallel and the collector handles only metadata. A rank that
 * cannot open the file (MPISNAP_DIR not shared with the collector's node) says so in
 * its TAG_WROTE and sends the bytes instead (TAG_DATA, pieces of at most 1 GiB), which
 * the collector writes. The collector's own part takes the same path without messages.
 * With every part and every region's checksum in, the collector commits the file
 * (completion mark last, fsync, rename; see snapfile.h) and tells every rank the
 * snapshot is complete, which lets the next one start. Every part gets a TAG_PLACE
 * answer when it asks for one, even from a collector that drops it (its snapshot was
 * abandoned), so no rank waits forever. The messages are private to this file.
 */
#include "dump.h"
#include "engine.h"
#include "snapdir.h"

#include <errno.h>
#include <fcntl.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COLLECTOR 0
#define INLINE_MAX ((uint64_t)4 << 20) /* regions up to this much in all travel in the part */

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
/* Arrays the collector uses in place (counters, requests, envelopes, member lists)
 * start at a multiple of 8 bytes of the blob, as their types need (UBSan found int32
 * member lists at odd addresses); get_part skips the same padding. */
static void align8(blob *b)
{
    static const uint8_t zero[8];
    put(b, zero, (8 - b->len % 8) % 8);
}

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
static void skip8(reader *r)
{
    get(r, (8 - r->pos % 8) % 8);
}

/* ---- serialise a part ---- */
static void put_part(blob *b, snap_cur *c, uint8_t direct)
{
    sf_rank *p = &c->part;
    uint32_t epoch = c->epoch;
    PUT(b, epoch);
    PUT(b, direct);
    PUT(b, *p); /* fixed fields; pointers are rewritten on the other side */
    align8(b);
    put(b, p->sent, (size_t)p->nranks * sizeof(uint64_t));
    put(b, p->recvd, (size_t)p->nranks * sizeof(uint64_t));
    align8(b);
    put(b, p->requests, p->nrequests * sizeof(sf_request));
    for (uint32_t i = 0; i < p->nregions; i++) PUT(b, p->regions[i]); /* bytes at the end, or not sent */
    align8(b);
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
        align8(b);
        put(b, p->comms[i].world, (size_t)p->comms[i].size * sizeof(int32_t));
    }
    /* the conserved quantity, when this rank declared one */
    PUT(b, collect_conserve_region);
    PUT(b, collect_conserve_total);
    PUT(b, collect_conserve_offset);
    for (uint32_t i = 0; !direct && i < p->nregions; i++) put(b, p->regions[i].data, p->regions[i].bytes);
}

/* A part on the collector's side: the sf_rank and the memory it points into. */
typedef struct part {
    uint32_t epoch;
    uint8_t direct; /* the regions' bytes are written by the rank itself, not in the blob */
    sf_rank r;
    sf_region *regions;
    sf_msg *msgs;
    const char **stack;
    sf_comm *comms;
} part;

static int get_part(reader *rd, part *o)
{
    memset(o, 0, sizeof *o);
    GET(rd, o->epoch);
    GET(rd, o->direct);
    GET(rd, o->r);
    sf_rank *p = &o->r;
    if (rd->bad || p->nranks != snap_g.nranks || p->rank < 0 || p->rank >= snap_g.nranks) return -1;
    skip8(rd);
    p->sent = get(rd, (size_t)p->nranks * sizeof(uint64_t));
    p->recvd = get(rd, (size_t)p->nranks * sizeof(uint64_t));
    skip8(rd);
    p->requests = get(rd, (size_t)p->nrequests * sizeof(sf_request));
    if (p->nregions > rd->len / sizeof(sf_region)) return -1;
    o->regions = snap_xcalloc(p->nregions, sizeof *o->regions);
    for (uint32_t i = 0; i < p->nregions && !rd->bad; i++) {
        GET(rd, o->regions[i]);
        o->regions[i].data = NULL; /* below, or written by the rank */
    }
    p->regions = o->regions;
    skip8(rd);
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
        skip8(rd);
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
    for (uint32_t i = 0; !o->direct && i < p->nregions && !rd->bad; i++)
        o->regions[i].data = get(rd, o->regions[i].bytes);
    return rd->bad || rd->pos != rd->len ? -1 : 0;
}

static void free_part(part *o)
{
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
    int owed;              /* placed parts whose TAG_WROTE has not come */
    uint64_t **offs;       /* per rank: where its placed regions go (NULL when none) */
    uint64_t **sizes;      /* per rank: their sizes */
    uint32_t *nregs;       /* per rank: its regions */
    uint64_t token;        /* written into the file where ranks check it (dump.h) */
    int32_t *initiators;
    uint32_t ninitiators;
    double t_first;
    uint64_t msgs, bytes;
    char path[4200];
} collector;
static collector col;

/* A part on its way, on the rank that sends it: the messages in flight (their buffers
 * kept until complete) and the regions' bytes, taken over from the record. */
enum { OUT_SEND, OUT_PLACE, OUT_WRITE }; /* phases: see collect_reap */
typedef struct out {
    uint32_t epoch;
    int phase;
    MPI_Request *reqs;
    int nreqs, capreqs;
    blob b, wrote;
    uint8_t **data;
    uint64_t *bytes, *offs, *sums;
    uint32_t ndata;
    dump_job job;
    double t_write;
    struct out *next;
} out;

/* The messages of the place/wrote exchange (followed by uint64_t arrays of n). */
typedef struct place_msg {
    uint32_t epoch, n;
    int32_t go;            /* 0: write nothing (the snapshot is over, or its file failed) */
    uint64_t token, probe; /* the file's proof of identity (dump.h) */
    char path[4200];
} place_msg;                /* + offs[n] */
typedef struct wrote_msg {
    uint32_t epoch, n;
    int32_t sent;          /* 1: the bytes could not be written here and follow as TAG_DATA */
    char why[300];
} wrote_msg;                /* + sums[n], bytes[n] */

#define PIECE ((uint64_t)1 << 30) /* the largest message of region bytes */
static out *outs;
/* The collector's PLACE answers in flight (buffers kept until complete). */
typedef struct place_send {
    MPI_Request req;
    place_msg *m;
    struct place_send *next;
} place_send;
static place_send *places;
int collect_pending; /* outs and PLACE sends not yet complete: the engine keeps polling */
static char abs_dir[4096]; /* MPISNAP_DIR made absolute: ranks in other directories find the file */

static void add_req(out *o, MPI_Request r)
{
    if (o->nreqs == o->capreqs) {
        o->capreqs = o->capreqs ? 2 * o->capreqs : 4;
        o->reqs = snap_xrealloc(o->reqs, (size_t)o->capreqs * sizeof *o->reqs);
    }
    o->reqs[o->nreqs++] = r;
}

static void program_name(char *buf, size_t len)
{
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
}

void collect_init(void)
{
    if (snap_g.rank != COLLECTOR) return;
    snapdir_make(snap_g.cfg.dir);
    char *r = realpath(snap_g.cfg.dir, NULL);
    snprintf(abs_dir, sizeof abs_dir, "%s", r ? r : snap_g.cfg.dir);
    free(r);
    snapdir_warn_reused();
}

static uint64_t random64(void)
{
    uint64_t v = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&v, sizeof v, 1, f) != 1) v = (uint64_t)getpid() << 32 ^ (uint64_t)(snap_now() * 1e9);
    if (f) fclose(f);
    return v | 1;
}

static void file_failed(uint32_t epoch, const char *err)
{
    col.failed = 1;
    snapdir_failed(epoch, err);
}

static void start_file(uint32_t epoch)
{
    memset(&col, 0, sizeof col);
    col.epoch = epoch;
    col.initiators = snap_xcalloc((size_t)snap_g.nranks, sizeof(int32_t));
    col.offs = snap_xcalloc((size_t)snap_g.nranks, sizeof *col.offs);
    col.sizes = snap_xcalloc((size_t)snap_g.nranks, sizeof *col.sizes);
    col.nregs = snap_xcalloc((size_t)snap_g.nranks, sizeof *col.nregs);
    col.token = random64();
    snprintf(col.path, sizeof col.path, "%s/snap-%06u.h5", abs_dir, epoch);
    sf_job job;
    memset(&job, 0, sizeof job);
    job.id = epoch;
    job.nranks = snap_g.nranks;
    snprintf(job.algo, sizeof job.algo, "%s", snap_g.cfg.algo);
    program_name(job.program, sizeof job.program);
    snprintf(job.library_version, sizeof job.library_version, "%s", MPISNAP_VERSION_STRING);
    job.t_start = snap_now();
    job.file_mode = snap_g.cfg.share ? 0640 : 0600;
    snprintf(job.job_key, sizeof job.job_key, "%.40s:%d", snap_g.host, (int)snap_g.nranks);
    char err[512];
    col.w = sf_create(col.path, &job, err, sizeof err);
    if (!col.w) file_failed(epoch, err);
}

static void forget_file(void)
{
    for (int r = 0; col.offs && r < snap_g.nranks; r++) free(col.offs[r]), free(col.sizes[r]);
    free(col.offs);
    free(col.sizes);
    free(col.nregs);
    free(col.initiators);
    memset(&col, 0, sizeof col);
}

static void finish_file(void)
{
    char err[512];
    int ok = !col.failed;
    double t0 = snap_now();
    if (ok && sf_commit(col.w, col.initiators, col.ninitiators, snap_now(), err, sizeof err)) {
        file_failed(col.epoch, err);
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
    if (ok) {
        snapdir_written(col.epoch);
        snapdir_keep_newest(col.path, col.epoch);
    }
    for (int j = 0; j < snap_g.nranks; j++)
        if (j != snap_g.rank) snap_ctl_send(j, CTL_DONE, col.epoch, (uint64_t)ok, 0);
    uint32_t e = col.epoch;
    forget_file();
    snap_engine_done(e);
}

static void maybe_finish(void)
{
    if (col.got == snap_g.nranks && col.owed == 0) finish_file();
}

void collect_abandon(uint32_t epoch)
{
    if (snap_g.rank != COLLECTOR || col.epoch != epoch) return;
    if (col.w) sf_abort(col.w);
    forget_file();
}

/* Write one rank's part into the file being collected; its placed regions' offsets go
 * into offs (left NULL when nothing is to be written by the rank). A part of a snapshot
 * that is over (abandoned while its ranks were sending) is dropped. */
static void take_part(const part *p, uint64_t **offs)
{
    *offs = NULL;
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
    uint64_t *o = p->direct ? snap_xcalloc(p->r.nregions ? p->r.nregions : 1, sizeof *o) : NULL;
    if (!col.failed && sf_place_rank(col.w, &p->r, o, err, sizeof err)) file_failed(col.epoch, err);
    snap_log(SNAP_LOG_DEBUG, "snapshot %u: part of rank %d written in %.1f ms%s", col.epoch, p->r.rank,
             1e3 * (snap_now() - t0), o ? " (its regions placed, for it to write)" : "");
    col.got++;
    if (o && !col.failed) {
        col.offs[p->r.rank] = o, col.nregs[p->r.rank] = p->r.nregions;
        col.sizes[p->r.rank] = snap_xcalloc(p->r.nregions ? p->r.nregions : 1, sizeof(uint64_t));
        for (uint32_t i = 0; i < p->r.nregions; i++) col.sizes[p->r.rank][i] = p->r.regions[i].bytes;
        col.owed++;
        *offs = o;
    } else {
        free(o);
        maybe_finish();
    }
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
    col.got++;
    maybe_finish();
}

static void place_out(out *o, const place_msg *pm, const uint64_t *offs);

/* Where rank src proves it opened the collector's file (dump.h): the token goes into the
 * first 8 bytes of one of its placed regions, which it overwrites afterwards. */
static uint64_t put_token(int src, uint32_t n, const uint64_t *offs)
{
    const uint64_t *sz = col.sizes[src];
    uint32_t i = 0;
    while (i < n && (offs[i] == UINT64_MAX || sz[i] < sizeof col.token)) i++;
    if (i == n) return UINT64_MAX;
    int fd = open(sf_part_path(col.w), O_WRONLY | O_CLOEXEC);
    int ok = fd >= 0 && pwrite(fd, &col.token, sizeof col.token, (off_t)offs[i]) == (ssize_t)sizeof col.token;
    if (fd >= 0 && close(fd) < 0) ok = 0;
    return ok ? offs[i] : UINT64_MAX; /* without it the rank writes unchecked */
}

/* Tell rank src where its regions go (offs NULL: write nothing). */
static void send_place(int src, uint32_t epoch, uint32_t n, const uint64_t *offs)
{
    size_t len = sizeof(place_msg) + (size_t)n * sizeof(uint64_t);
    place_send *po = snap_xcalloc(1, sizeof *po);
    place_msg *pm = po->m = snap_xcalloc(1, len);
    pm->epoch = epoch, pm->n = n, pm->go = offs != NULL, pm->probe = UINT64_MAX;
    if (offs) {
        snprintf(pm->path, sizeof pm->path, "%s", sf_part_path(col.w));
        memcpy(pm + 1, offs, (size_t)n * sizeof(uint64_t));
        pm->token = col.token, pm->probe = put_token(src, n, offs);
    }
    PMPI_Isend(pm, (int)len, MPI_BYTE, src, TAG_PLACE, snap_g.ctl, &po->req);
    po->next = places;
    places = po;
    collect_pending++;
}

/* A part's blob arrived from rank src, or is the collector's own (src < 0, self its out). */
static void take_blob(const uint8_t *data, size_t len, int src, out *self)
{
    reader rd = {data, len, 0, 0};
    part p;
    uint32_t epoch = 0;
    uint8_t direct = 0;
    if (len >= sizeof epoch + sizeof direct) memcpy(&epoch, data, sizeof epoch), direct = data[sizeof epoch];
    uint64_t *offs = NULL;
    if (get_part(&rd, &p)) {
        if (epoch) take_failed(epoch, len == sizeof epoch + 1 ? "a rank's part exceeds 2 GiB" : "a malformed part");
    } else {
        take_part(&p, &offs);
    }
    uint32_t n = p.r.nregions;
    free_part(&p);
    if (!direct) return;
    /* a rank that asked for places gets an answer, whatever became of its part */
    if (src >= 0) {
        send_place(src, epoch, offs ? n : 0, offs);
    } else {
        place_msg pm = {epoch, offs ? n : 0, offs != NULL, 0, UINT64_MAX, ""};
        if (offs) snprintf(pm.path, sizeof pm.path, "%s", sf_part_path(col.w));
        place_out(self, &pm, offs);
    }
}

/* Rank src's regions are written (or come now as TAG_DATA, which the collector writes):
 * their checksums go into the file. */
static void take_wrote(int src, const wrote_msg *wm, const uint64_t *sums, const uint64_t *bytes)
{
    int mine = col.epoch == wm->epoch && col.offs && col.offs[src];
    if (mine && (col.nregs[src] != wm->n || memcmp(col.sizes[src], bytes, (size_t)wm->n * sizeof *bytes))) {
        snap_log(SNAP_LOG_ERROR, "internal: snapshot %u: rank %d reports other regions than it placed", wm->epoch, src);
        col.failed = 1;
    }
    uint64_t *got_sums = NULL;
    if (wm->sent) { /* receive the bytes, and write them if they still belong anywhere */
        if (mine)
            snap_log(SNAP_LOG_INFO, "snapshot %u: rank %d could not write its regions (%s): the collector does",
                     wm->epoch, src, wm->why);
        dump_job j;
        memset(&j, 0, sizeof j);
        uint8_t **data = snap_xcalloc(wm->n ? wm->n : 1, sizeof *data);
        got_sums = snap_xcalloc(wm->n ? wm->n : 1, sizeof *got_sums);
        for (uint32_t i = 0; i < wm->n; i++) {
            data[i] = snap_xmalloc_big(bytes[i] ? bytes[i] : 1);
            for (uint64_t off = 0; off < bytes[i]; off += PIECE)
                PMPI_Recv(data[i] + off, (int)(bytes[i] - off < PIECE ? bytes[i] - off : PIECE), MPI_BYTE, src,
                          TAG_DATA, snap_g.ctl, MPI_STATUS_IGNORE);
        }
        if (mine && !col.failed) {
            snprintf(j.path, sizeof j.path, "%s", sf_part_path(col.w));
            j.probe = UINT64_MAX;
            j.n = wm->n, j.data = data, j.bytes = bytes, j.offs = col.offs[src], j.sums = got_sums;
            dump_run(&j);
            if (j.err) {
                snap_log(SNAP_LOG_ERROR, "snapshot %u: writing the regions of rank %d: %s", wm->epoch, src, j.why);
                col.failed = 1;
            }
            sums = got_sums;
        }
        for (uint32_t i = 0; i < wm->n; i++) snap_free_big(data[i]);
        free(data);
    }
    if (mine) {
        char err[512];
        for (uint32_t i = 0; i < wm->n && !col.failed; i++)
            if (col.offs[src][i] != UINT64_MAX && sf_region_done(col.w, src, i, sums[i], err, sizeof err))
                file_failed(wm->epoch, err);
        free(col.offs[src]);
        col.offs[src] = NULL;
        col.owed--;
        maybe_finish();
    }
    free(got_sums);
}

/* ---- the sending side ---- */

static void free_out(out *o)
{
    for (uint32_t i = 0; i < o->ndata; i++) snap_free_big(o->data[i]);
    free(o->data);
    free(o->bytes);
    free(o->offs);
    free(o->sums);
    free(o->reqs);
    free(o->b.p);
    free(o->wrote.p);
    free(o);
}

static void drop_data(out *o)
{
    for (uint32_t i = 0; i < o->ndata; i++) snap_free_big(o->data[i]), o->data[i] = NULL;
}

/* The answer to a part that asked for places: write the regions, in a thread. */
static void place_out(out *o, const place_msg *pm, const uint64_t *offs)
{
    if (!pm->go || pm->n != o->ndata) {
        if (pm->go) snap_log(SNAP_LOG_ERROR, "internal: snapshot %u: %u places for %u regions", pm->epoch, pm->n, o->ndata);
        drop_data(o);
        o->phase = OUT_SEND;
        return;
    }
    o->offs = snap_xcalloc(o->ndata ? o->ndata : 1, sizeof *o->offs);
    o->sums = snap_xcalloc(o->ndata ? o->ndata : 1, sizeof *o->sums);
    memcpy(o->offs, offs, (size_t)o->ndata * sizeof *o->offs);
    dump_job *j = &o->job;
    o->t_write = snap_now();
    snprintf(j->path, sizeof j->path, "%s", pm->path);
    j->n = o->ndata, j->data = o->data, j->bytes = o->bytes, j->offs = o->offs, j->sums = o->sums;
    j->token = pm->token, j->probe = pm->probe;
    o->phase = OUT_WRITE;
    dump_start(j);
}

/* The rank's regions are written (or could not be): tell the collector. */
static void wrote_out(out *o)
{
    dump_job *j = &o->job;
    wrote_msg wm;
    memset(&wm, 0, sizeof wm);
    wm.epoch = o->epoch, wm.n = o->ndata, wm.sent = j->err != 0;
    if (j->err) snprintf(wm.why, sizeof wm.why, "%.*s", (int)sizeof wm.why - 1, j->why);
    else snap_log(SNAP_LOG_DEBUG, "snapshot %u: this rank's regions written in %.1f ms", o->epoch,
                  1e3 * (snap_now() - o->t_write));
    o->phase = OUT_SEND;
    if (snap_g.rank == COLLECTOR) { /* its own: no messages; it cannot send itself the bytes */
        if (j->err) {
            snap_log(SNAP_LOG_ERROR, "snapshot %u: writing this rank's regions: %s", o->epoch, wm.why);
            if (col.epoch == o->epoch) col.failed = 1;
            wm.sent = 0;
        }
        take_wrote(COLLECTOR, &wm, o->sums, o->bytes);
        drop_data(o);
        return;
    }
    put(&o->wrote, &wm, sizeof wm);
    put(&o->wrote, o->sums, (size_t)o->ndata * sizeof *o->sums);
    put(&o->wrote, o->bytes, (size_t)o->ndata * sizeof *o->bytes);
    MPI_Request r;
    PMPI_Isend(o->wrote.p, (int)o->wrote.len, MPI_BYTE, COLLECTOR, TAG_WROTE, snap_g.ctl, &r);
    add_req(o, r);
    if (!wm.sent) {
        drop_data(o);
        return;
    }
    snap_log(SNAP_LOG_WARN, "snapshot %u: cannot write into the snapshot file (%s): sending the regions to the "
             "collector instead (is MPISNAP_DIR shared by every node?)", o->epoch, wm.why);
    for (uint32_t i = 0; i < o->ndata; i++)
        for (uint64_t off = 0; off < o->bytes[i]; off += PIECE) {
            uint64_t k = o->bytes[i] - off < PIECE ? o->bytes[i] - off : PIECE;
            PMPI_Isend(o->data[i] + off, (int)k, MPI_BYTE, COLLECTOR, TAG_DATA, snap_g.ctl, &r);
            add_req(o, r);
        }
}

void collect_send_part(snap_cur *c)
{
    /* fix up message data pointers: offsets into c->payload, as the blob expects */
    c->part.msgs = c->msgs;
    c->part.nmsgs = c->nmsgs;
    const sf_rank *p = &c->part;
    out *o = snap_xcalloc(1, sizeof *o);
    o->epoch = c->epoch;
    o->ndata = p->nregions;
    o->bytes = snap_xcalloc(p->nregions ? p->nregions : 1, sizeof *o->bytes);
    uint64_t total = 0;
    for (uint32_t i = 0; i < p->nregions; i++) total += o->bytes[i] = p->regions[i].bytes;
    uint8_t direct = total > INLINE_MAX;
    put_part(&o->b, c, direct);
    /* the record's buffers go with the part: no copy */
    o->data = c->region_data;
    c->region_data = snap_xcalloc(p->nregions ? p->nregions : 1, sizeof *c->region_data);
    if (!direct) drop_data(o);
    o->phase = direct ? OUT_PLACE : OUT_SEND;
    o->next = outs;
    outs = o;
    collect_pending++;
    if (snap_g.rank == COLLECTOR) {
        take_blob(o->b.p, o->b.len, -1, o);
        return;
    }
    if (o->b.len > (size_t)INT32_MAX) { /* one MPI message cannot carry it: send the epoch alone */
        snap_log(SNAP_LOG_ERROR, "snapshot %u: this rank's part is %zu bytes, over the 2 GiB it may be", c->epoch,
                 o->b.len);
        o->b.len = sizeof c->epoch + sizeof direct;
    }
    MPI_Request r;
    PMPI_Isend(o->b.p, (int)o->b.len, MPI_BYTE, COLLECTOR, TAG_PART, snap_g.ctl, &r);
    add_req(o, r);
}

/* A message of tag from src on the private communicator, received whole (NULL if none). */
static uint8_t *take_msg(int src, int tag, int *from, size_t *len)
{
    int flag = 0, n = 0;
    MPI_Message msg;
    MPI_Status st;
    PMPI_Improbe(src, tag, snap_g.ctl, &flag, &msg, &st);
    if (!flag) return NULL;
    PMPI_Get_count(&st, MPI_BYTE, &n);
    uint8_t *b = snap_xmalloc(n ? (size_t)n : 1);
    PMPI_Mrecv(b, n, MPI_BYTE, &msg, MPI_STATUS_IGNORE);
    *from = st.MPI_SOURCE, *len = (size_t)n;
    return b;
}

void collect_poll(void)
{
    int src;
    size_t n;
    for (uint8_t *b; snap_g.rank == COLLECTOR && (b = take_msg(MPI_ANY_SOURCE, TAG_PART, &src, &n)); free(b))
        take_blob(b, n, src, NULL);
    for (uint8_t *b; snap_g.rank == COLLECTOR && (b = take_msg(MPI_ANY_SOURCE, TAG_WROTE, &src, &n)); free(b)) {
        const wrote_msg *wm = (const wrote_msg *)b;
        if (n < sizeof *wm || (n - sizeof *wm) / (2 * sizeof(uint64_t)) < wm->n ||
            n != sizeof *wm + 2 * (size_t)wm->n * sizeof(uint64_t)) {
            snap_log(SNAP_LOG_ERROR, "internal: a malformed region report from rank %d", src);
            continue;
        }
        const uint64_t *sums = (const uint64_t *)(wm + 1);
        take_wrote(src, wm, sums, sums + wm->n);
    }
    for (uint8_t *b; snap_g.rank != COLLECTOR && (b = take_msg(COLLECTOR, TAG_PLACE, &src, &n)); free(b)) {
        const place_msg *pm = (const place_msg *)b;
        out *o = outs;
        int ok = n >= sizeof *pm && (n - sizeof *pm) / sizeof(uint64_t) >= pm->n &&
                 n == sizeof *pm + (size_t)pm->n * sizeof(uint64_t);
        while (ok && o && !(o->phase == OUT_PLACE && o->epoch == pm->epoch)) o = o->next;
        if (ok && o) place_out(o, pm, (const uint64_t *)(pm + 1));
        else snap_log(SNAP_LOG_ERROR, "internal: a place message%s answers no part of this rank", ok ? "" : " (malformed)");
    }
}

/* Outs move on: a finished write is reported; sends complete; then the out goes. */
void collect_reap(void)
{
    for (place_send **p = &places; *p;) {
        int flag = 0;
        PMPI_Test(&(*p)->req, &flag, MPI_STATUS_IGNORE);
        if (!flag) {
            p = &(*p)->next;
            continue;
        }
        place_send *po = *p;
        *p = po->next;
        free(po->m);
        free(po);
        collect_pending--;
    }
    for (out **p = &outs; *p;) {
        out *o = *p;
        if (o->phase == OUT_WRITE && dump_done(&o->job)) wrote_out(o);
        int flag = o->phase == OUT_SEND;
        if (flag && o->nreqs) PMPI_Testall(o->nreqs, o->reqs, &flag, MPI_STATUSES_IGNORE);
        if (!flag) {
            p = &o->next;
            continue;
        }
        *p = o->next;
        free_out(o);
        collect_pending--;
    }
}
