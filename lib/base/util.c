/*
 * util.c - clock, allocation that never returns NULL, MPI errors.
 */
#include "snap.h"
#include "snapfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

double snap_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void oom(size_t n)
{
    snap_log(SNAP_LOG_ERROR, "out of memory allocating %zu bytes", n);
    PMPI_Abort(MPI_COMM_WORLD, 3);
    abort();
}

void *snap_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *snap_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) oom(n * m);
    return p;
}

/* Large buffers (a region's copy, region bytes received by the collector): see
 * sf_big_alloc. */
void *snap_xmalloc_big(size_t n)
{
    void *p = sf_big_alloc(n);
    if (!p) oom(n);
    return p;
}

void snap_free_big(void *p) { sf_big_free(p); }

static int grequest_query(void *extra, MPI_Status *st)
{
    (void)extra;
    PMPI_Status_set_elements(st, MPI_BYTE, 0);
    PMPI_Status_set_cancelled(st, 0);
    st->MPI_SOURCE = MPI_UNDEFINED;
    st->MPI_TAG = MPI_UNDEFINED;
    return MPI_SUCCESS;
}
static int grequest_free(void *extra)
{
    (void)extra;
    return MPI_SUCCESS;
}
static int grequest_cancel(void *extra, int complete)
{
    (void)extra, (void)complete;
    return MPI_SUCCESS;
}

void snap_grequest_start(MPI_Request *req)
{
    PMPI_Grequest_start(grequest_query, grequest_free, grequest_cancel, NULL, req);
}

int snap_error(MPI_Comm comm, int code)
{
    PMPI_Comm_call_errhandler(comm == MPI_COMM_NULL ? MPI_COMM_WORLD : comm, code);
    return code;
}

int snap_unsupported(const char *call, MPI_Comm comm, const char *why)
{
    snap_log(SNAP_LOG_ERROR, "MPI_%s is not supported by mpisnap: %s", call, why);
    return snap_error(comm, MPI_ERR_UNSUPPORTED_OPERATION);
}

void *snap_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}
