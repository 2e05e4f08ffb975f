/*
 * api.c - the public API of mpisnap.h.
 */
#include "call.h"
#include "collect.h"
#include "engine.h"
#include "pump.h"
#include "record.h"
#include "restart.h"
#include "safepoint.h"

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

static int live(void) { return snap_job.initialized && !snap_job.finalized; }

SNAP_API int mpisnap_request(void)
{
    if (!live()) return MPISNAP_ESTATE;
    snap_async.api = 1;
    snap_async.attention = 1;
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
    if (snap_engine_restarting()) { /* the first safe point of a restarted run */
        snap_restart_restore();
        snap_engine_restored();
    }
    snap_safepoint();
    return MPISNAP_OK;
}

SNAP_API int mpisnap_restarted(void) { return snap_engine_is_restart(); }

SNAP_API long mpisnap_last_snapshot(void) { return (long)snap_engine_completed(); }

SNAP_API long mpisnap_wait_all(void)
{
    if (!live()) return MPISNAP_ESTATE;
    snap_enter_collective("mpisnap_wait_all", MPI_COMM_WORLD); /* collective over the job */
    snap_quiesce();
    snap_leave();
    return (long)snap_engine_completed();
}
