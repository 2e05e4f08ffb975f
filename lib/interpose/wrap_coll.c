/*
 * wrap_coll.c - blocking collectives become their MPI-3 non-blocking forms plus a wait
 * loop, so a rank blocked in a collective keeps serving snapshot traffic (DESIGN 4.3).
 * Collective traffic itself is MPI's business: it never crosses the application's
 * point-to-point channels, so it carries no header and is not part of channel states.
 * The entry points (MPI_Bcast: PMPI_Ibcast between these two) are generated from
 * lib/interpose/mpi_calls.txt.
 */
#include "call.h"
#include "wait.h"
#include "wrap.h"

int coll_wait(int rc, MPI_Request *r)
{
    if (rc == MPI_SUCCESS) {
        snap_poll(); /* posted, not complete: a record point */
        rc = snap_wait(r, MPI_STATUS_IGNORE);
    }
    snap_leave();
    return rc;
}
