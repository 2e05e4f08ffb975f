/*
 * api.c - the public API of mpisnap.h.
 */
#include "engine.h"
#include "record.h"

#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SNAP_API const char *mpisnap_strerror(int err)
{
    switch (err) {
#define MPISNAP_ERR_STR_(name, code, msg) \
    case code: return "mpisnap: " msg;
        MPISNAP_ERRNO_MAP(MPISNAP_ERR_STR_)
#undef MPISNAP_ERR_STR_
    }
    return "mpisnap: unknown error code";
}

static int live(void) { return snap_g.initialized && !snap_g.finalized; }

SNAP_API int mpisnap_request(void)
{
    if (!live()) return MPISNAP_ESTATE;
    snap_g.api_request = 1;
    snap_g.attention = 1;
    snap_progress(); /* records here and now unless a snapshot is in progress */
    return MPISNAP_OK;
}

SNAP_API int mpisnap_protect(const char *name, void *ptr, int count, MPI_Datatype type)
{
    if (!live()) return MPISNAP_ESTATE;
    return record_protect(name, ptr, count, type);
}

SNAP_API int mpisnap_unprotect(const char *name)
{
    if (!live()) return MPISNAP_ESTATE;
    return name ? record_unprotect(name) : MPISNAP_EINVAL;
}

SNAP_API int mpisnap_conserve(const char *region, int64_t total, int payload_offset)
{
    if (!live()) return MPISNAP_ESTATE;
    if (!region || !*region || strlen(region) >= SF_NAME_MAX || payload_offset < 0) return MPISNAP_EINVAL;
    snprintf(collect_conserve_region, sizeof collect_conserve_region, "%s", region);
    collect_conserve_total = total;
    collect_conserve_offset = payload_offset;
    return MPISNAP_OK;
}

SNAP_API int mpisnap_safepoint(void)
{
    if (!live()) return MPISNAP_ESTATE;
    if (snap_g.restarted == 1) { /* the first safe point of a restarted run */
        snap_restart_restore();
        snap_g.restarted = 2;
    }
    snap_safepoint();
    return MPISNAP_OK;
}

SNAP_API int mpisnap_restarted(void) { return snap_g.restarted != 0; }

SNAP_API long mpisnap_last_snapshot(void) { return (long)snap_g.done_epoch; }

SNAP_API long mpisnap_wait_all(void)
{
    if (!live()) return MPISNAP_ESTATE;
    snap_comm_get(MPI_COMM_WORLD)->colls++; /* collective over the job */
    snap_enter("mpisnap_wait_all", -2, -2, MPI_COMM_WORLD, 0, MPI_DATATYPE_NULL);
    snap_quiesce();
    snap_leave();
    return (long)snap_g.done_epoch;
}
