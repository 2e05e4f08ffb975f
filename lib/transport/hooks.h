/*
 * hooks.h - how the transport reaches the engine: the handful of moments in a message's
 * life that the snapshot rules care about. The engine registers the functions at
 * MPI_Init (snap_hooks); the transport calls these inline wrappers, whose common case
 * (no snapshot concerns this message) is decided here without a call.
 *
 *   send      count_send (count.h): the header to stamp, the message counted as sent
 *   taken     a message was taken out of MPI: counted; the engine records it when it
 *             belongs to the channel state of the snapshot in progress
 *   deliver   before a message is handed to the application: a message of a newer
 *             snapshot makes this rank record first (the rule every protocol shares);
 *             then count_delivered
 *   wait      a blocking operation waits while serving snapshots (wait.h)
 */
#ifndef MPISNAP_HOOKS_H
#define MPISNAP_HOOKS_H

#include "count.h"

typedef struct snap_msg snap_msg; /* chan.h */

typedef struct snap_hook_table {
    /* a taken message that may belong to the channel state being recorded */
    void (*taken)(int src, const snap_msg *m);
    /* a message of a newer epoch than this rank's is about to be delivered */
    void (*newer)(uint32_t epoch);
    /* 1 when newer(epoch) would have to wait for control traffic: a caller inside the
     * engine's progress, which cannot serve it, keeps the message and tries later */
    int (*must_wait)(uint32_t epoch);
} snap_hook_table;
extern snap_hook_table snap_hooks;

/* A message from world rank src with header h was taken out of MPI (its payload is read
 * through m). Counts it; never delivers. */
static inline void snap_seen(int src, const wire_hdr *h, const snap_msg *m)
{
    if (SNAP_UNLIKELY(count_taken(src, h->epoch))) snap_hooks.taken(src, m);
}
/* Before handing a message of `epoch` to the application. */
static inline void snap_before_deliver(uint32_t epoch)
{
    if (SNAP_LIKELY(epoch <= snap_count.epoch)) return;
    snap_hooks.newer(epoch);
}
static inline int snap_deliver_must_wait(uint32_t epoch)
{
    return epoch > snap_count.epoch && snap_hooks.must_wait(epoch);
}

#endif
