/*
 * collect.h - from rank parts to one file (collect.c, collector.c, part.c).
 */
#ifndef MPISNAP_COLLECT_H
#define MPISNAP_COLLECT_H

#include "cur.h"

/* The parts, to the file (the engine's side). */
void collect_init(void (*done)(uint32_t epoch)); /* done: the collector completed a snapshot */
void collect_send_part(snap_cur *c);             /* this rank's part is final: ship it */
void collect_abandon(uint32_t epoch);            /* collector: drop the file of an abandoned snapshot */
/* The conserved quantity of mpisnap_conserve(), written into every snapshot. */
extern char collect_conserve_region[SF_NAME_MAX];
extern int64_t collect_conserve_total;
extern int32_t collect_conserve_offset;
void collect_fini(void); /* MPI_Finalize: parts still on their way move on */

#endif
