/*
 * wire_int.h - what wire.c (the general data path) and wire_blocking.c (the fast paths
 * of blocking sends and receives) share; not for the rest of the library.
 */
#ifndef MPISNAP_WIRE_INT_H
#define MPISNAP_WIRE_INT_H

#include "wire.h"

#include <string.h>

/* Status fields without MPI calls on the per-message path: Open MPI's status carries
 * the received byte count and the cancelled flag in plain fields; other MPIs go
 * through the standard calls. */
static inline MPI_Count st_bytes(const MPI_Status *st)
{
#ifdef OPEN_MPI
    return (MPI_Count)st->_ucount;
#else
    MPI_Count n = 0;
    PMPI_Get_elements_x(st, MPI_BYTE, &n);
    return n;
#endif
}

static inline void st_set_bytes(MPI_Status *st, MPI_Count n)
{
#ifdef OPEN_MPI
    st->_ucount = (size_t)n;
#else
    PMPI_Status_set_elements_x(st, MPI_BYTE, n);
#endif
}

static inline int st_cancelled(const MPI_Status *st)
{
#ifdef OPEN_MPI
    return st->_cancelled;
#else
    int flag = 0;
    PMPI_Test_cancelled(st, &flag);
    return flag;
#endif
}

/* A send MPI completed inline. Open MPI hands out one shared, static request for
 * those, so a request handle is not unique: such a send must not get a side-table entry. */
extern MPI_Request wire_req_empty; /* Open MPI's, once looked up */
extern int wire_req_empty_known;
int wire_sent_at_once_slow(MPI_Request r);
static inline int wire_sent_at_once(MPI_Request r)
{
    if (SNAP_LIKELY(wire_req_empty_known && wire_req_empty)) return r == wire_req_empty;
    return wire_sent_at_once_slow(r);
}

/* *b with room for need bytes (at least 4 KiB). */
static inline uint8_t *wire_grow(uint8_t **b, size_t *cap, size_t need)
{
    if (need > *cap) {
        *cap = need < 4096 ? 4096 : need;
        *b = snap_xrealloc(*b, *cap);
    }
    return *b;
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
    if (SNAP_UNLIKELY(!d->contig || snap_g.active || got < WIRE_H || pst->MPI_SOURCE < 0)) return 0;
    wire_hdr h;
    memcpy(&h, scratch, WIRE_H);
    if (SNAP_UNLIKELY(h.epoch > snap_g.rec_epoch || (h.seq & WIRE_SYNC))) return 0;
    int sw = c->world[pst->MPI_SOURCE];
    uint64_t n = (uint64_t)got - WIRE_H;
    snap_g.seen_total[sw]++;
    if (n) memcpy((char *)buf + d->true_lb, scratch + WIRE_H, n);
    snap_g.app_recvd[sw]++;
    if (st != MPI_STATUS_IGNORE) {
        *st = *pst;
        st_set_bytes(st, (MPI_Count)n);
    }
    return 1;
}

/* Fill the receive entry e: on the stack (blocking) only the fields the receive path
 * reads; a table entry (reqs_new) comes zeroed. */
static inline void wire_recv_entry(snap_req *e, int on_stack, const char *op, void *buf, int count,
                                   MPI_Datatype dt, int src, int tag, snap_comm *c)
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
