/*
 * presence.h - does mpisnap see the job? (presence.c): what the entry points ask before
 * they do anything, and SIGUSR1's handler.
 */
#ifndef MPISNAP_PRESENCE_H
#define MPISNAP_PRESENCE_H

#include "snap.h"

/* True when a wrapper must pass straight through to PMPI. */
static inline int snap_passthrough(void) { return !snap_job.initialized || snap_job.finalized || snap_job.in_lib; }
/* A wrapper passes through: if mpisnap never saw MPI_Init but MPI is initialised, say
 * so once (presence.c). */
static inline void snap_check_unseen(void)
{
    extern void snap_unseen_slow(void);
    if (SNAP_UNLIKELY(!snap_job.initialized)) snap_unseen_slow();
}
/* presence.c: SIGUSR1 asks for a snapshot. */
void snap_signal_install(void);

#endif
