/*
 * collect.h - from rank parts to one file (collect.c): what the public API and
 * MPI_Finalize need besides the engine's side (engine.h).
 */
#ifndef MPISNAP_COLLECT_H
#define MPISNAP_COLLECT_H

#include "snapfile.h"

/* The conserved quantity of mpisnap_conserve(), written into every snapshot. */
extern char collect_conserve_region[SF_NAME_MAX];
extern int64_t collect_conserve_total;
extern int32_t collect_conserve_offset;
void collect_fini(void);   /* MPI_Finalize: parts still on their way move on */

#endif
