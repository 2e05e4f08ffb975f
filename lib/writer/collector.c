/*
 * collector.c - the collector (world rank 0): parts in, one HDF5 file out (see collect.c
 * for the exchange with the ranks). It writes each part's group as it arrives, gives
 * large regions their place in the file for the ranks to write, takes their checksums,
 * commits the file once everything is in, and says DONE to every rank (and to its own
 * engine through the callback it was given). Only metadata passes through it unless a
 * rank cannot write into the file itself.
 */
#include "collector.h"
#include "call.h"
#include "collect.h"
#include "dump.h"
#include "pump.h"
#include "snapdir.h"

#include <errno.h>
#include <fcntl.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char collect_conserve_region[SF_NAME_MAX];
int64_t collect_conserve_total;
int32_t collect_conserve_offset;

typedef struct collector {
    uint32_t epoch; /* snapshot being written, 0 when none */
    sf_writer *w;
    int got, failed;
    int owed;         /* placed parts whose TAG_WROTE has not come */
    uint64_t **offs;  /* per rank: where its placed regions go (NULL when none) */
    uint64_t **sizes; /* per rank: their sizes */
    uint32_t *nregs;  /* per rank: its regions */
    uint64_t token;   /* written into the file where ranks check it (dump.h) */
    int32_t *initiators;
    uint32_t ninitiators;
    double t_first;
    uint64_t msgs, bytes;
    char path[4200];
} collector;
static collector col;

/* The collector's PLACE answers in flight (buffers kept until complete). */
typedef struct place_send {
    MPI_Request req;
    place_msg *m;
    struct place_send *next;
} place_send;
static place_send *places;
static int pending; /* PLACE sends not yet complete: WORK_COLLECTOR while any */
static void pend(int delta)
{
    pending += delta;
    pump_set(WORK_COLLECTOR, pending > 0);
}
static void (*done_cb)(uint32_t epoch); /* the engine: a snapshot is complete */
static uint32_t over;                   /* newest snapshot finished or abandoned here */
static char abs_dir[4096];              /* MPISNAP_DIR made absolute: ranks in other directories find the file */

static void program_name(char *buf, size_t len)
{
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
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

/* The file given up: its .part (sf_create's name) may be left where it could not be
 * removed. */
static void left_behind(void)
{
    char part[sizeof col.path + sizeof ".part"];
    snprintf(part, sizeof part, "%s.part", col.path);
    snapdir_left(part);
}

static void start_file(uint32_t epoch)
{
    memset(&col, 0, sizeof col);
    col.epoch = epoch;
    col.initiators = snap_xcalloc((size_t)snap_job.nranks, sizeof(int32_t));
    col.offs = snap_xcalloc((size_t)snap_job.nranks, sizeof *col.offs);
    col.sizes = snap_xcalloc((size_t)snap_job.nranks, sizeof *col.sizes);
    col.nregs = snap_xcalloc((size_t)snap_job.nranks, sizeof *col.nregs);
    col.token = random64();
    snprintf(col.path, sizeof col.path, "%s/snap-%06u.h5", abs_dir, epoch);
    sf_job job;
    memset(&job, 0, sizeof job);
    job.id = epoch;
    job.nranks = snap_job.nranks;
    snprintf(job.algo, sizeof job.algo, "%s", snap_job.cfg.algo);
    program_name(job.program, sizeof job.program);
    snprintf(job.library_version, sizeof job.library_version, "%s", MPISNAP_VERSION_STRING);
    job.t_start = snap_now();
    job.file_mode = snap_job.cfg.share ? 0640 : 0600;
    snprintf(job.job_key, sizeof job.job_key, "%s", snap_job.job_key);
    /* the conserved quantity (mpisnap_conserve), this rank's or adopted from a part */
    memcpy(job.conserve_region, collect_conserve_region, sizeof job.conserve_region);
    job.conserve_total = collect_conserve_total;
    job.conserve_offset = collect_conserve_offset;
    char err[512];
    snapdir_sweep(0);
    col.w = sf_create(col.path, &job, err, sizeof err);
    if (!col.w) file_failed(epoch, err), left_behind();
}

static void forget_file(void)
{
    for (int r = 0; col.offs && r < snap_job.nranks; r++) free(col.offs[r]), free(col.sizes[r]);
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
    } else {
        left_behind();
    }
    for (int j = 0; j < snap_job.nranks; j++)
        if (j != snap_job.rank) snap_ctl_send(j, CTL_DONE, col.epoch, (uint64_t)ok, 0);
    uint32_t e = col.epoch;
    forget_file();
    if (e > over) over = e;
    done_cb(e);
}

static void maybe_finish(void)
{
    if (col.got == snap_job.nranks && col.owed == 0) finish_file();
}

void collector_abandon(uint32_t epoch)
{
    if (epoch > over) over = epoch;
    if (snap_job.rank != SNAP_COLLECTOR || col.epoch != epoch) return;
    if (col.w) sf_abort(col.w), left_behind();
    forget_file();
}

/* Write one rank's part into the file being collected; its placed regions' offsets go
 * into offs (left NULL when nothing is to be written by the rank). A part of a snapshot
 * that is over (abandoned while its ranks were sending) is dropped. */
static void take_part(const part *p, uint64_t **offs)
{
    *offs = NULL;
    if (col.epoch != p->epoch && p->epoch <= over) {
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
        if (col.epoch || epoch <= over) return;
        start_file(epoch);
    }
    snap_log(SNAP_LOG_ERROR, "snapshot %u: %s; the file is not written", epoch, why);
    col.failed = 1;
    col.got++;
    maybe_finish();
}

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
    PMPI_Isend(pm, (int)len, MPI_BYTE, src, TAG_PLACE, snap_job.ctl, &po->req);
    po->next = places;
    places = po;
    pend(1);
}

/* The collector's disk work holds the hang watchdog's clock (call.h); nested calls
 * (poll takes parts) count. */
static int writing;
static void hold(int on)
{
    writing += on ? 1 : -1;
    snap_hold(SNAP_HELD_WRITING, writing > 0);
}

static int take(const uint8_t *data, size_t len, int src, place_msg *own, const uint64_t **own_offs)
{
    part p;
    uint32_t epoch = 0;
    uint8_t direct = 0;
    if (len >= sizeof epoch + sizeof direct) memcpy(&epoch, data, sizeof epoch), direct = data[sizeof epoch];
    uint64_t *offs = NULL;
    if (part_get(data, len, snap_job.nranks, &p)) {
        if (epoch) take_failed(epoch, len == sizeof epoch + 1 ? "a rank's part exceeds 2 GiB" : "a malformed part");
    } else {
        if (p.conserve_region[0] && !collect_conserve_region[0]) { /* declared by another rank */
            memcpy(collect_conserve_region, p.conserve_region, sizeof collect_conserve_region);
            collect_conserve_total = p.conserve_total;
            collect_conserve_offset = p.conserve_offset;
        }
        take_part(&p, &offs);
    }
    uint32_t n = p.r.nregions;
    part_free(&p);
    if (!direct) return 0;
    /* a rank that asked for places gets an answer, whatever became of its part */
    if (src >= 0) {
        send_place(src, epoch, offs ? n : 0, offs);
        return 0;
    }
    *own = (place_msg){epoch, offs ? n : 0, offs != NULL, 0, UINT64_MAX, ""};
    if (offs) snprintf(own->path, sizeof own->path, "%s", sf_part_path(col.w));
    *own_offs = offs;
    return 1;
}

int collector_take(const uint8_t *data, size_t len, int src, place_msg *own, const uint64_t **own_offs)
{
    hold(1);
    int rc = take(data, len, src, own, own_offs);
    hold(0);
    return rc;
}

/* Rank src's regions are written (or come now as TAG_DATA, which the collector writes):
 * their checksums go into the file. */
static void wrote(int src, const wrote_msg *wm, const uint64_t *sums, const uint64_t *bytes)
{
    int mine = col.epoch == wm->epoch && col.offs && col.offs[src];
    if (mine && (col.nregs[src] != wm->n || memcmp(col.sizes[src], bytes, (size_t)wm->n * sizeof *bytes))) {
        snap_log(SNAP_LOG_ERROR, "internal: snapshot %u: rank %d reports other regions than it placed", wm->epoch, src);
        col.failed = 1;
    }
    uint64_t *got_sums = NULL;
    if (wm->sent) {      /* receive the bytes, and write them if they still belong anywhere */
        static int said; /* per rank and snapshot with a node-local MPISNAP_DIR: once at info, then debug */
        if (mine) {
            snap_log(said ? SNAP_LOG_DEBUG : SNAP_LOG_INFO,
                     "snapshot %u: rank %d could not write its regions (%s): "
                     "the collector does%s",
                     wm->epoch, src, wm->why, said ? "" : " (for this and any other rank that cannot; said once)");
            said = 1;
        }
        dump_job j;
        memset(&j, 0, sizeof j);
        uint8_t **data = snap_xcalloc(wm->n ? wm->n : 1, sizeof *data);
        got_sums = snap_xcalloc(wm->n ? wm->n : 1, sizeof *got_sums);
        for (uint32_t i = 0; i < wm->n; i++) {
            data[i] = snap_xmalloc_big(bytes[i] ? bytes[i] : 1);
            for (uint64_t off = 0; off < bytes[i]; off += PIECE)
                PMPI_Recv(data[i] + off, (int)(bytes[i] - off < PIECE ? bytes[i] - off : PIECE), MPI_BYTE, src,
                          TAG_DATA, snap_job.ctl, MPI_STATUS_IGNORE);
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

void collector_wrote(int src, const wrote_msg *wm, const uint64_t *sums, const uint64_t *bytes)
{
    hold(1);
    wrote(src, wm, sums, bytes);
    hold(0);
}

static void poll(void)
{
    int src;
    size_t n;
    for (uint8_t *b; (b = part_msg_take(MPI_ANY_SOURCE, TAG_PART, &src, &n)); free(b))
        collector_take(b, n, src, NULL, NULL);
    for (uint8_t *b; (b = part_msg_take(MPI_ANY_SOURCE, TAG_WROTE, &src, &n)); free(b)) {
        const wrote_msg *wm = (const wrote_msg *)b;
        if (n < sizeof *wm || (n - sizeof *wm) / (2 * sizeof(uint64_t)) < wm->n ||
            n != sizeof *wm + 2 * (size_t)wm->n * sizeof(uint64_t)) {
            snap_log(SNAP_LOG_ERROR, "internal: a malformed region report from rank %d", src);
            continue;
        }
        const uint64_t *sums = (const uint64_t *)(wm + 1);
        collector_wrote(src, wm, sums, sums + wm->n);
    }
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
        pend(-1);
    }
}

/* Between progress passes, a look for parts and reports. */
static int peek(void)
{
    int flag = 0;
    PMPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, snap_job.ctl, &flag, MPI_STATUS_IGNORE);
    return flag;
}

static const pump_client client = {.name = "collector", .poll = poll, .peek = peek};

void collector_init(void (*done)(uint32_t epoch))
{
    done_cb = done;
    pump_register(&client);
    snapdir_make(snap_job.cfg.dir);
    char *r = realpath(snap_job.cfg.dir, NULL);
    snprintf(abs_dir, sizeof abs_dir, "%s", r ? r : snap_job.cfg.dir);
    free(r);
    snapdir_warn_reused();
}

void collector_fini(void) { snapdir_sweep(1); }

void collector_fail(uint32_t epoch)
{
    if (col.epoch == epoch) col.failed = 1;
}
