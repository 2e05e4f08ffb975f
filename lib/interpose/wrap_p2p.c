/*
 * wrap_p2p.c - point-to-point wrappers: each translates the call into wire.h terms.
 *
 * Modes: synchronous sends stay synchronous (MPI_Issend on the wire). Buffered sends
 * copy the payload into the library, which completes them itself, so the application's
 * attached buffer is never short by the header's bytes. Ready sends go as standard
 * sends: the standard lets a ready send be replaced by a standard one, because it is
 * only legal when the receive is already posted.
 *
 * Record points: a non-blocking call may serve snapshot traffic only after it has
 * posted its operation, and a call that hands back received messages only before it
 * does; so an application whose state reflects everything it has posted and been
 * handed is consistent at every point where a snapshot may record it.
 */
#include "call.h"
#include "wait.h"
#include "wire.h"
#include "wrap.h"

#include <stdlib.h>
#include <string.h>

int snap_waitall_internal(int n, MPI_Request *reqs, MPI_Status *sts);

static int blocking_send(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, int mode,
                         const char *op)
{
    snap_enter(op, dest, tag, comm, count, dt);
    int rc = mode == SEND_STANDARD ? wire_send_blocking(buf, count, dt, dest, tag, comm, op)
                                   : wire_send(buf, count, dt, dest, tag, comm, mode, NULL, op);
    snap_leave(); /* complete: a record here must not show the rank in the send */
    snap_poll();  /* posted and counted: a record point */
    return rc;
}

static int nonblocking_send(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, int mode,
                            MPI_Request *req, const char *op)
{
    int rc = wire_send(buf, count, dt, dest, tag, comm, mode, req, op);
    snap_poll();
    return rc;
}

int wrap_Send(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm)
{
    return blocking_send(buf, count, dt, dest, tag, comm, SEND_STANDARD, "Send");
}

int wrap_Ssend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm)
{
    return blocking_send(buf, count, dt, dest, tag, comm, SEND_SYNC, "Ssend");
}

int wrap_Rsend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm)
{
    return blocking_send(buf, count, dt, dest, tag, comm, SEND_STANDARD, "Rsend");
}

int wrap_Bsend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm)
{
    int rc = wire_send(buf, count, dt, dest, tag, comm, SEND_BUFFERED, NULL, "Bsend");
    snap_poll();
    return rc;
}

int wrap_Isend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, MPI_Request *req)
{
    return nonblocking_send(buf, count, dt, dest, tag, comm, SEND_STANDARD, req, "Isend");
}

int wrap_Issend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, MPI_Request *req)
{
    return nonblocking_send(buf, count, dt, dest, tag, comm, SEND_SYNC, req, "Issend");
}

int wrap_Irsend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, MPI_Request *req)
{
    return nonblocking_send(buf, count, dt, dest, tag, comm, SEND_STANDARD, req, "Irsend");
}

int wrap_Ibsend(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, MPI_Request *req)
{
    return nonblocking_send(buf, count, dt, dest, tag, comm, SEND_BUFFERED, req, "Ibsend");
}

int wrap_Recv(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Status *st)
{
    snap_enter("Recv", src, tag, comm, count, dt);
    snap_poll(); /* a receive that never waits would otherwise never serve snapshots */
    int rc = wire_recv_blocking(buf, count, dt, src, tag, comm, st);
    snap_leave();
    return rc;
}

int wrap_Irecv(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Request *req)
{
    int rc = wire_recv(buf, count, dt, src, tag, comm, MPI_STATUS_IGNORE, req, "Irecv");
    snap_poll();
    return rc;
}

int wrap_Sendrecv(const void *sbuf, int scount, MPI_Datatype sdt, int dest, int stag, void *rbuf, int rcount,
                  MPI_Datatype rdt, int src, int rtag, MPI_Comm comm, MPI_Status *st)
{
    snap_enter("Sendrecv", src, rtag, comm, rcount, rdt);
    MPI_Request r[2];
    MPI_Status sts[2];
    int rc = wire_send(sbuf, scount, sdt, dest, stag, comm, SEND_STANDARD, &r[0], "Sendrecv");
    if (rc == MPI_SUCCESS) rc = wire_recv(rbuf, rcount, rdt, src, rtag, comm, MPI_STATUS_IGNORE, &r[1], "Sendrecv");
    snap_call.reqs = r, snap_call.nreqs = 2;
    if (rc == MPI_SUCCESS) rc = snap_waitall_internal(2, r, sts);
    if (rc == MPI_SUCCESS && st != MPI_STATUS_IGNORE) *st = sts[1];
    snap_leave();
    return rc;
}

int wrap_Sendrecv_replace(void *buf, int count, MPI_Datatype dt, int dest, int stag, int src, int rtag, MPI_Comm comm,
                          MPI_Status *st)
{
    snap_enter("Sendrecv_replace", src, rtag, comm, count, dt);
    const snap_dtinfo *d = snap_dtinfo_get(dt);
    uint64_t n = count > 0 ? (uint64_t)count * (uint64_t)d->size : 0;
    uint8_t *copy = snap_xmalloc(n);
    if (n) snap_dt_pack(buf, count, dt, n, copy);
    MPI_Request r[2];
    MPI_Status sts[2];
    int rc = wire_send(copy, (int)n, MPI_BYTE, dest, stag, comm, SEND_STANDARD, &r[0], "Sendrecv_replace");
    if (rc == MPI_SUCCESS)
        rc = wire_recv(buf, count, dt, src, rtag, comm, MPI_STATUS_IGNORE, &r[1], "Sendrecv_replace");
    snap_call.reqs = r, snap_call.nreqs = 2;
    if (rc == MPI_SUCCESS) rc = snap_waitall_internal(2, r, sts);
    if (rc == MPI_SUCCESS && st != MPI_STATUS_IGNORE) *st = sts[1];
    free(copy);
    snap_leave();
    return rc;
}

int wrap_Iprobe(int src, int tag, MPI_Comm comm, int *flag, MPI_Status *st)
{
    snap_poll();
    return wire_iprobe(src, tag, comm, flag, st);
}

int wrap_Probe(int src, int tag, MPI_Comm comm, MPI_Status *st)
{
    snap_enter("Probe", src, tag, comm, 0, MPI_DATATYPE_NULL);
    int flag = 0, rc;
    unsigned it = 0;
    while ((rc = wire_iprobe(src, tag, comm, &flag, st)) == MPI_SUCCESS && !flag) snap_spin(&it);
    snap_leave();
    return rc;
}

int wrap_Improbe(int src, int tag, MPI_Comm comm, int *flag, MPI_Message *msg, MPI_Status *st)
{
    snap_poll();
    return wire_improbe(src, tag, comm, flag, msg, st);
}

int wrap_Mprobe(int src, int tag, MPI_Comm comm, MPI_Message *msg, MPI_Status *st)
{
    snap_enter("Mprobe", src, tag, comm, 0, MPI_DATATYPE_NULL);
    int flag = 0, rc;
    unsigned it = 0;
    while ((rc = wire_improbe(src, tag, comm, &flag, msg, st)) == MPI_SUCCESS && !flag) snap_spin(&it);
    snap_leave();
    return rc;
}

int wrap_Mrecv(void *buf, int count, MPI_Datatype dt, MPI_Message *msg, MPI_Status *st)
{
    snap_enter("Mrecv", SNAP_NONE, SNAP_NONE, MPI_COMM_NULL, count, dt);
    int rc = wire_mrecv(buf, count, dt, msg, st, NULL);
    snap_leave();
    return rc;
}

int wrap_Imrecv(void *buf, int count, MPI_Datatype dt, MPI_Message *msg, MPI_Request *req)
{
    int rc = wire_mrecv(buf, count, dt, msg, MPI_STATUS_IGNORE, req);
    snap_poll();
    return rc;
}

int wrap_Send_init(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, MPI_Request *req)
{
    return wire_send_init(buf, count, dt, dest, tag, comm, SEND_STANDARD, req, "Send_init");
}

int wrap_Ssend_init(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, MPI_Request *req)
{
    return wire_send_init(buf, count, dt, dest, tag, comm, SEND_SYNC, req, "Ssend_init");
}

int wrap_Rsend_init(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm, MPI_Request *req)
{
    return wire_send_init(buf, count, dt, dest, tag, comm, SEND_STANDARD, req, "Rsend_init");
}

int wrap_Recv_init(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Request *req)
{
    return wire_recv_init(buf, count, dt, src, tag, comm, req);
}

int wrap_Start(MPI_Request *req)
{
    int rc = wire_start(req);
    snap_poll();
    return rc;
}

int wrap_Startall(int n, MPI_Request *reqs)
{
    int rc = MPI_SUCCESS;
    for (int i = 0; i < n && rc == MPI_SUCCESS; i++) rc = wire_start(&reqs[i]);
    snap_poll();
    return rc;
}

int wrap_Type_free(MPI_Datatype *dt)
{
    snap_dtinfo_forget(*dt);
    wire_type_forget(*dt);
    return PMPI_Type_free(dt);
}
