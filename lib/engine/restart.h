/*
 * restart.h - resume a job from a snapshot (restart.c).
 */
#ifndef MPISNAP_RESTART_H
#define MPISNAP_RESTART_H

#include "snap.h"

/* At MPI_Init, collective: agree on the file and load this rank's part (exit 2 with one
 * line when no rank can restart from it). Nothing to do without MPISNAP_RESTART. */
void snap_restart_load(void);
/* At the first safe point, collective: restore the regions on every rank, or on none
 * (a one-line reason, exit 2). */
void snap_restart_restore(void);

#endif
