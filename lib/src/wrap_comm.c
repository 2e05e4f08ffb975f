/*
 * wrap_comm.c - communicator creation (job-wide ids, comms.c) and free. A creation
 * call is collective and has no non-blocking form in MPI-3 (but dup), so it is
 * preceded by a non-blocking barrier on the parent: ranks wait there, serving
 * snapshots, until all have arrived, and the blocking creation is then short. The entry
 * points, and those of the calls mpisnap refuses, are generated from
 * lib/interpose/mpi_calls.txt.
 */
#include "wrap.h"

void gate(MPI_Comm parent, const char *name)
{
    MPI_Request r;
    snap_comm *c = snap_comm_get(parent);
    if (c) c->colls++;
    snap_enter(name, -2, -2, parent, 0, MPI_DATATYPE_NULL);
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
