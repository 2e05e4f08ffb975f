/*
 * comms.h - communicators the library knows, with job-wide ids (comms.c).
 */
#ifndef MPISNAP_COMMS_H
#define MPISNAP_COMMS_H

#include "snap.h"

typedef struct snap_comm {
    MPI_Comm comm;
    int32_t id; /* job-wide id, agreed at creation */
    int size, rank;
    int *world;     /* world rank of each comm rank */
    uint64_t colls; /* collectives this rank has entered on it (wait-for graphs) */
} snap_comm;
void snap_comms_init(void);
snap_comm *snap_comm_find(MPI_Comm comm);             /* NULL if not known */
static inline snap_comm *snap_comm_get(MPI_Comm comm) /* the same, the last one found at once */
{
    extern snap_comm *snap_comm_last;
    if (SNAP_LIKELY(snap_comm_last->comm == comm && comm != MPI_COMM_NULL)) return snap_comm_last;
    return snap_comm_find(comm);
}
int snap_comm_register(MPI_Comm comm); /* collective over comm; MPI error code */
void snap_comm_forget(MPI_Comm comm);
/* Modules that keep something per communicator hear of creations (the job-wide id is
 * agreed) and frees (MPI_COMM_NULL: MPI_Finalize) as events; up to 4 observers. */
typedef struct snap_comm_observer {
    void (*created)(int32_t id, MPI_Comm comm);
    void (*freed)(MPI_Comm comm);
} snap_comm_observer;
void snap_comm_observe(const snap_comm_observer *o);
void snap_comms_fini(void); /* MPI_Finalize: every observer hears freed(NULL) */
/* Iterate known communicators: returns the i-th or NULL past the end. */
snap_comm *snap_comm_at(int i);

#endif
