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
 * abandoned), so no rank waits forever. This file is the ranks' side; collector.c the
 * collector's; part.c the layout of a part and of the messages between them.
 */
#include "collect.h"
#include "collector.h"
#include "dump.h"
#include "pump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A part on its way, on the rank that sends it: the messages in flight (their buffers
 * kept until complete) and the regions' bytes, taken over from the record. */
enum { OUT_SEND, OUT_PLACE, OUT_WRITE }; /* phases: see reap */
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

static out *parts_out;
static int pending; /* parts on their way: WORK_COLLECT while any */
static void pend(int delta)
{
    pending += delta;
    pump_set(WORK_COLLECT, pending > 0);
}

static void add_req(out *o, MPI_Request r)
{
    if (o->nreqs == o->capreqs) {
        o->capreqs = o->capreqs ? 2 * o->capreqs : 4;
        o->reqs = snap_xrealloc(o->reqs, (size_t)o->capreqs * sizeof *o->reqs);
    }
    o->reqs[o->nreqs++] = r;
}

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
        if (pm->go)
            snap_log(SNAP_LOG_ERROR, "internal: snapshot %u: %u places for %u regions", pm->epoch, pm->n, o->ndata);
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
    if (j->err)
        snprintf(wm.why, sizeof wm.why, "%.230s, on host %.60s", j->why, snap_job.host);
    else
        snap_log(SNAP_LOG_DEBUG, "snapshot %u: this rank's regions written in %.1f ms", o->epoch,
                 1e3 * (snap_now() - o->t_write));
    o->phase = OUT_SEND;
    if (snap_job.rank == SNAP_COLLECTOR) { /* its own: no messages; it cannot send itself the bytes */
        if (j->err) {
            snap_log(SNAP_LOG_ERROR, "snapshot %u: writing this rank's regions: %s", o->epoch, wm.why);
            collector_fail(o->epoch);
            wm.sent = 0;
        }
        collector_wrote(SNAP_COLLECTOR, &wm, o->sums, o->bytes);
        drop_data(o);
        return;
    }
    blob_put(&o->wrote, &wm, sizeof wm);
    blob_put(&o->wrote, o->sums, (size_t)o->ndata * sizeof *o->sums);
    blob_put(&o->wrote, o->bytes, (size_t)o->ndata * sizeof *o->bytes);
    MPI_Request r;
    PMPI_Isend(o->wrote.p, (int)o->wrote.len, MPI_BYTE, SNAP_COLLECTOR, TAG_WROTE, snap_job.ctl, &r);
    add_req(o, r);
    if (!wm.sent) {
        drop_data(o);
        return;
    }
    /* a node-local MPISNAP_DIR makes this every snapshot: said once per job, then at debug */
    static int said;
    snap_log(said ? SNAP_LOG_DEBUG : SNAP_LOG_WARN,
             "snapshot %u: cannot write into the snapshot file (%s): sending "
             "the regions to the collector instead (is MPISNAP_DIR shared by every node?)%s",
             o->epoch, wm.why, said ? "" : "; said once");
    said = 1;
    for (uint32_t i = 0; i < o->ndata; i++)
        for (uint64_t off = 0; off < o->bytes[i]; off += PIECE) {
            uint64_t k = o->bytes[i] - off < PIECE ? o->bytes[i] - off : PIECE;
            PMPI_Isend(o->data[i] + off, (int)k, MPI_BYTE, SNAP_COLLECTOR, TAG_DATA, snap_job.ctl, &r);
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
    part_put(&o->b, c, direct, collect_conserve_region, collect_conserve_total, collect_conserve_offset);
    /* the record's buffers go with the part: no copy */
    o->data = c->region_data;
    c->region_data = snap_xcalloc(p->nregions ? p->nregions : 1, sizeof *c->region_data);
    if (!direct) drop_data(o);
    o->phase = direct ? OUT_PLACE : OUT_SEND;
    o->next = parts_out;
    parts_out = o;
    pend(1);
    if (snap_job.rank == SNAP_COLLECTOR) { /* its own part: no messages */
        place_msg pm;
        const uint64_t *offs = NULL;
        if (collector_take(o->b.p, o->b.len, -1, &pm, &offs)) place_out(o, &pm, offs);
        return;
    }
    if (o->b.len > (size_t)INT32_MAX) { /* one MPI message cannot carry it: send the epoch alone */
        snap_log(SNAP_LOG_ERROR, "snapshot %u: this rank's part is %zu bytes, over the 2 GiB it may be", c->epoch,
                 o->b.len);
        o->b.len = sizeof c->epoch + sizeof direct;
    }
    MPI_Request r;
    PMPI_Isend(o->b.p, (int)o->b.len, MPI_BYTE, SNAP_COLLECTOR, TAG_PART, snap_job.ctl, &r);
    add_req(o, r);
}

/* Parts move on: a finished write is reported; sends complete; then the part goes. */
static void reap(void)
{
    for (out **p = &parts_out; *p;) {
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
        pend(-1);
    }
}

static void poll(void)
{
    int src;
    size_t n;
    for (uint8_t *b; snap_job.rank != SNAP_COLLECTOR && (b = part_msg_take(SNAP_COLLECTOR, TAG_PLACE, &src, &n));
         free(b)) {
        const place_msg *pm = (const place_msg *)b;
        out *o = parts_out;
        int ok = n >= sizeof *pm && (n - sizeof *pm) / sizeof(uint64_t) >= pm->n &&
                 n == sizeof *pm + (size_t)pm->n * sizeof(uint64_t);
        while (ok && o && !(o->phase == OUT_PLACE && o->epoch == pm->epoch)) o = o->next;
        if (ok && o)
            place_out(o, pm, (const uint64_t *)(pm + 1));
        else
            snap_log(SNAP_LOG_ERROR, "internal: a place message%s answers no part of this rank",
                     ok ? "" : " (malformed)");
    }
    reap();
}

static const pump_client client = {.name = "collect", .poll = poll};

void collect_init(void (*done)(uint32_t epoch))
{
    if (snap_job.rank == SNAP_COLLECTOR) collector_init(done);
    pump_register(&client);
}

void collect_abandon(uint32_t epoch) { collector_abandon(epoch); }

void collect_fini(void)
{
    reap();
    if (snap_job.rank == SNAP_COLLECTOR) collector_fini();
}
