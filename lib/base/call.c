/*
 * call.c - the MPI call in progress (call.h).
 */
#include "call.h"
#include "comms.h"

snap_callinfo snap_call;

void snap_enter_collective(const char *name, MPI_Comm comm)
{
    snap_comm *c = snap_comm_get(comm);
    if (c) c->colls++;
    snap_enter(name, SNAP_NONE, SNAP_NONE, comm, 0, MPI_DATATYPE_NULL);
}
