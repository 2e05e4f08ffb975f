/*
 * fortran.c - the Fortran entry points' array conversions (fortran.h), and the one
 * Fortran entry point not generated: MPI_Comm_spawn, whose strings mpisnap never needs.
 */
#define _GNU_SOURCE
#include "fortran.h"
#include "presence.h"

#include "snap.h"

#include <dlfcn.h>
#include <stdlib.h>

static void *room(int n, size_t elem, void *small) { return n <= 16 ? small : snap_xmalloc((size_t)n * elem); }

MPI_Request *snapf_reqs_in(const MPI_Fint *f, int n, MPI_Request *small)
{
    MPI_Request *c = room(n, sizeof *c, small);
    for (int i = 0; i < n; i++) c[i] = PMPI_Request_f2c(f[i]);
    return c;
}

void snapf_reqs_out(MPI_Fint *f, MPI_Request *c, int n, MPI_Request *small)
{
    for (int i = 0; i < n; i++) f[i] = PMPI_Request_c2f(c[i]);
    if (c != small) free(c);
}

MPI_Datatype *snapf_types_in(const MPI_Fint *f, int n, MPI_Datatype *small)
{
    MPI_Datatype *c = room(n, sizeof *c, small);
    for (int i = 0; i < n; i++) c[i] = PMPI_Type_f2c(f[i]);
    return c;
}

int *snapf_logicals(const MPI_Fint *f, int n, int *small)
{
    int *c = room(n, sizeof *c, small);
    for (int i = 0; i < n; i++) c[i] = SNAPF_LOGICAL(f[i]);
    return c;
}

MPI_Status *snapf_statuses_alloc(MPI_Fint *f, int n, MPI_Status *small)
{
    if (f == (MPI_Fint *)mpi_fortran_statuses_ignore_) return NULL;
    return room(n, sizeof(MPI_Status), small);
}

void snapf_statuses_out(MPI_Fint *f, const MPI_Status *c, int n)
{
    if (!c) return;
    for (int i = 0; i < n; i++) PMPI_Status_c2f(&c[i], f + (size_t)i * SNAPF_STATUS_SIZE);
}

void snapf_one_based(MPI_Fint *idx, int n)
{
    for (int i = 0; i < n; i++) idx[i] += 1;
}

int snapf_cartdim(MPI_Comm comm)
{
    int n = 0;
    if (PMPI_Cartdim_get(comm, &n) != MPI_SUCCESS) n = 0;
    return n;
}

int snapf_comm_peers(MPI_Comm comm)
{
    int inter = 0, n = 0;
    PMPI_Comm_test_inter(comm, &inter);
    if (inter)
        PMPI_Comm_remote_size(comm, &n);
    else
        PMPI_Comm_size(comm, &n);
    return n;
}

/* MPI_Comm_spawn from Fortran. mpisnap refuses it (the C wrapper says why) while it is
 * active; otherwise it is MPI's own, strings and all. Hidden string lengths are size_t
 * (gfortran since version 8). */
typedef void spawn_f(char *, char *, MPI_Fint *, MPI_Fint *, MPI_Fint *, MPI_Fint *, MPI_Fint *, MPI_Fint *, MPI_Fint *,
                     size_t, size_t);
void snapf_Comm_spawn(char *command, char *argv, MPI_Fint *maxprocs, MPI_Fint *info, MPI_Fint *root, MPI_Fint *comm,
                      MPI_Fint *intercomm, MPI_Fint *errcodes, MPI_Fint *ierr, size_t command_len, size_t argv_len)
{
    if (snap_passthrough()) {
        spawn_f *next = (spawn_f *)dlsym(RTLD_NEXT, "ompi_comm_spawn_f");
        if (next) {
            next(command, argv, maxprocs, info, root, comm, intercomm, errcodes, ierr, command_len, argv_len);
            return;
        }
    }
    MPI_Comm inter = MPI_COMM_NULL;
    int rc = MPI_Comm_spawn("", MPI_ARGV_NULL, *maxprocs, PMPI_Info_f2c(*info), *root, PMPI_Comm_f2c(*comm), &inter,
                            MPI_ERRCODES_IGNORE);
    if (rc == MPI_SUCCESS) *intercomm = PMPI_Comm_c2f(inter);
    if (ierr) *ierr = rc;
}
SNAPF_ALIAS(mpi_comm_spawn_, snapf_Comm_spawn)
SNAPF_ALIAS(mpi_comm_spawn__, snapf_Comm_spawn)
SNAPF_ALIAS(mpi_comm_spawn, snapf_Comm_spawn)
SNAPF_ALIAS(MPI_COMM_SPAWN, snapf_Comm_spawn)
SNAPF_ALIAS(ompi_comm_spawn_f, snapf_Comm_spawn)
