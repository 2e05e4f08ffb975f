/*
 * call.h - the MPI call in progress on this rank, for the record and the hang watchdog.
 *
 * The wrappers write it (snap_enter, snap_leave); the record reads it (record.c) and so
 * does the ticker thread (wrap_init.c), which notes when it first saw each call so that
 * wait loops never read the clock: each call has a sequence number; the thread notes
 * when it first saw one in progress, and asks for a hang snapshot when the same call
 * lasts MPISNAP_HANG_TIMEOUT. The call's clock stops while the rank waits for a snapshot's
 * file (held): a file system that takes seconds to write it stalls the job, but the
 * application has not hung.
 */
#ifndef MPISNAP_CALL_H
#define MPISNAP_CALL_H

#include "snap.h"

/* peer and tag of a call that has none */
#define SNAP_NONE (-2)

typedef struct snap_callinfo {
    const char *name; /* "Recv", "Waitall", ... (NULL: not in MPI) */
    double t0;        /* when it began, stamped lazily by the first slow spin */
    int peer, tag, count;
    MPI_Comm comm;
    MPI_Datatype dt;
    const MPI_Request *reqs; /* the requests a Wait* call waits on */
    int nreqs;
    int hang_reported;          /* the watchdog took its snapshot for this call */
    volatile unsigned seq;      /* calls entered */
    volatile unsigned seen_seq; /* the call the ticker last saw in progress, since seen_t */
    volatile double seen_t;
    volatile unsigned hang_seq; /* the call the watchdog flagged */
    volatile unsigned held;     /* SNAP_HELD_* bits: the watchdog's clock stops while any is set */
} snap_callinfo;
extern snap_callinfo snap_call;
/* This rank's part is sent; it waits for the collector to write the file (engine.c). */
#define SNAP_HELD_SENT 1u
/* The collector is writing a snapshot's file (collector.c). */
#define SNAP_HELD_WRITING 2u
static inline void snap_hold(unsigned bit, int on)
{
    snap_call.held = on ? snap_call.held | bit : snap_call.held & ~bit;
}

static inline void snap_enter(const char *name, int peer, int tag, MPI_Comm comm, int count, MPI_Datatype dt)
{
    snap_call.name = name;
    snap_call.peer = peer;
    snap_call.tag = tag;
    snap_call.comm = comm;
    snap_call.count = count;
    snap_call.dt = dt;
    snap_call.nreqs = 0;
    snap_call.t0 = -1.0;
    snap_call.hang_reported = 0;
    snap_call.seq++;
}
/* The call in progress waits on these requests (Wait*, Sendrecv). */
static inline void snap_enter_reqs(const char *name, int n, const MPI_Request *reqs)
{
    snap_enter(name, SNAP_NONE, SNAP_NONE, MPI_COMM_NULL, n, MPI_DATATYPE_NULL);
    snap_call.reqs = reqs;
    snap_call.nreqs = n;
}
static inline void snap_leave(void) { snap_call.name = NULL; }
/* A collective call over comm: counted on it (members that already left it and members
 * not yet arrived then differ in a snapshot: mpisnap-inspect waits). */
void snap_enter_collective(const char *name, MPI_Comm comm);

#endif
