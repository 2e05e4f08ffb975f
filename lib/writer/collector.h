/*
 * collector.h - the collector's side of collect.c (collector.c), on world rank
 * SNAP_COLLECTOR only.
 */
#ifndef MPISNAP_COLLECTOR_H
#define MPISNAP_COLLECTOR_H

#include "part.h"

/* Make the folder, and poll for parts and reports from now on; done(e) when snapshot e
 * is complete (or its file failed: it is over either way). */
void collector_init(void (*done)(uint32_t epoch));
/* A part's bytes from rank src, or the collector's own (src < 0): written into the file.
 * 1 when its own part asked for places: *own and *own_offs are the answer. */
int collector_take(const uint8_t *data, size_t len, int src, place_msg *own, const uint64_t **own_offs);
/* Rank src's regions are written (or come as TAG_DATA now): their checksums. */
void collector_wrote(int src, const wrote_msg *wm, const uint64_t *sums, const uint64_t *bytes);
void collector_fail(uint32_t epoch);    /* the collector's own regions failed to be written */
void collector_abandon(uint32_t epoch); /* drop the file of an abandoned snapshot */
void collector_fini(void);              /* MPI_Finalize: partial files left behind removed, or said */

#endif
