/*
 * mpisnap.h - the whole public API of mpisnap.
 *
 * mpisnap takes consistent global snapshots of a running MPI job (every rank's state and
 * every message in transit) through the MPI profiling interface and writes one HDF5 file
 * per snapshot. A program needs none of these calls to be photographed: link it with
 * -lmpisnap or run it under `mpisnap-run`. The calls below let a program trigger
 * snapshots itself and register the memory a snapshot should contain.
 *
 * Every function returns MPISNAP_OK (0) on success or a negative mpisnap_err code;
 * mpisnap_strerror() turns a code into a one-line message. None of them may be called
 * before MPI_Init or after MPI_Finalize unless its comment says otherwise.
 */
#ifndef MPISNAP_H
#define MPISNAP_H

#include <mpi.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MPISNAP_VERSION_MAJOR  0
#define MPISNAP_VERSION_MINOR  1
#define MPISNAP_VERSION_PATCH  0
#define MPISNAP_VERSION_STRING "0.1.0"

/* Error codes: one table, so a code, its name and its message never drift apart. Only
 * codes a call returns are here (a failed allocation ends the job with a message; a
 * snapshot that cannot be written is reported on stderr and never fails the caller;
 * -2 and -6..-9 were such codes and are not reused). */
#define MPISNAP_ERRNO_MAP(X)                                      \
    X(OK, 0, "success")                                           \
    X(EINVAL, -1, "invalid argument")                             \
    X(ESTATE, -3, "called outside MPI_Init..MPI_Finalize")        \
    X(EEXIST, -4, "a region with this name is already protected") \
    X(ENOENT, -5, "no region with this name is protected")

typedef enum mpisnap_err {
#define MPISNAP_ERR_ENUM_(name, code, msg) MPISNAP_##name = (code),
    MPISNAP_ERRNO_MAP(MPISNAP_ERR_ENUM_)
#undef MPISNAP_ERR_ENUM_
} mpisnap_err;

/* A one-line message for an error code; never NULL, static storage. */
const char *mpisnap_strerror(int err);

/*
 * Ask for a snapshot. Any rank may call it at any time, without coordinating with the
 * others; requests made on several ranks at once produce one snapshot. When no snapshot
 * is in progress, this rank's state is recorded during the call (so the same call in a
 * deterministic program records the same state); otherwise the request is served by the
 * next snapshot. The call never waits for other ranks: the snapshot completes inside
 * their and this rank's following MPI calls. Returns MPISNAP_OK.
 */
int mpisnap_request(void);

/*
 * Register memory to be saved in every snapshot of this rank: `count` elements of
 * `type` (any committed MPI datatype, derived ones included) starting at `ptr`. The
 * name (at most 63 characters, unique per rank) is how the region appears in the file
 * (/ranks/<r>/regions/<name>). The library keeps the pointer, not a copy: the memory
 * must stay valid until mpisnap_unprotect() or MPI_Finalize. The datatype is
 * duplicated, so the caller may free its own handle.
 */
int mpisnap_protect(const char *name, void *ptr, int count, MPI_Datatype type);

/* Stop saving the region registered under `name`. */
int mpisnap_unprotect(const char *name);

/*
 * Declare a quantity the job conserves, so that `mpisnap-inspect check` can verify it:
 * the sum over all ranks of the int64 elements of region `region`, plus, for every
 * in-transit message of at least payload_offset+8 bytes, the int64 found at
 * `payload_offset` of its packed payload, must equal `total`. Call it on any rank
 * (rank 0 is enough); it is written to every snapshot file as attributes.
 */
int mpisnap_conserve(const char *region, int64_t total, int payload_offset);

/*
 * Mark a point where the application's registered state is complete and coherent
 * (typically the top of its main loop). Restartable snapshots are recorded here.
 * Cheap when no snapshot is pending: one load and one branch.
 */
int mpisnap_safepoint(void);

/* 1 if this run was restarted from a snapshot (MPISNAP_RESTART), else 0. */
int mpisnap_restarted(void);

/* Id of the newest snapshot this job has completed, 0 if none. */
long mpisnap_last_snapshot(void);

/*
 * Block (while serving snapshot traffic) until every snapshot that has been requested
 * so far anywhere in the job is complete. Collective over MPI_COMM_WORLD. Used by tests
 * and by programs that want a snapshot at a precise point. Returns the id of the newest
 * complete snapshot.
 */
long mpisnap_wait_all(void);

#ifdef __cplusplus
}
#endif
#endif /* MPISNAP_H */
