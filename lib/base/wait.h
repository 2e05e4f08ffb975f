/*
 * wait.h - waiting for MPI while serving snapshots, and the cheap polls of calls that
 * do not wait.
 */
#ifndef MPISNAP_WAIT_H
#define MPISNAP_WAIT_H

#include "pump.h"

void snap_wait_init(void); /* after the control channel is up */
void snap_wait_fini(void);
/* Wait for one of the library's PMPI requests (application operations posted on the
 * wire, collectives), serving snapshots meanwhile; st may be MPI_STATUS_IGNORE. */
int snap_wait(MPI_Request *r, MPI_Status *st);
/* The same for a receive the library posted itself and can post again: when the
 * engine needs serving, the receive is cancelled and *st (never MPI_STATUS_IGNORE)
 * says so; the caller serves (snap_progress) and receives again. */
int snap_wait_recv(MPI_Request *r, MPI_Status *st);
/* Wait-loop helper: call between polls of a pending operation. */
static inline void snap_spin(unsigned *it)
{
    extern void snap_spin_slow(unsigned it);
    if ((++*it & 31u) == 0) snap_spin_slow(*it);
}
/* A loop of the library's own (a collective of its own, a safe point) waits: after a
 * while, with only the other ranks' work left, it gives the CPU away now and then. */
void snap_yield_if_waiting(unsigned it);
/* Cheap poll for non-blocking calls: one load and one branch when nothing is going on. */
static inline void snap_poll(void)
{
    extern void snap_poll_slow(void);
    if (SNAP_UNLIKELY(snap_async.attention | (pump_work & WORK_EVERY_CALL)) ||
        SNAP_UNLIKELY((++snap_async.tick & 63u) == 0))
        snap_poll_slow();
}

#endif
