/*
 * wrap_comm.c - communicator creation (job-wide ids, comms.c) and the calls mpisnap
 * refuses. A creation call is collective and has no non-blocking form in MPI-3 (but
 * dup), so it is preceded by a non-blocking barrier on the parent: ranks wait there,
 * serving snapshots, until all have arrived, and the blocking creation is then short.
 */
#include "snap.h"

static void gate(MPI_Comm parent, const char *name)
{
    MPI_Request r;
    snap_comm *c = snap_comm_get(parent);
    if (c) c->colls++;
    snap_enter(name, -2, -2, parent, 0, MPI_DATATYPE_NULL);
    if (PMPI_Ibarrier(parent, &r) == MPI_SUCCESS) snap_wait(&r, MPI_STATUS_IGNORE);
}

static int registered(int rc, MPI_Comm *newcomm)
{
    if (rc == MPI_SUCCESS && *newcomm != MPI_COMM_NULL) rc = snap_comm_register(*newcomm);
    snap_leave();
    return rc;
}

SNAP_API int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Comm_dup(comm, newcomm);
    gate(comm, "Comm_dup");
    return registered(PMPI_Comm_dup(comm, newcomm), newcomm);
}

SNAP_API int MPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Comm_dup_with_info(comm, info, newcomm);
    gate(comm, "Comm_dup_with_info");
    return registered(PMPI_Comm_dup_with_info(comm, info, newcomm), newcomm);
}

SNAP_API int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Comm_split(comm, color, key, newcomm);
    gate(comm, "Comm_split");
    return registered(PMPI_Comm_split(comm, color, key, newcomm), newcomm);
}

SNAP_API int MPI_Comm_split_type(MPI_Comm comm, int type, int key, MPI_Info info, MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Comm_split_type(comm, type, key, info, newcomm);
    gate(comm, "Comm_split_type");
    return registered(PMPI_Comm_split_type(comm, type, key, info, newcomm), newcomm);
}

SNAP_API int MPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Comm_create(comm, group, newcomm);
    gate(comm, "Comm_create");
    return registered(PMPI_Comm_create(comm, group, newcomm), newcomm);
}

SNAP_API int MPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Comm_create_group(comm, group, tag, newcomm);
    snap_enter("Comm_create_group", -2, tag, comm, 0, MPI_DATATYPE_NULL);
    return registered(PMPI_Comm_create_group(comm, group, tag, newcomm), newcomm);
}

SNAP_API int MPI_Cart_create(MPI_Comm comm, int ndims, const int dims[], const int periods[], int reorder,
                             MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Cart_create(comm, ndims, dims, periods, reorder, newcomm);
    gate(comm, "Cart_create");
    return registered(PMPI_Cart_create(comm, ndims, dims, periods, reorder, newcomm), newcomm);
}

SNAP_API int MPI_Cart_sub(MPI_Comm comm, const int remain[], MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Cart_sub(comm, remain, newcomm);
    gate(comm, "Cart_sub");
    return registered(PMPI_Cart_sub(comm, remain, newcomm), newcomm);
}

SNAP_API int MPI_Graph_create(MPI_Comm comm, int nnodes, const int index[], const int edges[], int reorder,
                              MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Graph_create(comm, nnodes, index, edges, reorder, newcomm);
    gate(comm, "Graph_create");
    return registered(PMPI_Graph_create(comm, nnodes, index, edges, reorder, newcomm), newcomm);
}

SNAP_API int MPI_Dist_graph_create(MPI_Comm comm, int n, const int sources[], const int degrees[],
                                   const int dests[], const int weights[], MPI_Info info, int reorder,
                                   MPI_Comm *newcomm)
{
    if (snap_passthrough())
        return PMPI_Dist_graph_create(comm, n, sources, degrees, dests, weights, info, reorder, newcomm);
    gate(comm, "Dist_graph_create");
    return registered(PMPI_Dist_graph_create(comm, n, sources, degrees, dests, weights, info, reorder, newcomm),
                      newcomm);
}

SNAP_API int MPI_Dist_graph_create_adjacent(MPI_Comm comm, int indeg, const int sources[], const int sw[],
                                            int outdeg, const int dests[], const int dw[], MPI_Info info,
                                            int reorder, MPI_Comm *newcomm)
{
    if (snap_passthrough())
        return PMPI_Dist_graph_create_adjacent(comm, indeg, sources, sw, outdeg, dests, dw, info, reorder, newcomm);
    gate(comm, "Dist_graph_create_adjacent");
    return registered(
        PMPI_Dist_graph_create_adjacent(comm, indeg, sources, sw, outdeg, dests, dw, info, reorder, newcomm), newcomm);
}

SNAP_API int MPI_Comm_free(MPI_Comm *comm)
{
    if (!snap_passthrough()) snap_comm_forget(*comm);
    return PMPI_Comm_free(comm);
}

/* ---- refused: one line naming the call, then MPI's error handler ---- */

SNAP_API int MPI_Comm_idup(MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *req)
{
    if (snap_passthrough()) return PMPI_Comm_idup(comm, newcomm, req);
    return snap_unsupported("Comm_idup", comm, "use MPI_Comm_dup");
}

SNAP_API int MPI_Intercomm_create(MPI_Comm local, int lleader, MPI_Comm peer, int rleader, int tag, MPI_Comm *newcomm)
{
    if (snap_passthrough()) return PMPI_Intercomm_create(local, lleader, peer, rleader, tag, newcomm);
    return snap_unsupported("Intercomm_create", local, "intercommunicators are not supported");
}

SNAP_API int MPI_Comm_spawn(const char *cmd, char *argv[], int maxprocs, MPI_Info info, int root, MPI_Comm comm,
                            MPI_Comm *inter, int errcodes[])
{
    if (snap_passthrough()) return PMPI_Comm_spawn(cmd, argv, maxprocs, info, root, comm, inter, errcodes);
    return snap_unsupported("Comm_spawn", comm, "dynamic processes are not supported");
}

SNAP_API int MPI_Win_create(void *base, MPI_Aint size, int disp, MPI_Info info, MPI_Comm comm, MPI_Win *win)
{
    if (snap_passthrough()) return PMPI_Win_create(base, size, disp, info, comm, win);
    return snap_unsupported("Win_create", comm, "one-sided communication (RMA) is not supported");
}

SNAP_API int MPI_Win_allocate(MPI_Aint size, int disp, MPI_Info info, MPI_Comm comm, void *base, MPI_Win *win)
{
    if (snap_passthrough()) return PMPI_Win_allocate(size, disp, info, comm, base, win);
    return snap_unsupported("Win_allocate", comm, "one-sided communication (RMA) is not supported");
}

SNAP_API int MPI_Win_allocate_shared(MPI_Aint size, int disp, MPI_Info info, MPI_Comm comm, void *base, MPI_Win *win)
{
    if (snap_passthrough()) return PMPI_Win_allocate_shared(size, disp, info, comm, base, win);
    return snap_unsupported("Win_allocate_shared", comm, "one-sided communication (RMA) is not supported");
}

SNAP_API int MPI_Win_create_dynamic(MPI_Info info, MPI_Comm comm, MPI_Win *win)
{
    if (snap_passthrough()) return PMPI_Win_create_dynamic(info, comm, win);
    return snap_unsupported("Win_create_dynamic", comm, "one-sided communication (RMA) is not supported");
}
