/*
 * coll.c - the library's own collectives over MPI (xport.h).
 */
#include "xport.h"

static MPI_Request sum_req = MPI_REQUEST_NULL, max_req = MPI_REQUEST_NULL;

/* 1 once complete; an error (the private communicators' handler returned) ends the
 * wait too, said once, rather than spinning forever. */
static int test(MPI_Request *r)
{
    int flag = 0;
    if (*r == MPI_REQUEST_NULL) return 1;
    int rc = PMPI_Test(r, &flag, MPI_STATUS_IGNORE);
    if (rc == MPI_SUCCESS) return flag;
    snap_log(SNAP_LOG_ERROR, "internal: a collective of the library failed (MPI error %d)", rc);
    *r = MPI_REQUEST_NULL;
    return 1;
}

void xport_sum_start(const uint64_t *contrib, uint64_t *out)
{
    PMPI_Ireduce_scatter_block(contrib, out, 1, MPI_UINT64_T, MPI_SUM, snap_job.pcomm, &sum_req);
}

int xport_sum_test(void) { return test(&sum_req); }

void xport_max_start(const int *in, int *out, int n)
{
    PMPI_Iallreduce(in, out, n, MPI_INT, MPI_MAX, snap_job.coll, &max_req);
}

int xport_max_test(void) { return test(&max_req); }
