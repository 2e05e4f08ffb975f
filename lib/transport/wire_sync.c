/*
 * wire_sync.c - synchronous sends (MPI_Ssend, MPI_Issend).
 *
 * Synchronous sends. MPI completes a synchronous send when its message is matched. The
 * library matches messages itself when it drains them for a snapshot, so a synchronous
 * send on the wire would complete although the application never posted the receive —
 * a snapshot would change what the program does (a program deadlocked on MPI_Ssend
 * would move on). So a synchronous send travels as a standard send flagged WIRE_SYNC,
 * the receiver's library acknowledges it (CTL_SACK) when the message reaches a receive
 * the application posted (MPI's condition: the receive has started, wire_req_seen) or,
 * for a message the library drained, when it hands it to the application; the sender's
 * operation completes on both the acknowledgement and the local completion of the wire
 * send. A receiver busy elsewhere (blocked in its own MPI_Ssend, say) looks at its
 * posted receives when a waiting sender asks it to (CTL_SPOLL, after 16, 32, 64, ...
 * progress passes, then every 1024: a sender asking every 16 flooded a slow receiver, the
 * collector above all, whose backlog of requests then buried the acknowledgement it
 * waited for; one backing off without bound waited for seconds under load), so
 * Irecv; Ssend; Wait on every rank completes as in MPI. Persistent synchronous sends (MPI_Ssend_init) keep
 * MPI's own mode and that limitation (docs/DESIGN.md).
 */
#include "ctl.h"
#include "pump.h"
#include "wait.h"
#include "wire.h"

#include <string.h>

static snap_req *sync_list; /* synchronous sends not yet complete (WORK_SYNC while any) */

/* A waiting sender asks again after 16, 32, 64, ... progress passes, then every
 * SPOLL_MAX: often enough that an acknowledgement is never far behind a receive the
 * receiver posted while busy elsewhere, rarely enough that senders do not flood it. */
enum { SPOLL_MAX = 1024 };

/* Complete the synchronous sends that are acknowledged and locally done. */
static void sync_poll(void)
{
    for (snap_req **p = &sync_list; *p;) {
        snap_req *e = *p;
        int flag = 0;
        if (e->wreq != MPI_REQUEST_NULL) PMPI_Test(&e->wreq, &flag, MPI_STATUS_IGNORE);
        if (!e->sync_acked || e->wreq != MPI_REQUEST_NULL) {
            /* the receiver acknowledges when it sees the message in a receive the
             * application posted, but it looks at those only when asked (or when the
             * application waits for them): ask now and then */
            if (!e->sync_acked && ++e->sync_polls == e->sync_spoll_at) {
                snap_ctl_send(e->sync_dest, CTL_SPOLL, 0, 0, 0);
                e->sync_spoll_at += e->sync_spoll_at < SPOLL_MAX ? e->sync_spoll_at : SPOLL_MAX;
            }
            p = &e->sync_next;
            continue;
        }
        *p = e->sync_next;
        e->sync_done = 1;
        if (e->sync_greq) PMPI_Grequest_complete(e->key);
    }
    pump_set(WORK_SYNC, sync_list != NULL);
}

static void on_sack(int from, const ctl_msg *m)
{
    uint32_t seq = (uint32_t)m->a;
    for (snap_req *e = sync_list; e; e = e->sync_next)
        if (e->sync_dest == from && e->hdr.seq == seq && !e->sync_acked) {
            e->sync_acked = 1;
            return;
        }
    /* unknown: a message of a run before a restart; nobody waits for it */
}

int wire_sync_send(const void *buf, int count, const snap_dtinfo *d, uint64_t n, int dest, int tag, snap_comm *c,
                   wire_hdr h, MPI_Request *req, const char *op)
{
    snap_req *e = reqs_new();
    e->kind = RQ_SEND, e->op = op, e->hdr = h;
    e->hdr.seq |= WIRE_SYNC;
    e->buf = (void *)buf, e->count = count, e->dt = d->dt, e->peer = dest, e->tag = tag, e->comm = c->comm, e->c = c;
    e->sync_dest = c->world[dest];
    e->sync_spoll_at = 16;
    int rc;
    if (n <= (uint64_t)snap_job.cfg.small_msg) {
        e->scratch = snap_xmalloc(WIRE_H + n);
        memcpy(e->scratch, &e->hdr, WIRE_H);
        if (n) snap_dt_pack_d(d, buf, count, n, e->scratch + WIRE_H);
        rc = PMPI_Isend(e->scratch, (int)(WIRE_H + n), MPI_PACKED, dest, tag, c->comm, &e->wreq);
    } else {
        e->large = 1;
        MPI_Datatype t = wire_hdr_type(&e->hdr, buf, count, d->dt);
        rc = PMPI_Isend(MPI_BOTTOM, 1, t, dest, tag, c->comm, &e->wreq);
        PMPI_Type_free(&t);
    }
    if (rc != MPI_SUCCESS) {
        reqs_del(e);
        return rc;
    }
    e->sync_next = sync_list;
    sync_list = e;
    pump_work |= WORK_SYNC;
    if (req) { /* the application's handle completes when wire_sync_poll says so */
        MPI_Request g;
        snap_grequest_start(&g);
        e->sync_greq = 1;
        reqs_insert(e, g);
        *req = g;
        return MPI_SUCCESS;
    }
    unsigned it = 0;
    while (!e->sync_done) {
        sync_poll();
        if (!e->sync_done) snap_spin(&it);
    }
    reqs_del(e);
    return MPI_SUCCESS;
}

static const pump_client client = {.name = "synchronous sends", .poll = sync_poll};

void wire_sync_init(void)
{
    ctl_on(CTL_SACK, on_sack);
    pump_register(&client);
}
