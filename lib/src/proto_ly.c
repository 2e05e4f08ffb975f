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

static MPI_Request ly_req = MPI_REQUEST_NULL;
static uint64_t ly_total;
static uint32_t ly_epoch;

/* Complete the previous snapshot's reduce-scatter before starting another (it may
 * belong to an abandoned snapshot that no one polls any more). */
static void ly_finish_previous(void)
{
    int flag = 0;
    while (ly_req != MPI_REQUEST_NULL && PMPI_Test(&ly_req, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && !flag)
        ;
    ly_req = MPI_REQUEST_NULL;
}

static void ly_on_record(uint32_t epoch)
{
    const snap_cur *c = snap_g.cur;
    ly_finish_previous();
    if (c->initiator)
        for (int j = 0; j < snap_g.nranks; j++)
            if (j != snap_g.rank) snap_ctl_send(j, CTL_NOTICE, epoch, 0, 0);
    ly_epoch = epoch;
    PMPI_Ireduce_scatter_block(c->sent, &ly_total, 1, MPI_UINT64_T, MPI_SUM, snap_g.pcomm, &ly_req);
}

static void ly_on_ctl(int src, const void *msg)
{
    const ctl_msg *m = msg;
    if (snap_sp_ctl(src, m)) return;
    if (m->type != CTL_NOTICE) {
        snap_log(SNAP_LOG_WARN, "ly: unexpected control message %u from rank %d", m->type, src);
        return;
    }
    if (m->epoch > snap_g.rec_epoch) snap_trigger("notice", 0, 0);
}

static void ly_poll(void)
{
    int flag = 0;
    if (ly_req == MPI_REQUEST_NULL) return;
    PMPI_Test(&ly_req, &flag, MPI_STATUS_IGNORE);
    if (flag) snap_engine_total(ly_epoch, ly_total);
}

/* The reduce-scatter is collective: a rank that never recorded the abandoned snapshot
 * still contributes (zeros), so the others' operation completes. */
static void ly_on_abandon(uint32_t epoch, int recorded)
{
    static uint64_t *zeros;
    if (recorded) return;
    ly_finish_previous();
    if (!zeros) zeros = snap_xcalloc((size_t)snap_g.nranks, sizeof *zeros);
    ly_epoch = epoch;
    PMPI_Ireduce_scatter_block(zeros, &ly_total, 1, MPI_UINT64_T, MPI_SUM, snap_g.pcomm, &ly_req);
}

/* A reduce-scatter still running (an abandoned snapshot's, which no one else polls):
 * MPI_Finalize waits, serving, until every rank has joined it. */
static int ly_busy(void)
{
    ly_poll(); /* a completion must reach the engine, not just be consumed */
    return ly_req != MPI_REQUEST_NULL;
}

const snap_proto snap_proto_ly = {"ly", ly_on_record, ly_on_ctl, ly_poll, ly_on_abandon, ly_busy, ly_finish_previous};
