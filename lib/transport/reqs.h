/*
 * reqs.h - what the library remembers about an application's request.
 *
 * The application holds real MPI requests; this side table, keyed by the handle, keeps
 * what the library must do when one completes: free a send's scratch buffer, strip the
 * header of a receive and hand back payload and status, or deliver a message the
 * library had drained (served through a generalized request). Requests with nothing to
 * do (collectives, plain large sends) are not in the table; wrappers skip the lookup
 * entirely while the table is empty.
 */
#ifndef MPISNAP_REQS_H
#define MPISNAP_REQS_H

#include "chan.h"
#include "comms.h"
#include "dtype.h"

typedef enum { RQ_SEND, RQ_RECV, RQ_HELD } rq_kind;
typedef enum {
    RS_POSTED,    /* inside MPI */
    RS_SEEN,      /* complete in MPI, header read and counted, not yet handed back */
    RS_DELIVERED, /* handed back by MPI_Request_get_status; MPI_Wait/Test only frees it */
    RS_INACTIVE   /* persistent request not started */
} rq_state;

typedef struct snap_req snap_req;
struct snap_req {
    MPI_Request key;
    uint8_t kind, state, persistent, large;
    const char *op; /* "Isend", "Irecv", "Recv_init", ... */
    void *buf;      /* application arguments */
    int count, peer, tag;
    MPI_Datatype dt;
    const snap_dtinfo *dti; /* dt's cached facts, when still valid (dti->dt == dt) */
    MPI_Comm comm;
    snap_comm *c;     /* the communicator's entry (outlives MPI_Comm_free) */
    wire_hdr hdr;     /* large path: the header travels from/into here */
    uint8_t *scratch; /* small path: [header|payload], owned */
    size_t cap;
    MPI_Datatype wtype; /* persistent large path: [header|buffer] struct type */
    snap_msg msg;       /* RS_SEEN: envelope and payload view */
    snap_msg *held;     /* RQ_HELD: the drained message it delivers */
    MPI_Status st;      /* status returned by MPI for the wire message */
    uint8_t intable;
    /* synchronous sends (wire.c): the wire send, the receiver's acknowledgement */
    MPI_Request wreq;
    int sync_dest;
    uint8_t sync_acked, sync_done, sync_greq;
    unsigned sync_polls;    /* progress passes spent waiting for the acknowledgement */
    unsigned sync_spoll_at; /* ... at which to ask the receiver again (CTL_SPOLL) */
    struct snap_req *sync_next;
};

extern size_t reqs_count; /* entries in the table */
snap_req *reqs_new(void); /* zeroed entry, not yet in the table */
void reqs_insert(snap_req *r, MPI_Request key);
snap_req *reqs_add(MPI_Request key); /* reqs_new + reqs_insert */
void reqs_unlink(snap_req *r);       /* take out of the table, keep the entry */
snap_req *reqs_find(MPI_Request key);
void reqs_del(snap_req *r); /* unlinks; frees scratch, wtype, held and the entry */
/* Visit every entry; the callback must not add or delete. */
void reqs_each(void (*fn)(snap_req *r, void *arg), void *arg);

#endif
