/*
 * wrap_coll.c - blocking collectives become their MPI-3 non-blocking forms plus a wait
 * loop, so a rank blocked in a collective keeps serving snapshot traffic (DESIGN 4.3).
 * Collective traffic itself is MPI's business: it never crosses the application's
 * point-to-point channels, so it carries no header and is not part of channel states.
 */
#include "snap.h"

static int coll_wait(const char *name, MPI_Comm comm, int rc, MPI_Request *r)
{
    if (rc == MPI_SUCCESS) {
        snap_poll(); /* posted, not complete: a record point */
        rc = snap_wait(r, MPI_STATUS_IGNORE);
    }
    snap_leave();
    return rc;
}

/* Count the collective on its communicator: members that already left it and members
 * not yet arrived then differ in a snapshot (mpisnap-inspect waits). */
static void coll_enter(const char *name, MPI_Comm comm)
{
    snap_comm *c = snap_comm_get(comm);
    if (c) c->colls++;
    snap_enter(name, -2, -2, comm, 0, MPI_DATATYPE_NULL);
}

#define COLL_BEGIN(name, comm) \
    MPI_Request r_;            \
    coll_enter(name, comm)

SNAP_API int MPI_Barrier(MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Barrier(comm);
    COLL_BEGIN("Barrier", comm);
    return coll_wait("Barrier", comm, PMPI_Ibarrier(comm, &r_), &r_);
}

SNAP_API int MPI_Bcast(void *buf, int count, MPI_Datatype dt, int root, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Bcast(buf, count, dt, root, comm);
    COLL_BEGIN("Bcast", comm);
    return coll_wait("Bcast", comm, PMPI_Ibcast(buf, count, dt, root, comm, &r_), &r_);
}

SNAP_API int MPI_Reduce(const void *s, void *r, int count, MPI_Datatype dt, MPI_Op op, int root, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Reduce(s, r, count, dt, op, root, comm);
    COLL_BEGIN("Reduce", comm);
    return coll_wait("Reduce", comm, PMPI_Ireduce(s, r, count, dt, op, root, comm, &r_), &r_);
}

SNAP_API int MPI_Allreduce(const void *s, void *r, int count, MPI_Datatype dt, MPI_Op op, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Allreduce(s, r, count, dt, op, comm);
    COLL_BEGIN("Allreduce", comm);
    return coll_wait("Allreduce", comm, PMPI_Iallreduce(s, r, count, dt, op, comm, &r_), &r_);
}

SNAP_API int MPI_Gather(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, int root,
                        MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Gather(s, sc, st, r, rc, rt, root, comm);
    COLL_BEGIN("Gather", comm);
    return coll_wait("Gather", comm, PMPI_Igather(s, sc, st, r, rc, rt, root, comm, &r_), &r_);
}

SNAP_API int MPI_Gatherv(const void *s, int sc, MPI_Datatype st, void *r, const int rc[], const int displs[],
                         MPI_Datatype rt, int root, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Gatherv(s, sc, st, r, rc, displs, rt, root, comm);
    COLL_BEGIN("Gatherv", comm);
    return coll_wait("Gatherv", comm, PMPI_Igatherv(s, sc, st, r, rc, displs, rt, root, comm, &r_), &r_);
}

SNAP_API int MPI_Scatter(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, int root,
                         MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Scatter(s, sc, st, r, rc, rt, root, comm);
    COLL_BEGIN("Scatter", comm);
    return coll_wait("Scatter", comm, PMPI_Iscatter(s, sc, st, r, rc, rt, root, comm, &r_), &r_);
}

SNAP_API int MPI_Scatterv(const void *s, const int sc[], const int displs[], MPI_Datatype st, void *r, int rc,
                          MPI_Datatype rt, int root, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Scatterv(s, sc, displs, st, r, rc, rt, root, comm);
    COLL_BEGIN("Scatterv", comm);
    return coll_wait("Scatterv", comm, PMPI_Iscatterv(s, sc, displs, st, r, rc, rt, root, comm, &r_), &r_);
}

SNAP_API int MPI_Allgather(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Allgather(s, sc, st, r, rc, rt, comm);
    COLL_BEGIN("Allgather", comm);
    return coll_wait("Allgather", comm, PMPI_Iallgather(s, sc, st, r, rc, rt, comm, &r_), &r_);
}

SNAP_API int MPI_Allgatherv(const void *s, int sc, MPI_Datatype st, void *r, const int rc[], const int displs[],
                            MPI_Datatype rt, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Allgatherv(s, sc, st, r, rc, displs, rt, comm);
    COLL_BEGIN("Allgatherv", comm);
    return coll_wait("Allgatherv", comm, PMPI_Iallgatherv(s, sc, st, r, rc, displs, rt, comm, &r_), &r_);
}

SNAP_API int MPI_Alltoall(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Alltoall(s, sc, st, r, rc, rt, comm);
    COLL_BEGIN("Alltoall", comm);
    return coll_wait("Alltoall", comm, PMPI_Ialltoall(s, sc, st, r, rc, rt, comm, &r_), &r_);
}

SNAP_API int MPI_Alltoallv(const void *s, const int sc[], const int sd[], MPI_Datatype st, void *r, const int rc[],
                           const int rd[], MPI_Datatype rt, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Alltoallv(s, sc, sd, st, r, rc, rd, rt, comm);
    COLL_BEGIN("Alltoallv", comm);
    return coll_wait("Alltoallv", comm, PMPI_Ialltoallv(s, sc, sd, st, r, rc, rd, rt, comm, &r_), &r_);
}

SNAP_API int MPI_Alltoallw(const void *s, const int sc[], const int sd[], const MPI_Datatype st[], void *r,
                           const int rc[], const int rd[], const MPI_Datatype rt[], MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Alltoallw(s, sc, sd, st, r, rc, rd, rt, comm);
    COLL_BEGIN("Alltoallw", comm);
    return coll_wait("Alltoallw", comm, PMPI_Ialltoallw(s, sc, sd, st, r, rc, rd, rt, comm, &r_), &r_);
}

SNAP_API int MPI_Reduce_scatter(const void *s, void *r, const int rc[], MPI_Datatype dt, MPI_Op op, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Reduce_scatter(s, r, rc, dt, op, comm);
    COLL_BEGIN("Reduce_scatter", comm);
    return coll_wait("Reduce_scatter", comm, PMPI_Ireduce_scatter(s, r, rc, dt, op, comm, &r_), &r_);
}

SNAP_API int MPI_Reduce_scatter_block(const void *s, void *r, int rc, MPI_Datatype dt, MPI_Op op, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Reduce_scatter_block(s, r, rc, dt, op, comm);
    COLL_BEGIN("Reduce_scatter_block", comm);
    return coll_wait("Reduce_scatter_block", comm, PMPI_Ireduce_scatter_block(s, r, rc, dt, op, comm, &r_), &r_);
}

SNAP_API int MPI_Scan(const void *s, void *r, int count, MPI_Datatype dt, MPI_Op op, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Scan(s, r, count, dt, op, comm);
    COLL_BEGIN("Scan", comm);
    return coll_wait("Scan", comm, PMPI_Iscan(s, r, count, dt, op, comm, &r_), &r_);
}

SNAP_API int MPI_Exscan(const void *s, void *r, int count, MPI_Datatype dt, MPI_Op op, MPI_Comm comm)
{
    if (snap_passthrough()) return PMPI_Exscan(s, r, count, dt, op, comm);
    COLL_BEGIN("Exscan", comm);
    return coll_wait("Exscan", comm, PMPI_Iexscan(s, r, count, dt, op, comm, &r_), &r_);
}
