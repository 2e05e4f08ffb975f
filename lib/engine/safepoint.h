/*
 * safepoint.h - restartable snapshots, recorded at the application's safe points
 * (safepoint.c): a policy the engine consults (engine.h, snap_sp_policy).
 */
#ifndef MPISNAP_SAFEPOINT_H
#define MPISNAP_SAFEPOINT_H

#include "record.h"

void snap_sp_init(void);                 /* at MPI_Init, after the engine */
void snap_safepoint(void);               /* mpisnap_safepoint() */
void snap_sp_restart_at(uint32_t epoch); /* a restarted run: every rank recorded `epoch` */

#endif
