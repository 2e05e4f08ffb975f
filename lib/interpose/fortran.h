/*
 * fortran.h - what the Fortran entry points (wrap_f.c, generated) need to turn a
 * Fortran call into a C one and back.
 *
 * Open MPI's Fortran bindings call PMPI_* directly, so none of a Fortran program's
 * calls would reach mpisnap's C wrappers. mpisnap therefore exports its own Fortran
 * entry points, under every name a Fortran program (mpif.h, use mpi) or Open MPI's
 * mpi_f08 module calls them by, and each calls mpisnap's C MPI_X: one engine for C and
 * Fortran, the same counters, the same wire. Everything here follows the MPI standard's
 * rules for the Fortran bindings (MPI-3.1 §17.1): handles through MPI_X_f2c/c2f,
 * statuses through MPI_Status_c2f, 1-based indices, LOGICAL values, and Fortran's own
 * sentinels, which are addresses of Open MPI's common blocks rather than C constants.
 * Those symbol names are Open MPI's: this file and the names of gen_wrappers.py's
 * f_symbols() are what a port to another MPI changes on the Fortran side.
 */
#ifndef MPISNAP_FORTRAN_H
#define MPISNAP_FORTRAN_H

#include <mpi.h>

_Static_assert(sizeof(MPI_Fint) == sizeof(int), "MPI_Fint must be a C int (INTEGER arrays are passed as int arrays)");
_Static_assert(sizeof(MPI_Status) % sizeof(MPI_Fint) == 0, "MPI_Status must be MPI_STATUS_SIZE INTEGERs");
#define SNAPF_STATUS_SIZE ((int)(sizeof(MPI_Status) / sizeof(MPI_Fint)))

/* An exported alias of a Fortran entry point. */
#define SNAPF_ALIAS(name, target) extern __typeof__(target) name __attribute__((alias(#target), visibility("default")));

/* How the Fortran compiler represents .TRUE. (CMake asks it; gfortran: 1). A LOGICAL
 * read from Fortran is true when it is not .FALSE. (0), as Open MPI reads it. */
#ifndef SNAPF_TRUE_VALUE
#define SNAPF_TRUE_VALUE 1
#endif
#define SNAPF_TRUE       ((MPI_Fint)(SNAPF_TRUE_VALUE))
#define SNAPF_FALSE      ((MPI_Fint)0)
#define SNAPF_LOGICAL(x) ((x) != SNAPF_FALSE)

/* Fortran's sentinels: common blocks Open MPI's libmpi defines and mpif.h, the mpi
 * module and the mpi_f08 module all name, so one address each in the process. */
extern char mpi_fortran_bottom_[], mpi_fortran_in_place_[], mpi_fortran_status_ignore_[],
    mpi_fortran_statuses_ignore_[], mpi_fortran_unweighted_[], mpi_fortran_weights_empty_[];

static inline void *snapf_buf(void *p) { return p == (void *)mpi_fortran_bottom_ ? MPI_BOTTOM : p; }
static inline void *snapf_cbuf(void *p) /* a collective's buffer may also be MPI_IN_PLACE */
{
    return p == (void *)mpi_fortran_in_place_ ? MPI_IN_PLACE : snapf_buf(p);
}
static inline const int *snapf_weights(MPI_Fint *w)
{
    if (w == (MPI_Fint *)mpi_fortran_unweighted_) return MPI_UNWEIGHTED;
    if (w == (MPI_Fint *)mpi_fortran_weights_empty_) return MPI_WEIGHTS_EMPTY;
    return (const int *)w;
}
static inline int snapf_status_ignored(MPI_Fint *st) { return st == (MPI_Fint *)mpi_fortran_status_ignore_; }
/* Waitsome/Testsome's outcount as a number of entries (MPI_UNDEFINED: none). */
static inline int snapf_outcount(int n) { return n == MPI_UNDEFINED || n < 0 ? 0 : n; }

/* Arrays: up to 16 elements in the caller's `small`, more on the heap; the matching
 * *_out or free() releases what is not `small`. */
MPI_Request *snapf_reqs_in(const MPI_Fint *f, int n, MPI_Request *small);
/* Writes the C handles back (freed ones become MPI_REQUEST_NULL) and frees c. */
void snapf_reqs_out(MPI_Fint *f, MPI_Request *c, int n, MPI_Request *small);
MPI_Datatype *snapf_types_in(const MPI_Fint *f, int n, MPI_Datatype *small);
int *snapf_logicals(const MPI_Fint *f, int n, int *small);
/* NULL when f is Fortran's MPI_STATUSES_IGNORE. */
MPI_Status *snapf_statuses_alloc(MPI_Fint *f, int n, MPI_Status *small);
void snapf_statuses_out(MPI_Fint *f, const MPI_Status *c, int n);
void snapf_one_based(MPI_Fint *idx, int n);
int snapf_cartdim(MPI_Comm comm);    /* dimensions of a Cartesian communicator, 0 if none */
int snapf_comm_peers(MPI_Comm comm); /* ranks a collective exchanges with (remote group if inter) */

#endif
