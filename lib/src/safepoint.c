/*
 * safepoint.c - restartable snapshots, recorded at the application's safe points.
 *
 * A library cannot save a program counter, so a snapshot a job can restart from records
 * each rank at a point the application marks (mpisnap_safepoint(), typically the top of
 * its main loop). Once a rank has marked a safe point, every snapshot it takes part in
 * is recorded at one, and all ranks record at the SAME safe point, counted from the
 * start of the run (iterative codes call it once per iteration on every rank):
 *
 *  1. the initiator tells every rank (STOP); a rank reports how many safe points it
 *     has entered as soon as it learns of snapshot e (REACHED), and runs on;
 *  2. the collector takes the largest count plus one, T, and announces it (TARGET).
 *     No rank can have passed T, because a rank that does not know T yet stops at the
 *     first safe point after its report until it does. Reporting at once matters: a
 *     rank that stopped before reporting could hold up one that is ahead of it and
 *     needs its messages to reach a safe point (a ring of MPI_Sendrecv). Each rank runs
 *     on to safe point T — reaching it needs only messages the others sent before
 *     their own safe point T, so no one waits for a rank stopped there — records at T,
 *     reports RECORDED and waits there;
 *  3. when all have recorded the collector says GO. No rank sends a message of epoch e
 *     before every rank has recorded e, so nothing sent after a safe point reaches a
 *     rank that has not recorded: what restart needs. Channel states, counting and
 *     draining are the engine's, as for any snapshot.
 *
 * Abandon. A rank that cannot reach its next safe point within MPISNAP_SAFEPOINT_TIMEOUT
 * (blocked in MPI on something only a stopped rank would send, or finalizing), or that
 * waits that long at one, reports STUCK; so does a rank with application requests
 * pending at its safe point (they would not exist after a restart). The collector
 * decides once per snapshot — GO when every rank recorded first, ABANDON otherwise — so
 * the two never both happen. On ABANDON every rank drops what it recorded, the id is
 * used up, no file is written, and the job goes on.
 */
#include "engine.h"
#include "reqs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLLECTOR 0

static void tell_collector(uint32_t type, uint32_t epoch);
static int64_t sp_reported; /* the count this rank reported for the pending snapshot */

void snap_trigger(const char *trigger, int initiator, int at_safepoint)
{
    if (snap_g.sp_pending) { /* part of the pending safe-point snapshot */
        snap_g.sp_initiator |= initiator;
        return;
    }
    if (!at_safepoint) {
        snap_record(trigger, initiator);
        return;
    }
    if (snap_g.rec_epoch != snap_g.done_epoch && !snap_g.active) /* e+1 proves e complete */
        snap_engine_done(snap_g.rec_epoch);
    if (snap_g.rec_epoch != snap_g.done_epoch) return; /* served by the next snapshot */
    snap_g.sp_pending = snap_g.rec_epoch + 1;
    snap_g.sp_trigger = trigger;
    snap_g.sp_initiator = initiator;
    snap_g.sp_since = snap_now();
    snap_g.sp_stuck_sent = 0;
    snap_g.sp_target = -1;
    if (initiator) /* every rank must head for a safe point */
        for (int j = 0; j < snap_g.nranks; j++)
            if (j != snap_g.rank) snap_ctl_send(j, CTL_STOP, snap_g.sp_pending, 0, 0);
    sp_reported = snap_g.sp_count;
    tell_collector(CTL_REACHED, snap_g.sp_pending);
}

static void abandon(uint32_t epoch)
{
    if (epoch <= snap_g.done_epoch) return;
    int recorded = snap_g.rec_epoch >= epoch;
    if (snap_g.cur && snap_g.cur->epoch == epoch) {
        record_free(snap_g.cur);
        free(snap_g.cur);
        snap_g.cur = NULL;
    }
    snap_g.active = 0;
    snap_g.rec_epoch = snap_g.done_epoch = epoch; /* the id is used up */
    /* messages of epoch e seen before the abandon were counted as future; they are
     * now of this rank's epoch, before the next snapshot like any other */
    memset(snap_g.seen_future, 0, (size_t)snap_g.nranks * sizeof *snap_g.seen_future);
    snap_g.sp_pending = 0;
    snap_g.sp_target = -1;
    snap_engine_forget_early();
    collect_abandon(epoch);
    snap_g.proto->on_abandon(epoch, recorded);
}


/* The collector's single decision per snapshot: GO or ABANDON; and the target. */
static uint32_t col_epoch;
static int col_recorded, col_reached, col_decided;
static int64_t col_max;

/* 0 for news of an older snapshot than the one being decided (a late REACHED or STUCK
 * of one already abandoned), which must not reset the count of the newer one. */
static int col_hear(uint32_t epoch)
{
    if (epoch < col_epoch) return 0;
    if (epoch == col_epoch) return 1;
    col_epoch = epoch;
    col_recorded = col_reached = col_decided = 0;
    col_max = -1;
    return 1;
}

static void target(uint32_t epoch, int64_t t)
{
    if (epoch != snap_g.sp_pending) return;
    snap_g.sp_target = t;
    snap_g.sp_target_epoch = epoch;
}

static void col_reached_one(uint32_t epoch, int64_t count)
{
    if (!col_hear(epoch)) return;
    if (count + 1 > col_max) col_max = count + 1;
    if (col_decided || ++col_reached < snap_g.nranks) return;
    for (int j = 0; j < snap_g.nranks; j++)
        if (j != snap_g.rank) snap_ctl_send(j, CTL_TARGET, epoch, (uint64_t)col_max, 0);
    target(epoch, col_max);
}

static void col_broadcast(uint32_t type, uint32_t epoch)
{
    col_decided = 1;
    for (int j = 0; j < snap_g.nranks; j++)
        if (j != snap_g.rank) snap_ctl_send(j, type, epoch, 0, 0);
    if (type == CTL_GO) snap_g.sp_go = epoch;
    else abandon(epoch);
}

static void col_recorded_one(uint32_t epoch)
{
    if (!col_hear(epoch)) return;
    if (!col_decided && ++col_recorded == snap_g.nranks) col_broadcast(CTL_GO, epoch);
}

static void col_stuck(uint32_t epoch, int who)
{
    if (!col_hear(epoch) || col_decided || epoch <= snap_g.done_epoch) return;
    snap_log(SNAP_LOG_WARN, "snapshot %u abandoned: rank %d could not record it at a safe point (%d of %d "
             "ranks had recorded); the job goes on", epoch, who, col_recorded, snap_g.nranks);
    col_broadcast(CTL_ABANDON, epoch);
}

/* The proof is local: the collector must hear of it, or ranks that recorded e some other
 * way (an immediate snapshot of the same id, initiated at the same moment by a rank not
 * yet in safe-point mode) would wait for this one forever. */
void snap_sp_abandon_seen(uint32_t epoch)
{
    snap_log(SNAP_LOG_DEBUG, "snapshot %u: a message of it arrived before its GO: it was abandoned", epoch);
    tell_collector(CTL_STUCK, epoch);
    abandon(epoch);
}

int snap_sp_ctl(int src, const ctl_msg *m)
{
    switch (m->type) {
    case CTL_RECORDED: col_recorded_one(m->epoch); return 1;
    case CTL_STUCK: col_stuck(m->epoch, (int)m->a); return 1;
    case CTL_GO: if (m->epoch > snap_g.sp_go) snap_g.sp_go = m->epoch; return 1;
    case CTL_ABANDON: abandon(m->epoch); return 1;
    case CTL_STOP:
        /* STOP(e) while still active on e-1: e-1 was abandoned (e starts only after e-1 is
         * decided, and a complete e-1 needed this rank's part), the ABANDON is overtaken */
        if (snap_g.active && m->epoch == snap_g.rec_epoch + 1) abandon(snap_g.rec_epoch);
        if (m->epoch > snap_g.rec_epoch) snap_trigger("safepoint", 0, 1);
        return 1;
    case CTL_REACHED: col_reached_one(m->epoch, (int64_t)m->b); return 1;
    case CTL_TARGET: target(m->epoch, (int64_t)m->a); return 1;
    }
    return 0;
}

static void tell_collector(uint32_t type, uint32_t epoch)
{
    if (snap_g.rank != COLLECTOR) {
        snap_ctl_send(COLLECTOR, type, epoch, (uint64_t)snap_g.rank, (uint64_t)snap_g.sp_count);
        return;
    }
    if (type == CTL_RECORDED) col_recorded_one(epoch);
    else if (type == CTL_REACHED) col_reached_one(epoch, snap_g.sp_count);
    else col_stuck(epoch, snap_g.rank);
}

/* Wait at this safe point, serving snapshot traffic, until done() or the timeout
 * (then ask to abandon, once). */
static void wait_here(int (*done)(uint32_t), uint32_t e, const char *what)
{
    snap_g.sp_since = snap_now();
    unsigned it = 0;
    while (!done(e)) {
        snap_progress();
        if ((++it & 1023u) || snap_g.sp_stuck_sent || snap_g.cfg.sp_timeout <= 0) continue;
        double waited = snap_now() - snap_g.sp_since;
        if (waited <= snap_g.cfg.sp_timeout) continue;
        snap_g.sp_stuck_sent = 1;
        snap_log(SNAP_LOG_WARN, "snapshot %u: waited %.1f s at a safe point for %s; asking to abandon it", e,
                 waited, what);
        tell_collector(CTL_STUCK, e);
    }
}

static int ended(uint32_t e) { return snap_g.done_epoch >= e; } /* abandoned */
static int have_target(uint32_t e) { return ended(e) || snap_g.sp_target >= 0; }
static int have_go(uint32_t e) { return ended(e) || snap_g.sp_go >= e; }

void snap_sp_spin(double now)
{
    if (!snap_g.sp_pending || snap_g.sp_stuck_sent || snap_g.cfg.sp_timeout <= 0) return;
    if (now - snap_g.sp_since < snap_g.cfg.sp_timeout) return;
    char why[160];
    snprintf(why, sizeof why, "in MPI_%s for %.1f s without reaching a safe point",
             snap_g.call ? snap_g.call : "?", now - snap_g.sp_since);
    snap_g.sp_stuck_sent = 1;
    snap_log(SNAP_LOG_WARN, "snapshot %u: %s; asking to abandon it", snap_g.sp_pending, why);
    tell_collector(CTL_STUCK, snap_g.sp_pending);
}

void snap_sp_unreachable(const char *where)
{
    if (!snap_g.sp_pending || snap_g.sp_stuck_sent) return;
    snap_log(SNAP_LOG_WARN, "snapshot %u: %s before reaching a safe point; asking to abandon it", snap_g.sp_pending,
             where);
    snap_g.sp_stuck_sent = 1;
    tell_collector(CTL_STUCK, snap_g.sp_pending);
}

static void count_active(snap_req *r, void *arg)
{
    if (!(r->persistent && r->state == RS_INACTIVE && !r->held)) (*(int *)arg)++;
}

static int pending_requests(void)
{
    int n = 0;
    if (reqs_count) reqs_each(count_active, &n);
    return n;
}

/* mpisnap_safepoint(): take part in a pending snapshot (see the top of the file). */
void snap_safepoint(void)
{
    snap_g.sp_mode = 1;
    snap_g.sp_count++;
    snap_progress();
    uint32_t e = snap_g.sp_pending;
    if (!e || snap_g.sp_stuck_sent) return;
    if (snap_g.sp_target < 0) { /* target not known yet: beyond the report, it may be this one */
        if (snap_g.sp_count <= sp_reported) return;
        wait_here(have_target, e, "the other ranks to report");
        if (ended(e) || snap_g.sp_stuck_sent) return;
    }
    if (snap_g.sp_count < snap_g.sp_target) return; /* run on to the target */
    if (snap_g.sp_count > snap_g.sp_target) {        /* cannot happen: see the top of the file */
        snap_log(SNAP_LOG_ERROR, "internal: snapshot %u: past safe point %lld", e, (long long)snap_g.sp_target);
        return;
    }
    int n = pending_requests();
    if (n) {
        snap_g.sp_stuck_sent = 1;
        snap_log(SNAP_LOG_WARN, "snapshot %u: %d application request%s pending at the safe point (a restart could "
                 "not recreate them); asking to abandon it", e, n, n > 1 ? "s" : "");
        tell_collector(CTL_STUCK, e);
        return;
    }
    snap_g.sp_pending = 0;
    snap_record("safepoint", snap_g.sp_initiator);
    tell_collector(CTL_RECORDED, e);
    wait_here(have_go, e, "every rank to record");
}
