/*
 * wrap.h - what the generated C entry points (wrap_c.c, from mpi_calls.txt) call: the
 * hand-written bodies (wrap_gen.h) and the helpers of the generated families.
 */
#ifndef MPISNAP_WRAP_H
#define MPISNAP_WRAP_H

#include "call.h"
#include "presence.h"
#include "wrap_gen.h"

/* Blocking collectives (wrap_coll.c), entered with snap_enter_collective (call.h):
 * wait for the non-blocking form's request r (rc: the error code of posting it),
 * serving snapshots, and leave the call. */
int coll_wait(int rc, MPI_Request *r);

/* Communicator creation (wrap_comm.c): wait in a non-blocking barrier on the parent,
 * serving snapshots, before the blocking creation; then give the new communicator its
 * job-wide id and leave the call. */
void gate(MPI_Comm parent, const char *name);
int registered(int rc, MPI_Comm *newcomm);

#endif
