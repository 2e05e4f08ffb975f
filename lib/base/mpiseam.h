/*
 * mpiseam.h - what the library needs from the MPI implementation beyond the standard,
 * in one place. ompi.c provides it for Open MPI; a port to another MPI (MPICH is next)
 * provides this file's functions and nothing else changes. Each has a standard-only
 * fallback, slower or weaker, named below; docs/DESIGN.md ("Porting") says more.
 */
#ifndef MPISNAP_MPISEAM_H
#define MPISNAP_MPISEAM_H

#include "snap.h"

/* A function MPI's progress engine calls on every pass of its own wait loops, so a rank
 * blocked in MPI_Wait notices a trigger or a control message without spinning in the
 * library. 0 on success; -1 when the MPI offers none (then waits are test loops). */
int seam_progress_register(int (*cb)(void));
void seam_progress_unregister(int (*cb)(void));

/* A send MPI completed inline: Open MPI hands out one shared, static request for those,
 * so such a request handle is not unique (fallback: MPI_Request_get_status). */
extern MPI_Request seam_req_empty;
extern int seam_req_empty_known;
int seam_sent_at_once_slow(MPI_Request r);
static inline int seam_sent_at_once(MPI_Request r)
{
    if (SNAP_LIKELY(seam_req_empty_known && seam_req_empty)) return r == seam_req_empty;
    return seam_sent_at_once_slow(r);
}

/* Is this process world rank 0, as the launcher says, before MPI_Init? (1 if unknown) */
int seam_launcher_rank0(void);
/* Why MPI_Init did not reach the library, as far as the process shows it. */
const char *seam_why_unseen(void);

/* Status fields without MPI calls on the per-message path: Open MPI's status carries
 * the received byte count and the cancelled flag in plain fields; other MPIs go through
 * the standard calls. */
static inline MPI_Count st_bytes(const MPI_Status *st)
{
#ifdef OPEN_MPI
    return (MPI_Count)st->_ucount;
#else
    MPI_Count n = 0;
    PMPI_Get_elements_x(st, MPI_BYTE, &n);
    return n;
#endif
}

static inline void st_set_bytes(MPI_Status *st, MPI_Count n)
{
#ifdef OPEN_MPI
    st->_ucount = (size_t)n;
#else
    PMPI_Status_set_elements_x(st, MPI_BYTE, n);
#endif
}

static inline int st_cancelled(const MPI_Status *st)
{
#ifdef OPEN_MPI
    return st->_cancelled;
#else
    int flag = 0;
    PMPI_Test_cancelled(st, &flag);
    return flag;
#endif
}

#endif
