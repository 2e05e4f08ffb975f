/*
 * count.h - every application message is counted here, and only here.
 *
 * Per peer (world rank): messages the application sent to it, messages taken out of MPI
 * from it (by a receive or by the engine's drain), and messages handed to the
 * application. The epoch stamped on what this rank sends is the newest snapshot it has
 * recorded. The transport calls the inline functions on its per-message paths; the
 * engine reads the counters at a record and moves the epoch (count.c).
 */
#ifndef MPISNAP_COUNT_H
#define MPISNAP_COUNT_H

#include "snap.h"

typedef struct snap_counters {
    uint32_t epoch;        /* newest snapshot this rank recorded: stamped on its sends */
    int recording;         /* a snapshot is recording channel states into this rank */
    uint64_t *sent;        /* messages the application sent to j */
    uint64_t *recvd;       /* messages handed to the application from i */
    uint64_t *seen;        /* messages from i taken out of MPI */
    uint64_t *seen_future; /* ... of an epoch this rank has not recorded yet */
} snap_counters;
extern snap_counters snap_count;

/* The header of the next message to world rank wdest, counted as sent. */
static inline wire_hdr count_send(int wdest)
{
    return (wire_hdr){snap_count.epoch, (uint32_t)snap_count.sent[wdest]++ & ~WIRE_SYNC};
}
/* A message of `epoch` from world rank src was taken out of MPI. 1 when the engine must
 * look at it (it may belong to the channel state of the snapshot being recorded). */
static inline int count_taken(int src, uint32_t epoch)
{
    snap_count.seen[src]++;
    if (SNAP_UNLIKELY(epoch > snap_count.epoch)) {
        snap_count.seen_future[src]++;
        return 0;
    }
    return snap_count.recording && epoch < snap_count.epoch;
}
/* A message from world rank src was handed to the application. */
static inline void count_delivered(int src) { snap_count.recvd[src]++; }

void count_init(int nranks);
/* A record: messages from i taken before it, of older epochs (written into pre[i]); the
 * messages of newer epochs seen so far are of this rank's epoch from now on. */
void count_record(uint32_t epoch, uint64_t *pre);
/* A snapshot was abandoned: its id is used up, and messages of it seen so far are of
 * this rank's epoch now. */
void count_abandon(uint32_t epoch);
/* A restart: the counters of the snapshot's part, and its id as the epoch. */
void count_restore(uint32_t epoch, const uint64_t *sent, const uint64_t *recvd);

#endif
