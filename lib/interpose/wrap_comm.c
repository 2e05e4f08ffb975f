/*
 * wrap_comm.c - communicator creation (job-wide ids, comms.c) and free. A creation
 * call is collective and has no non-blocking form in MPI-3 (but dup), so it is
 * preceded by a non-blocking barrier on the parent: ranks wait there, serving
 * snapshots, until all have arrived, and the blocking creation is then short. The entry
 * points, and those of the calls mpisnap refuses, are generated from
 * lib/interpose/mpi_calls.txt.
 */
#include "call.h"
#include "comms.h"
#include "wait.h"
#include "wrap.h"

void gate(MPI_Comm parent, const char *name)
{
    MPI_Request r;
    snap_enter_collective(name, parent);
    if (PMPI_Ibarrier(parent, &r) == MPI_SUCCESS) snap_wait(&r, MPI_STATUS_IGNORE);
}

int registered(int rc, MPI_Comm *newcomm)
{
    if (rc == MPI_SUCCESS && *newcomm != MPI_COMM_NULL) rc = snap_comm_register(*newcomm);
    snap_leave();
    return rc;
}

int wrap_Comm_free(MPI_Comm *comm)
{
    if (!snap_passthrough()) snap_comm_forget(*comm);
    return PMPI_Comm_free(comm);
}
