/*
 * count.c - the counters (count.h): set-up, and the moves of the epoch; and the table of
 * the engine's hooks the transport calls (hooks.h), filled by the engine at MPI_Init.
 */
#include "hooks.h"

snap_counters snap_count;
snap_hook_table snap_hooks;

void count_init(int nranks)
{
    snap_count.sent = snap_xcalloc((size_t)nranks, sizeof(uint64_t));
    snap_count.recvd = snap_xcalloc((size_t)nranks, sizeof(uint64_t));
    snap_count.seen = snap_xcalloc((size_t)nranks, sizeof(uint64_t));
    snap_count.seen_future = snap_xcalloc((size_t)nranks, sizeof(uint64_t));
}

void count_record(uint32_t epoch, uint64_t *pre)
{
    for (int i = 0; i < snap_job.nranks; i++) {
        pre[i] = snap_count.seen[i] - snap_count.seen_future[i];
        snap_count.seen_future[i] = 0;
    }
    snap_count.epoch = epoch;
}

void count_abandon(uint32_t epoch)
{
    memset(snap_count.seen_future, 0, (size_t)snap_job.nranks * sizeof *snap_count.seen_future);
    snap_count.epoch = epoch;
    snap_count.recording = 0;
}

void count_restore(uint32_t epoch, const uint64_t *sent, const uint64_t *recvd)
{
    size_t n = (size_t)snap_job.nranks * sizeof(uint64_t);
    memcpy(snap_count.sent, sent, n);
    memcpy(snap_count.recvd, recvd, n);
    memcpy(snap_count.seen, recvd, n);
    snap_count.epoch = epoch;
}
