/*
 * wire_blocking.c - the fast paths of blocking standard sends and receives of small
 * contiguous payloads, the calls latency-bound programs spend their time in (see
 * docs/DESIGN.md sections 1 and 6 and docs/PERFORMANCE.md). Anything else takes the
 * general path of wire.c, which produces the same bytes and counts.
 */
#include "wire_int.h"

#include <limits.h>
#include <stdlib.h>

int wire_send_blocking(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, const char *op)
{
    snap_comm *c = snap_comm_get(comm);
    if (SNAP_UNLIKELY(!c || (unsigned)dest >= (unsigned)c->size || count < 0)) /* MPI_PROC_NULL, errors */
        return wire_send(buf, count, dt, dest, tag, comm, SEND_STANDARD, NULL, op);
    const snap_dtinfo *d = snap_dtinfo_get(dt);
    uint64_t n = (uint64_t)count * (uint64_t)d->size;
    if (SNAP_UNLIKELY(!d->contig || n > (uint64_t)snap_job.cfg.small_msg || n > (uint64_t)INT_MAX - WIRE_H))
        return wire_send(buf, count, dt, dest, tag, comm, SEND_STANDARD, NULL, op);
    int wdest = c->world[dest];
    wire_hdr h = count_send(wdest);
    uint8_t *s = wire_grow(&wire_send_scratch, WIRE_H + n);
    memcpy(s, &h, WIRE_H);
    if (n) memcpy(s + WIRE_H, (const char *)buf + d->true_lb, n);
    MPI_Request r;
    int rc = PMPI_Isend(s, (int)(WIRE_H + n), MPI_PACKED, dest, tag, comm, &r);
    if (rc != MPI_SUCCESS) return rc;
    return seam_sent_at_once(r) ? MPI_SUCCESS : snap_wait(&r, MPI_STATUS_IGNORE);
}

/* Blocking receives of small contiguous payloads (wire_recv_blocking) start a
 * persistent request kept per (communicator, source, tag, size), each on its own
 * scratch: starting one costs about 110 instructions less than posting a new receive
 * (MPI_Irecv allocates and initialises a request every time). The cache keeps the
 * first PCACHE ways a program receives; a miss when it is full takes the general path
 * (a new receive), and only every PCACHE_TURN-th such miss replaces an entry, so a
 * program that changes the way it receives gets its new ways cached soon while one
 * that cycles through more ways than the cache holds does not pay to rebuild requests
 * on every receive. */
enum { PCACHE = 16, PCACHE_MAX = 4096, PCACHE_TURN = 64 };
typedef struct pentry {
    MPI_Comm comm;
    int src, tag, bytes;
    MPI_Request r;
    uint8_t *buf; /* NULL: the entry is free */
} pentry;
static pentry pcache[PCACHE];
static unsigned pcache_used, pcache_next, pcache_misses;
static pentry *pcache_last = &pcache[0];

static void pcache_drop(pentry *p)
{
    if (p->r != MPI_REQUEST_NULL) PMPI_Request_free(&p->r);
    free(p->buf);
    p->buf = NULL;
}

static inline int pcache_is(const pentry *p, MPI_Comm comm, int src, int tag, int bytes)
{
    return p->bytes == bytes && p->tag == tag && p->src == src && p->comm == comm && p->buf;
}

/* MPI_Comm_free of comm (MPI_COMM_NULL: MPI_Finalize): drop its cached receives. */
static void comm_freed(MPI_Comm comm)
{
    for (unsigned k = 0; k < pcache_used; k++)
        if (pcache[k].buf && (pcache[k].comm == comm || comm == MPI_COMM_NULL)) pcache_drop(&pcache[k]);
}

/* The entry for this way of receiving, or NULL (take the general path). */
static pentry *pcache_get(MPI_Comm comm, int src, int tag, int bytes)
{
    if (SNAP_LIKELY(pcache_is(pcache_last, comm, src, tag, bytes))) return pcache_last; /* a loop receives alike */
    pentry *p = NULL;
    for (unsigned k = 0; k < pcache_used; k++)
        if (pcache_is(&pcache[k], comm, src, tag, bytes)) return pcache_last = &pcache[k];
    for (unsigned k = 0; k < pcache_used && !p; k++)
        if (!pcache[k].buf) p = &pcache[k]; /* freed with its communicator */
    static const snap_comm_observer observer = {NULL, comm_freed};
    if (!pcache_used) snap_comm_observe(&observer); /* the first entry: hear of frees from now on */
    if (!p && pcache_used < PCACHE) p = &pcache[pcache_used++];
    if (!p) {
        if (++pcache_misses % PCACHE_TURN) return NULL;
        p = &pcache[pcache_next++ % PCACHE];
        pcache_drop(p);
    }
    p->buf = snap_xmalloc((size_t)bytes);
    if (PMPI_Recv_init(p->buf, bytes, MPI_PACKED, src, tag, comm, &p->r) != MPI_SUCCESS) {
        p->r = MPI_REQUEST_NULL;
        pcache_drop(p);
        return NULL;
    }
    p->comm = comm, p->src = src, p->tag = tag, p->bytes = bytes;
    return pcache_last = p;
}

int wire_recv_blocking(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Status *st)
{
    snap_comm *c = snap_comm_get(comm);
    if (SNAP_UNLIKELY(!c || src == MPI_PROC_NULL || count < 0 || wire_held.len))
        return wire_recv(buf, count, dt, src, tag, comm, st, NULL, "Recv");
    const snap_dtinfo *d = snap_dtinfo_get(dt);
    uint64_t cap = (uint64_t)count * (uint64_t)d->size;
    pentry *p;
    if (SNAP_UNLIKELY(!d->contig || cap > PCACHE_MAX || cap > (uint64_t)snap_job.cfg.small_msg ||
                      !(p = pcache_get(comm, src, tag, (int)(WIRE_H + cap)))))
        return wire_recv(buf, count, dt, src, tag, comm, st, NULL, "Recv");
    /* p stays valid: only this function and MPI_Comm_free change the cache, and no
     * application call runs until it returns */
    int rc = PMPI_Start(&p->r);
    MPI_Status pst;
    if (rc == MPI_SUCCESS) rc = snap_wait_recv(&p->r, &pst);
    uint8_t *scratch = p->buf, *orphaned = NULL;
    if (SNAP_UNLIKELY(p->r == MPI_REQUEST_NULL || (rc != MPI_SUCCESS && rc != MPI_ERR_TRUNCATE))) {
        /* MPI frees a request that failed when the error handler returns: the entry goes,
         * its scratch with this receive (a truncated message is still delivered) */
        orphaned = p->buf;
        p->buf = NULL;
        pcache_drop(p);
        if (rc != MPI_ERR_TRUNCATE) {
            free(orphaned);
            return rc;
        }
    }
    if (SNAP_UNLIKELY(st_cancelled(&pst))) { /* woken: serve, then the general path */
        snap_progress();
        return wire_recv(buf, count, dt, src, tag, comm, st, NULL, "Recv");
    }
    /* (d->dt: serving snapshots while waiting may have reused d's cache slot) */
    if (SNAP_LIKELY(rc == MPI_SUCCESS && d->dt == dt && wire_deliver_fast(scratch, &pst, c, buf, d, st)))
        return MPI_SUCCESS;
    snap_req local;
    wire_recv_entry(&local, 1, "Recv", buf, count, dt, src, tag, c);
    local.dti = d, local.cap = WIRE_H + cap, local.scratch = scratch;
    rc = wire_deliver_blocking(&local, &pst, st, rc);
    free(orphaned);
    return rc;
}
