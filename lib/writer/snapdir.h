/*
 * snapdir.h - the folder snapshots go to, as the collector (collect.c) sees it.
 */
#ifndef MPISNAP_SNAPDIR_H
#define MPISNAP_SNAPDIR_H

#include "snap.h"

/* Create dir and its parents, private (0700), or 0750 with MPISNAP_SHARE=group,
 * whatever the umask; a line when it cannot. */
void snapdir_make(const char *dir);
/* A new job writing where an earlier one left snapshots: said once. */
void snapdir_warn_reused(void);
/* Snapshot `epoch`'s file could not be written (err: the writer's one line): said once
 * per cause, the repeats only in the debug log. */
void snapdir_failed(uint32_t epoch, const char *err);
/* Snapshot `epoch`'s file was written: after failures, one line says how many. */
void snapdir_written(uint32_t epoch);
/* A file mpisnap removes (a failed snapshot's partial file, a snapshot beyond
 * MPISNAP_KEEP) could not be removed, its folder made read-only meanwhile: removed as
 * soon as the folder allows, tried before every later snapshot (snapdir_sweep(0)) and at
 * MPI_Finalize (snapdir_sweep(1), which says in one line what is still there). Nothing
 * is noted when path is gone. */
void snapdir_left(const char *path);
void snapdir_sweep(int last);
/* MPISNAP_KEEP: path (snapshot epoch) is complete; delete this job's oldest beyond K. */
void snapdir_keep_newest(const char *path, uint32_t epoch);

#endif
