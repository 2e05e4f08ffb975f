/*
 * proto_cl.c - the Chandy-Lamport rules (MPISNAP_ALGO=cl).
 *
 * - A rank that records (it initiated, or a marker or a message of the new epoch
 *   reached it first) sends a marker to every other rank at once.
 * - The marker on channel i->j carries the number of messages i had sent to j when it
 *   recorded; j's channel state from i is final when it has taken that many messages of
 *   older epochs out of MPI.
 *
 * Which MPI guarantee this rests on: none about ordering. The textbook algorithm needs
 * FIFO channels so that "before the marker" means "sent before the record"; MPI does not
 * give that across tags, communicators or wildcard receives, and a marker on a private
 * communicator may overtake or be overtaken by application messages. Here the marker
 * only carries a count and spreads the snapshot; which side of the cut a message is on
 * is read from the epoch in its header (wire.h), and a message of the new epoch that
 * arrives before the marker makes the receiver record first (engine.c). Only reliable
 * delivery is assumed. Cost: N-1 markers per rank, N(N-1) per snapshot.
 */
#include "engine.h"

static void cl_on_record(const snap_cur *c)
{
    for (int j = 0; j < snap_job.nranks; j++)
        if (j != snap_job.rank) snap_ctl_send(j, CTL_MARKER, c->epoch, c->sent[j], 0);
}

static void cl_on_ctl(int src, const ctl_msg *m) { snap_engine_marker(src, m->epoch, m->a); }

/* Markers of an abandoned snapshot are ignored on arrival (engine.c): nothing to undo;
 * markers are reaped with the other control sends: nothing in flight of its own. */
static void cl_on_abandon(uint32_t epoch, int recorded) { (void)epoch, (void)recorded; }
static void cl_fini(void) {}

const snap_proto snap_proto_cl = {"cl", {CTL_MARKER}, cl_on_record, cl_on_ctl, NULL, cl_on_abandon, cl_fini};
