/*
 * wire_int.h - what wire.c (the general data path) and wire_blocking.c (the fast paths
 * of blocking sends and receives) share; not for the rest of the library.
 */
#ifndef MPISNAP_WIRE_INT_H
#define MPISNAP_WIRE_INT_H

#include "hooks.h"
#include "mpiseam.h"
#include "wait.h"
#include "wire.h"

#include <string.h>

/* A buffer the library reuses; wire_grow gives it room for need bytes (at least 4 KiB).
 * Blocking sends, fast path and general, share one. */
typedef struct wire_scratch {
    uint8_t *p;
    size_t cap;
} wire_scratch;
extern wire_scratch wire_send_scratch;
static inline uint8_t *wire_grow(wire_scratch *b, size_t need)
{
    if (need > b->cap) {
        b->cap = need < 4096 ? 4096 : need;
        b->p = snap_xrealloc(b->p, b->cap);
    }
    return b->p;
}

/* A blocking receive was cancelled to serve the engine: serve the engine, then receive
 * again (held messages first). */
enum { WOKEN = -1 };

/* The common case of a completed blocking receive into scratch: a small contiguous
 * payload of an epoch this rank has recorded, no synchronous send to acknowledge, no
 * snapshot in progress: counted and handed over straight from the scratch. 0: take
 * the general classification and delivery (wire_deliver_blocking). */
static inline int wire_deliver_fast(const uint8_t *scratch, const MPI_Status *pst, const snap_comm *c, void *buf,
                                    const snap_dtinfo *d, MPI_Status *st)
{
    MPI_Count got = st_bytes(pst);
    if (SNAP_UNLIKELY(!d->contig || snap_count.recording || got < WIRE_H || pst->MPI_SOURCE < 0)) return 0;
    wire_hdr h;
    memcpy(&h, scratch, WIRE_H);
    if (SNAP_UNLIKELY(h.epoch > snap_count.epoch || (h.seq & WIRE_SYNC))) return 0;
    int sw = c->world[pst->MPI_SOURCE];
    uint64_t n = (uint64_t)got - WIRE_H;
    count_taken(sw, h.epoch); /* nothing to record: not recording, not newer */
    if (n) memcpy((char *)buf + d->true_lb, scratch + WIRE_H, n);
    count_delivered(sw);
    if (st != MPI_STATUS_IGNORE) {
        *st = *pst;
        st_set_bytes(st, (MPI_Count)n);
    }
    return 1;
}

/* Fill the receive entry e: on the stack (blocking) only the fields the receive path
 * reads; a table entry (reqs_new) comes zeroed. */
static inline void wire_recv_entry(snap_req *e, int on_stack, const char *op, void *buf, int count, MPI_Datatype dt,
                                   int src, int tag, snap_comm *c)
{
    if (on_stack) e->held = NULL, e->large = 0, e->state = RS_POSTED, e->persistent = 0, e->wtype = MPI_DATATYPE_NULL;
    e->kind = RQ_RECV, e->op = op;
    e->buf = buf, e->count = count, e->dt = dt, e->peer = src, e->tag = tag, e->comm = c->comm, e->c = c;
}

/* Everything else: classify, record if the message belongs to a snapshot, deliver. A
 * truncated message (rc MPI_ERR_TRUNCATE: the error handler has already run, and
 * returned) is counted and delivered as far as it fits, like any other: its channel must
 * close. Returns the call's MPI error code. */
int wire_deliver_blocking(snap_req *e, MPI_Status *pst, MPI_Status *st, int rc);

#endif
