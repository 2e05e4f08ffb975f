/*
 * proto_ly.c - the Lai-Yang rules (MPISNAP_ALGO=ly), with Mattern's counting.
 *
 * - Every message carries its sender's epoch (its "colour", an integer so snapshots
 *   repeat). A rank records when it initiates, or before it delivers the first message
 *   of a newer epoch (the engine's shared rule), whichever comes first.
 * - A rank that receives no such message learns of the snapshot from the initiator's
 *   notice (the seed's "empty message with the marker attached"), so silent ranks are
 *   included: an initiator sends one notice to every rank, O(N) messages.
 * - Lai-Yang alone cannot tell when a channel is complete. Counting fixes it: on
 *   recording, each rank contributes the vector of messages it had sent to each rank to
 *   a non-blocking MPI_Ireduce_scatter_block (sum) on a private communicator; rank j
 *   gets the total number of older-epoch messages sent to it and is final when it has
 *   taken that many out of MPI. A reduce-scatter costs O(N log N) messages in all,
 *   against N(N-1) markers for Chandy-Lamport, and needs no per-channel traffic.
 */
#include "engine.h"
#include "pump.h"
#include "xport.h"

static struct {
    int busy; /* a reduce-scatter in flight */
    uint64_t total;
    uint32_t epoch;
    uint64_t *zeros;
    uint64_t *contrib; /* the counts contributed: the record's copy may go while MPI reads */
} ly;

static void set_busy(int on)
{
    ly.busy = on;
    pump_set(WORK_PROTO, on);
}

/* Complete the previous snapshot's reduce-scatter before starting another (it may
 * belong to an abandoned snapshot that no one polls any more). */
static void ly_finish_previous(void)
{
    while (ly.busy && !xport_sum_test())
        ;
    set_busy(0);
}

static void ly_on_record(const snap_cur *c)
{
    ly_finish_previous();
    if (c->initiator)
        for (int j = 0; j < snap_job.nranks; j++)
            if (j != snap_job.rank) snap_ctl_send(j, CTL_NOTICE, c->epoch, 0, 0);
    ly.epoch = c->epoch;
    if (!ly.contrib) ly.contrib = snap_xmalloc((size_t)snap_job.nranks * sizeof *ly.contrib);
    memcpy(ly.contrib, c->sent, (size_t)snap_job.nranks * sizeof *ly.contrib);
    xport_sum_start(ly.contrib, &ly.total);
    set_busy(1);
}

static void ly_on_ctl(int src, const ctl_msg *m)
{
    (void)src;
    if (m->epoch > snap_engine_recorded()) snap_trigger("notice", 0, 0);
}

/* A completion must reach the engine, not just be consumed. */
static void ly_poll(void)
{
    if (!ly.busy || !xport_sum_test()) return;
    set_busy(0);
    snap_engine_total(ly.epoch, ly.total);
}

/* The reduce-scatter is collective: a rank that never recorded the abandoned snapshot
 * still contributes (zeros), so the others' operation completes. A reduce-scatter still
 * running (an abandoned snapshot's, which no one else polls) keeps WORK_PROTO set:
 * MPI_Finalize waits, serving, until every rank has joined it. */
static void ly_on_abandon(uint32_t epoch, int recorded)
{
    if (recorded) return;
    ly_finish_previous();
    if (!ly.zeros) ly.zeros = snap_xcalloc((size_t)snap_job.nranks, sizeof *ly.zeros);
    ly.epoch = epoch;
    xport_sum_start(ly.zeros, &ly.total);
    set_busy(1);
}

const snap_proto snap_proto_ly = {"ly",    {CTL_NOTICE},  ly_on_record,      ly_on_ctl,
                                  ly_poll, ly_on_abandon, ly_finish_previous};

/* For the simulated network (tests/sim): the plug-in's state, one per simulated rank. */
void *snap_proto_ly_state(size_t *size)
{
    *size = sizeof ly;
    return &ly;
}
