/*
 * wire.c - application messages on the wire (see wire.h for the format and why).
 * Synchronous sends, which the receiver acknowledges, are in wire_sync.c.
 */
#include "ctl.h"
#include "pump.h"
#include "wire_int.h"
#include "xport.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

chan_queue wire_held;
int wire_persist_held;

/* Scratch of the blocking calls: reused, since a blocking call completes before it
 * returns and the library never nests application operations (wire_int.h). */
wire_scratch wire_send_scratch;
static wire_scratch recv_scratch;

/* Requests the application no longer holds (MPI_Request_free while active, buffered
 * sends): tested from progress until complete. */
static snap_req **orphans;
static int norphans, caporphans;

/* Messages handed out by Mprobe/Improbe: held ones (fake handles) and real ones with
 * the communicator they came on (MPI_Mrecv does not name it). */
typedef struct probed {
    MPI_Message msg;
    snap_msg *held;
    snap_comm *c;
    MPI_Fint fhandle; /* a held one's Fortran handle, once asked for (0: not yet) */
    struct probed *next;
} probed;
static probed *probed_list;
static MPI_Fint next_fhandle = WIRE_FMSG_FIRST;

static int unknown_comm(MPI_Comm comm, const char *op)
{
    return snap_unsupported(op, comm, "communicator was not created through a call mpisnap intercepts");
}

/* Blocking calls, one at a time, keep their header in one static place, so their
 * [header | buffer] type depends only on (buf, count, dt) (wire_types.c). */
static wire_hdr blk_shdr, blk_rhdr;

int wire_deliver_blocking(snap_req *e, MPI_Status *pst, MPI_Status *st, int rc)
{
    if (rc == MPI_ERR_TRUNCATE) pst->MPI_ERROR = MPI_ERR_TRUNCATE; /* single-request waits leave it */
    snap_before_deliver(wire_req_seen(e, pst));
    int drc = wire_req_deliver(e, st);
    if (rc != MPI_SUCCESS) return rc;
    return drc == MPI_SUCCESS ? drc : snap_error(e->comm, drc);
}

static void orphan(snap_req *r)
{
    reqs_unlink(r);
    if (norphans == caporphans) {
        caporphans = caporphans ? 2 * caporphans : 16;
        orphans = snap_xrealloc(orphans, (size_t)caporphans * sizeof *orphans);
    }
    orphans[norphans++] = r;
    pump_work |= WORK_ORPHANS;
}

/* A request that is already complete: the application's handle for an operation the
 * library finished itself (a receive served from the held queue, a buffered send). */
static void completed_request(MPI_Request *req)
{
    snap_grequest_start(req);
    PMPI_Grequest_complete(*req);
}

/* A receive of the application matched m (posted, started, probed with Mprobe or
 * handed the message): that is what completes a synchronous send in MPI (MPI-3.1
 * §3.4), so tell its sender, once; the sender may go on before the receive is waited
 * for. A message the library drained is not matched until then (wire_sync.c). */
static void sync_matched(snap_msg *m)
{
    if (SNAP_LIKELY(!(m->hdr.seq & WIRE_SYNC))) return;
    snap_ctl_send(m->src_world, CTL_SACK, 0, m->hdr.seq, 0);
    m->hdr.seq &= ~WIRE_SYNC;
}

int wire_send(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, int mode, MPI_Request *req,
              const char *op)
{
    if (dest == MPI_PROC_NULL) {
        if (!req) return PMPI_Send(buf, count, dt, dest, tag, comm);
        return PMPI_Isend(buf, count, dt, dest, tag, comm, req);
    }
    snap_comm *c = snap_comm_get(comm);
    if (!c) return unknown_comm(comm, op);
    if (dest < 0 || dest >= c->size) return snap_error(comm, MPI_ERR_RANK);
    if (count < 0) return snap_error(comm, MPI_ERR_COUNT);
    const snap_dtinfo *d = snap_dtinfo_get(dt);
    uint64_t n = (uint64_t)count * (uint64_t)d->size;
    int wdest = c->world[dest];
    int copy = n <= (uint64_t)snap_job.cfg.small_msg || mode == SEND_BUFFERED;
    if (copy && n > (uint64_t)INT_MAX - WIRE_H) return snap_error(comm, MPI_ERR_COUNT);
    wire_hdr h = count_send(wdest);
    if (mode == SEND_SYNC) return wire_sync_send(buf, count, d, n, dest, tag, c, h, req, op);

    MPI_Request r;
    int rc;
    if (copy) {
        int owned = req || mode == SEND_BUFFERED;
        uint8_t *s = owned ? snap_xmalloc(WIRE_H + n) : wire_grow(&wire_send_scratch, WIRE_H + n);
        memcpy(s, &h, WIRE_H);
        if (n) snap_dt_pack_d(d, buf, count, n, s + WIRE_H);
        rc = PMPI_Isend(s, (int)(WIRE_H + n), MPI_PACKED, dest, tag, comm, &r);
        if (rc != MPI_SUCCESS) {
            if (owned) free(s);
            return rc;
        }
        if (!owned) return seam_sent_at_once(r) ? MPI_SUCCESS : snap_wait(&r, MPI_STATUS_IGNORE);
        if (req && mode != SEND_BUFFERED && seam_sent_at_once(r)) {
            free(s);
            *req = r;
            return MPI_SUCCESS;
        }
        snap_req *e = reqs_new();
        e->kind = RQ_SEND;
        e->op = op;
        e->scratch = s;
        e->buf = (void *)buf, e->count = count, e->dt = dt, e->peer = dest, e->tag = tag, e->comm = comm, e->c = c;
        if (mode == SEND_BUFFERED) { /* buffered: complete for the application now, the library finishes it */
            e->key = r;
            orphan(e);
            if (req) completed_request(req);
            return MPI_SUCCESS;
        }
        reqs_insert(e, r);
        *req = r;
        return MPI_SUCCESS;
    }
    if (!req) {
        blk_shdr = h;
        rc = PMPI_Isend(MPI_BOTTOM, 1, wire_blocking_type(&blk_shdr, buf, count, dt), dest, tag, comm, &r);
        return rc != MPI_SUCCESS ? rc : snap_wait(&r, MPI_STATUS_IGNORE);
    }
    snap_req *e = reqs_new(); /* the header must live until the send completes */
    e->kind = RQ_SEND, e->op = op, e->large = 1, e->hdr = h;
    e->buf = (void *)buf, e->count = count, e->dt = dt, e->peer = dest, e->tag = tag, e->comm = comm, e->c = c;
    MPI_Datatype t = wire_hdr_type(&e->hdr, buf, count, dt);
    rc = PMPI_Isend(MPI_BOTTOM, 1, t, dest, tag, comm, &r);
    PMPI_Type_free(&t);
    if (rc != MPI_SUCCESS || seam_sent_at_once(r)) {
        reqs_del(e);
        *req = r;
        return rc;
    }
    reqs_insert(e, r);
    *req = r;
    return MPI_SUCCESS;
}

/* The application's status for a message it is handed: payload bytes only. */
static void app_status(MPI_Status *st, int src, int tag, uint64_t bytes, int err)
{
    if (st == MPI_STATUS_IGNORE) return;
    st->MPI_SOURCE = src;
    st->MPI_TAG = tag;
    st->MPI_ERROR = err;
    st_set_bytes(st, (MPI_Count)bytes);
    PMPI_Status_set_cancelled(st, 0);
}

/* Hand a held message to an application receive (count x dt at buf). Frees m. */
static int deliver_held(snap_msg *m, void *buf, int count, MPI_Datatype dt, MPI_Status *st)
{
    const snap_dtinfo *d = snap_dtinfo_get(dt);
    uint64_t cap = (uint64_t)count * (uint64_t)d->size, n = m->bytes;
    int rc = MPI_SUCCESS;
    if (n > cap) {
        n = cap;
        rc = MPI_ERR_TRUNCATE;
    }
    snap_before_deliver(m->hdr.epoch);
    if (n) snap_dt_unpack(m->data, n, buf, count, dt);
    count_delivered(m->src_world);
    sync_matched(m);
    app_status(st, m->src, m->tag, n, rc);
    chan_free(m);
    return rc;
}

/* Serve an application receive from a held message: at once, or through a completed
 * request that delivers when the application waits on it. */
static int serve_held(snap_msg *m, void *buf, int count, MPI_Datatype dt, MPI_Status *st, MPI_Request *req,
                      const char *op)
{
    if (!req) {
        int rc = deliver_held(m, buf, count, dt, st);
        return rc == MPI_SUCCESS ? rc : snap_error(m->comm, rc);
    }
    sync_matched(m);
    MPI_Request g;
    completed_request(&g);
    snap_req *e = reqs_add(g);
    e->kind = RQ_HELD, e->op = op, e->held = m, e->state = RS_SEEN;
    e->buf = buf, e->count = count, e->dt = dt, e->peer = m->src, e->tag = m->tag, e->comm = m->comm;
    *req = g;
    return MPI_SUCCESS;
}

/* Post the wire receive for entry e (arguments filled). Blocking entries use the
 * shared scratch; the others own theirs. */
static int post_recv(snap_req *e, int owned, MPI_Request *r, MPI_Message *msg)
{
    const snap_dtinfo *d = e->dti = snap_dtinfo_get(e->dt);
    uint64_t cap = (uint64_t)e->count * (uint64_t)d->size;
    int rc;
    if (cap <= (uint64_t)snap_job.cfg.small_msg) {
        uint8_t *s = owned ? (e->scratch = snap_xmalloc(WIRE_H + cap)) : wire_grow(&recv_scratch, WIRE_H + cap);
        e->cap = WIRE_H + cap;
        if (!owned) e->scratch = s;
        if (msg)
            rc = PMPI_Imrecv(s, (int)(WIRE_H + cap), MPI_PACKED, msg, r);
        else
            rc = PMPI_Irecv(s, (int)(WIRE_H + cap), MPI_PACKED, e->peer, e->tag, e->comm, r);
        return rc;
    }
    e->large = 1;
    MPI_Datatype t = owned ? wire_hdr_type(&e->hdr, e->buf, e->count, e->dt)
                           : wire_blocking_type(&blk_rhdr, e->buf, e->count, e->dt); /* see finish_blocking */
    if (msg)
        rc = PMPI_Imrecv(MPI_BOTTOM, 1, t, msg, r);
    else
        rc = PMPI_Irecv(MPI_BOTTOM, 1, t, e->peer, e->tag, e->comm, r);
    if (owned) PMPI_Type_free(&t);
    return rc;
}

/* Complete a blocking receive posted on the stack entry e; `probed`: an Mrecv, which
 * cannot be cancelled, so it is never woken (WOKEN). */
static int finish_blocking(snap_req *e, MPI_Request *r, MPI_Status *st, int probed)
{
    MPI_Status pst;
    int rc = probed ? snap_wait(r, &pst) : snap_wait_recv(r, &pst);
    if (rc != MPI_SUCCESS && rc != MPI_ERR_TRUNCATE) return rc;
    if (!probed && st_cancelled(&pst)) return WOKEN;
    if (e->large)
        e->hdr = blk_rhdr;
    else if (rc == MPI_SUCCESS && e->dti->dt == e->dt && wire_deliver_fast(e->scratch, &pst, e->c, e->buf, e->dti, st))
        return MPI_SUCCESS;
    return wire_deliver_blocking(e, &pst, st, rc);
}

/* Receive an application message from MPI (a source and tag, or a probed message):
 * blocking into the shared scratch when req is NULL, else through a new request entry. */
static inline __attribute__((always_inline)) int recv_wire(void *buf, int count, MPI_Datatype dt, int src, int tag,
                                                           snap_comm *c, MPI_Message *msg, MPI_Status *st,
                                                           MPI_Request *req, const char *op)
{
    snap_req local, *e = req ? reqs_new() : &local;
    wire_recv_entry(e, !req, op, buf, count, dt, src, tag, c);
    MPI_Request r;
    int rc = post_recv(e, req != NULL, &r, msg);
    if (!req) return rc != MPI_SUCCESS ? rc : finish_blocking(e, &r, st, msg != NULL);
    if (rc != MPI_SUCCESS) {
        reqs_del(e);
        return rc;
    }
    reqs_insert(e, r);
    *req = r;
    return MPI_SUCCESS;
}

int wire_recv(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Status *st, MPI_Request *req,
              const char *op)
{
    if (src == MPI_PROC_NULL) {
        if (!req) return PMPI_Recv(buf, count, dt, src, tag, comm, st);
        return PMPI_Irecv(buf, count, dt, src, tag, comm, req);
    }
    snap_comm *c = snap_comm_get(comm);
    if (!c) return unknown_comm(comm, op);
    if (count < 0) return snap_error(comm, MPI_ERR_COUNT);
    for (;;) {
        if (wire_held.len) { /* (again after serving: the drain may have taken the message) */
            snap_msg *m = chan_match(&wire_held, src, tag, comm, 1);
            if (m) return serve_held(m, buf, count, dt, st, req, op);
        }
        int rc = recv_wire(buf, count, dt, src, tag, c, NULL, st, req, op);
        if (rc != WOKEN) return rc;
        snap_progress();
    }
}

static probed *probed_take(MPI_Message m)
{
    for (probed **p = &probed_list; *p; p = &(*p)->next) {
        if ((*p)->msg != m) continue;
        probed *q = *p;
        *p = q->next;
        return q;
    }
    return NULL;
}

int wire_mrecv(void *buf, int count, MPI_Datatype dt, MPI_Message *msg, MPI_Status *st, MPI_Request *req)
{
    probed *p = probed_take(*msg);
    if (!p) { /* MPI_MESSAGE_NO_PROC, or not probed through us */
        if (!req) return PMPI_Mrecv(buf, count, dt, msg, st);
        return PMPI_Imrecv(buf, count, dt, msg, req);
    }
    snap_msg *held = p->held;
    snap_comm *c = p->c;
    free(p);
    const char *op = req ? "Imrecv" : "Mrecv";
    if (held) {
        *msg = MPI_MESSAGE_NULL;
        return serve_held(held, buf, count, dt, st, req, op);
    }
    return recv_wire(buf, count, dt, MPI_ANY_SOURCE, MPI_ANY_TAG, c, msg, st, req, op);
}

/* The application's view of a wire message's status: the header is not payload. */
static void strip_status(MPI_Status *st)
{
    MPI_Count got = st_bytes(st);
    st_set_bytes(st, got >= WIRE_H ? got - WIRE_H : 0);
}

int wire_iprobe(int src, int tag, MPI_Comm comm, int *flag, MPI_Status *st)
{
    if (src != MPI_PROC_NULL && wire_held.len) {
        snap_msg *m = chan_match(&wire_held, src, tag, comm, 0);
        if (m) {
            *flag = 1;
            app_status(st, m->src, m->tag, m->bytes, MPI_SUCCESS);
            return MPI_SUCCESS;
        }
    }
    MPI_Status s;
    int rc = PMPI_Iprobe(src, tag, comm, flag, &s);
    if (rc == MPI_SUCCESS && *flag && src != MPI_PROC_NULL) strip_status(&s);
    if (st != MPI_STATUS_IGNORE) *st = s;
    return rc;
}

static void probed_add(MPI_Message msg, snap_msg *held, snap_comm *c)
{
    probed *p = snap_xcalloc(1, sizeof *p);
    p->msg = msg, p->held = held, p->c = c, p->next = probed_list;
    probed_list = p;
}

MPI_Fint wire_message_c2f(MPI_Message m)
{
    for (probed *p = probed_list; p; p = p->next) {
        if (p->msg != m || !p->held) continue;
        if (!p->fhandle) {
            p->fhandle = next_fhandle;
            next_fhandle = next_fhandle == INT32_MIN ? WIRE_FMSG_FIRST : next_fhandle - 1;
        }
        return p->fhandle;
    }
    return PMPI_Message_c2f(m);
}

MPI_Message wire_message_f2c(MPI_Fint f)
{
    if (f <= WIRE_FMSG_FIRST)
        for (probed *p = probed_list; p; p = p->next)
            if (p->fhandle == f) return p->msg;
    return PMPI_Message_f2c(f);
}

int wire_improbe(int src, int tag, MPI_Comm comm, int *flag, MPI_Message *msg, MPI_Status *st)
{
    if (src == MPI_PROC_NULL) return PMPI_Improbe(src, tag, comm, flag, msg, st);
    snap_comm *c = snap_comm_get(comm);
    if (!c) return unknown_comm(comm, "Improbe");
    if (wire_held.len) {
        snap_msg *m = chan_match(&wire_held, src, tag, comm, 1);
        if (m) { /* the handle is the held message itself; only wire_mrecv reads it */
            sync_matched(m);
            *flag = 1;
            *msg = (MPI_Message)(void *)m;
            probed_add(*msg, m, c);
            app_status(st, m->src, m->tag, m->bytes, MPI_SUCCESS);
            return MPI_SUCCESS;
        }
    }
    MPI_Status s;
    int rc = PMPI_Improbe(src, tag, comm, flag, msg, &s);
    if (rc == MPI_SUCCESS && *flag) {
        strip_status(&s);
        probed_add(*msg, NULL, c);
    }
    if (st != MPI_STATUS_IGNORE) *st = s;
    return rc;
}

/* Create the persistent wire request of entry e (arguments filled): on its own scratch
 * buffer for a small payload, through a [header|buffer] type kept with e otherwise. */
static int persistent_init(snap_req *e, int mode, MPI_Request *req)
{
    const snap_dtinfo *d = snap_dtinfo_get(e->dt);
    uint64_t n = (uint64_t)e->count * (uint64_t)d->size;
    int (*send_init)(const void *, int, MPI_Datatype, int, int, MPI_Comm, MPI_Request *) =
        mode == SEND_SYNC ? PMPI_Ssend_init : PMPI_Send_init;
    void *wbuf = MPI_BOTTOM;
    int wcount = 1;
    MPI_Datatype wtype;
    if (n <= (uint64_t)snap_job.cfg.small_msg) {
        e->scratch = snap_xmalloc(WIRE_H + n);
        e->cap = WIRE_H + n;
        wbuf = e->scratch, wcount = (int)(WIRE_H + n), wtype = MPI_PACKED;
    } else {
        e->large = 1;
        wtype = e->wtype = wire_hdr_type(&e->hdr, e->buf, e->count, e->dt);
    }
    MPI_Request r;
    int rc = e->kind == RQ_SEND ? send_init(wbuf, wcount, wtype, e->peer, e->tag, e->comm, &r)
                                : PMPI_Recv_init(wbuf, wcount, wtype, e->peer, e->tag, e->comm, &r);
    if (rc != MPI_SUCCESS) {
        reqs_del(e);
        return rc;
    }
    reqs_insert(e, r);
    *req = r;
    return MPI_SUCCESS;
}

int wire_send_init(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, int mode,
                   MPI_Request *req, const char *op)
{
    if (dest == MPI_PROC_NULL) return PMPI_Send_init(buf, count, dt, dest, tag, comm, req);
    snap_comm *c = snap_comm_get(comm);
    if (!c) return unknown_comm(comm, op);
    if (dest < 0 || dest >= c->size) return snap_error(comm, MPI_ERR_RANK);
    if (count < 0) return snap_error(comm, MPI_ERR_COUNT);
    snap_req *e = reqs_new();
    e->kind = RQ_SEND, e->op = op, e->persistent = 1, e->state = RS_INACTIVE;
    e->buf = (void *)buf, e->count = count, e->dt = dt, e->peer = dest, e->tag = tag, e->comm = comm, e->c = c;
    return persistent_init(e, mode, req);
}

int wire_recv_init(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Request *req)
{
    if (src == MPI_PROC_NULL) return PMPI_Recv_init(buf, count, dt, src, tag, comm, req);
    snap_comm *c = snap_comm_get(comm);
    if (!c) return unknown_comm(comm, "Recv_init");
    if (count < 0) return snap_error(comm, MPI_ERR_COUNT);
    snap_req *e = reqs_new();
    e->kind = RQ_RECV, e->op = "Recv_init", e->persistent = 1, e->state = RS_INACTIVE;
    e->buf = buf, e->count = count, e->dt = dt, e->peer = src, e->tag = tag, e->comm = comm, e->c = c;
    return persistent_init(e, 0, req);
}

int wire_start(MPI_Request *req)
{
    snap_req *e = reqs_count ? reqs_find(*req) : NULL;
    if (!e) return PMPI_Start(req);
    if (e->kind == RQ_SEND) {
        int wdest = e->c->world[e->peer];
        e->hdr = count_send(wdest);
        if (!e->large) {
            memcpy(e->scratch, &e->hdr, WIRE_H);
            if (e->cap > (size_t)WIRE_H) snap_dt_pack(e->buf, e->count, e->dt, e->cap - WIRE_H, e->scratch + WIRE_H);
        }
    } else if (wire_held.len) {
        snap_msg *m = chan_match(&wire_held, e->peer, e->tag, e->comm, 1);
        if (m) { /* served from the held queue: the MPI request stays inactive */
            sync_matched(m);
            e->held = m;
            e->state = RS_SEEN;
            wire_persist_held++;
            return MPI_SUCCESS;
        }
    }
    e->state = RS_POSTED;
    return PMPI_Start(req);
}

uint32_t wire_req_seen(snap_req *r, const MPI_Status *st)
{
    if (r->held) return r->held->hdr.epoch;
    if (r->state == RS_SEEN || r->state == RS_DELIVERED) return r->msg.hdr.epoch; /* seen by progress */
    r->st = *st;
    if (r->kind != RQ_RECV) return 0;
    r->state = RS_SEEN;
    int cancelled = st_cancelled(st);
    MPI_Count got = st_bytes(st);
    if (cancelled || st->MPI_SOURCE == MPI_PROC_NULL || st->MPI_SOURCE < 0 || got < WIRE_H) {
        if (!cancelled && got < WIRE_H && st->MPI_SOURCE >= 0)
            snap_log(SNAP_LOG_ERROR,
                     "received a message without mpisnap's header from rank %d: every rank "
                     "of the job must run with mpisnap",
                     st->MPI_SOURCE);
        r->msg.bytes = 0;
        r->msg.src_world = -1;
        return 0;
    }
    wire_hdr h;
    memcpy(&h, r->large ? (const uint8_t *)&r->hdr : r->scratch, WIRE_H);
    snap_msg *m = &r->msg;
    m->src_world = r->c->world[st->MPI_SOURCE];
    m->src = st->MPI_SOURCE, m->tag = st->MPI_TAG, m->comm = r->comm, m->comm_id = r->c->id;
    m->hdr = h;
    sync_matched(m); /* a receive the application posted */
    /* a truncated receive: Open MPI's status counts the whole message, but only what
     * fits is in the scratch (ASan: the rest was read past its end) */
    if (SNAP_UNLIKELY(!r->large && (uint64_t)got > r->cap)) got = (MPI_Count)r->cap;
    m->bytes = (uint64_t)got - WIRE_H;
    m->data = r->large ? NULL : r->scratch + WIRE_H;
    m->buf = r->buf, m->count = r->count, m->dt = r->dt;
    snap_seen(m->src_world, &h, m);
    return h.epoch;
}

int wire_req_deliver(snap_req *r, MPI_Status *st)
{
    if (r->held) {
        snap_msg *m = r->held;
        r->held = NULL;
        if (r->persistent) wire_persist_held--;
        return deliver_held(m, r->buf, r->count, r->dt, st);
    }
    if (r->state == RS_DELIVERED) {
        if (st != MPI_STATUS_IGNORE) *st = r->st;
        return MPI_SUCCESS;
    }
    if (r->kind == RQ_SEND || r->msg.src_world < 0) {
        if (st != MPI_STATUS_IGNORE) *st = r->st;
        return r->kind == RQ_SEND ? MPI_SUCCESS : r->st.MPI_ERROR;
    }
    snap_msg *m = &r->msg;
    if (m->data && m->bytes) {
        if (r->dti && r->dti->dt == r->dt)
            snap_dt_unpack_d(r->dti, m->data, m->bytes, r->buf, r->count);
        else
            snap_dt_unpack(m->data, m->bytes, r->buf, r->count, r->dt); /* the cache slot moved on */
    }
    count_delivered(m->src_world);
    if (st != MPI_STATUS_IGNORE) {
        *st = r->st;
        st_set_bytes(st, (MPI_Count)m->bytes);
    }
    int err = MPI_SUCCESS;
    if (r->st.MPI_ERROR == MPI_ERR_TRUNCATE) err = MPI_ERR_TRUNCATE;
    return err;
}

int wire_get_status(MPI_Request req, int *flag, MPI_Status *st)
{
    snap_req *e = reqs_count ? reqs_find(req) : NULL;
    if (!e) return PMPI_Request_get_status(req, flag, st);
    if (e->held) { /* served from the held queue: complete, hand it over now */
        *flag = 1;
        snap_before_deliver(e->held->hdr.epoch);
        int rc = wire_req_deliver(e, &e->st);
        e->state = RS_DELIVERED;
        if (st != MPI_STATUS_IGNORE) *st = e->st;
        return rc;
    }
    if (e->state == RS_DELIVERED) {
        *flag = 1;
        if (st != MPI_STATUS_IGNORE) *st = e->st;
        return MPI_SUCCESS;
    }
    MPI_Status pst;
    pst.MPI_ERROR = MPI_SUCCESS;
    int rc = PMPI_Request_get_status(req, flag, &pst);
    if (rc != MPI_SUCCESS || !*flag || e->state == RS_INACTIVE) {
        if (st != MPI_STATUS_IGNORE) *st = pst;
        return rc;
    }
    snap_before_deliver(wire_req_seen(e, &pst));
    MPI_Status out;
    rc = wire_req_deliver(e, &out);
    e->st = out;
    e->state = RS_DELIVERED;
    if (st != MPI_STATUS_IGNORE) *st = out;
    return rc;
}

void wire_req_done(snap_req *r)
{
    if (!r->persistent) {
        reqs_del(r);
        return;
    }
    r->state = RS_INACTIVE;
    memset(&r->msg, 0, sizeof r->msg);
}

int wire_request_free(MPI_Request *req)
{
    snap_req *e = reqs_count ? reqs_find(*req) : NULL;
    if (!e) return PMPI_Request_free(req);
    if (e->held) { /* a receive the library already served: the message still arrives */
        deliver_held(e->held, e->buf, e->count, e->dt, MPI_STATUS_IGNORE);
        e->held = NULL;
    }
    if (e->state == RS_POSTED) { /* active: keep it until MPI completes it */
        orphan(e);
        *req = MPI_REQUEST_NULL;
        return MPI_SUCCESS;
    }
    reqs_del(e);
    return PMPI_Request_free(req);
}

static void reap(void)
{
    for (int i = 0; i < norphans;) {
        snap_req *e = orphans[i];
        int flag = 0;
        MPI_Status st;
        st.MPI_ERROR = MPI_SUCCESS;
        if (PMPI_Test(&e->key, &flag, &st) != MPI_SUCCESS || !flag) {
            i++;
            continue;
        }
        uint32_t epoch = wire_req_seen(e, &st); /* counted once: seen again, it answers the same */
        if (snap_deliver_must_wait(epoch)) {    /* called from progress: kept for a later pass */
            i++;
            continue;
        }
        orphans[i] = orphans[--norphans];
        snap_before_deliver(epoch);
        wire_req_deliver(e, MPI_STATUS_IGNORE);
        if (e->persistent) PMPI_Request_free(&e->key);
        reqs_del(e);
    }
    pump_set(WORK_ORPHANS, norphans > 0);
}

/* World rank -> rank in c, or -1. */
static int comm_rank_of(const snap_comm *c, int world)
{
    if (c->id == 0) return world;
    for (int r = 0; r < c->size; r++)
        if (c->world[r] == world) return r;
    return -1;
}

int xport_drain_from(int src)
{
    int taken = 0;
    snap_comm *c;
    for (int i = 0; (c = snap_comm_at(i)); i++) {
        int r = src < 0 ? MPI_ANY_SOURCE : comm_rank_of(c, src);
        if (src >= 0 && r < 0) continue; /* src is not in this communicator */
        for (int k = 0; k < 64; k++) {
            int flag = 0;
            MPI_Message msg;
            MPI_Status st;
            if (PMPI_Improbe(r, MPI_ANY_TAG, c->comm, &flag, &msg, &st) != MPI_SUCCESS || !flag) break;
            MPI_Count got = st_bytes(&st);
            uint8_t *b = snap_xmalloc((size_t)got);
            PMPI_Mrecv(b, (int)got, MPI_PACKED, &msg, &st);
            int from = c->world[st.MPI_SOURCE];
            if (got < WIRE_H) {
                snap_log(SNAP_LOG_ERROR, "drained a message without mpisnap's header from rank %d; dropped", from);
                free(b);
                continue;
            }
            snap_msg *m = snap_xcalloc(1, sizeof *m);
            memcpy(&m->hdr, b, WIRE_H);
            memmove(b, b + WIRE_H, (size_t)got - WIRE_H);
            m->data = b;
            m->bytes = (uint64_t)got - WIRE_H;
            m->src_world = from, m->src = st.MPI_SOURCE, m->tag = st.MPI_TAG, m->comm = c->comm, m->comm_id = c->id;
            snap_seen(from, &m->hdr, m);
            chan_push(&wire_held, m);
            taken++;
        }
    }
    return taken;
}

/* A pending application receive that MPI has completed is taken into account now. */
static void look_at_req(snap_req *r, void *arg)
{
    (void)arg;
    if (r->kind != RQ_RECV || r->state != RS_POSTED || r->held) return;
    int flag = 0;
    MPI_Status st;
    st.MPI_ERROR = MPI_SUCCESS; /* single-request calls do not set it */
    if (PMPI_Request_get_status(r->key, &flag, &st) == MPI_SUCCESS && flag) wire_req_seen(r, &st);
}

void xport_look_at_posted(void)
{
    if (reqs_count) reqs_each(look_at_req, NULL);
}

typedef struct held_visit {
    void (*fn)(const snap_msg *m, MPI_Datatype dt, void *arg);
    void *arg;
} held_visit;

static void visit_req(snap_req *r, void *arg)
{
    held_visit *v = arg;
    const snap_msg *m =
        r->held ? r->held : (r->kind == RQ_RECV && r->state == RS_SEEN && r->msg.src_world >= 0 ? &r->msg : NULL);
    if (m) v->fn(m, r->dt, v->arg);
}

void xport_each_held(void (*fn)(const snap_msg *m, MPI_Datatype dt, void *arg), void *arg)
{
    for (snap_msg *m = wire_held.head; m; m = m->next) fn(m, m->dt, arg);
    held_visit v = {fn, arg};
    if (reqs_count) reqs_each(visit_req, &v);
}

/* A synchronous sender waits for its acknowledgement (CTL_SPOLL): the acknowledgement
 * goes out when this rank sees the message in a receive the application posted, even
 * while the application is busy elsewhere (in its own MPI_Ssend, say). */
static int spoll_asked;
static void on_spoll(int src, const ctl_msg *m)
{
    (void)src, (void)m;
    spoll_asked = 1;
}

static void poll(void)
{
    if (spoll_asked) {
        spoll_asked = 0;
        xport_look_at_posted();
    }
    if (norphans) reap();
}

static const pump_client client = {.name = "wire", .poll = poll};

void wire_init(void)
{
    ctl_on(CTL_SPOLL, on_spoll);
    pump_register(&client);
    wire_sync_init();
}
