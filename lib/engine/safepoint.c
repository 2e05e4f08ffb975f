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
#include "safepoint.h"
#include "call.h"
#include "engine.h"
#include "pump.h"
#include "reqs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    int mode;         /* the application marks safe points: record there */
    uint32_t pending; /* snapshot to record at the next safe point, 0 if none */
    int initiator;
    double since; /* when pending was set, or the wait at the safe point began */
    int stuck_sent;
    uint32_t go;      /* newest snapshot every rank has recorded (the collector's GO) */
    int64_t count;    /* safe points passed (saved in every snapshot, restored on restart) */
    int64_t target;   /* the safe point every rank records `pending` at, -1 unknown */
    int64_t reported; /* the count this rank reported for the pending snapshot */
} sp = {.target = -1};

static void tell_collector(uint32_t type, uint32_t epoch);

static void set_pending(uint32_t e)
{
    sp.pending = e;
    pump_set(WORK_SAFEPOINT, e != 0);
}

/* The engine's questions (snap_sp_policy). */
static int sp_mode(void) { return sp.mode; }
static uint32_t sp_pending(void) { return sp.pending; }
static void sp_join(int initiator) { sp.initiator |= initiator; }

static void sp_begin(const char *trigger, int initiator)
{
    (void)trigger; /* recorded as "safepoint" */
    set_pending(snap_engine_recorded() + 1);
    sp.initiator = initiator;
    sp.since = snap_now();
    sp.stuck_sent = 0;
    sp.target = -1;
    if (initiator) /* every rank must head for a safe point */
        for (int j = 0; j < snap_job.nranks; j++)
            if (j != snap_job.rank) snap_ctl_send(j, CTL_STOP, sp.pending, 0, 0);
    sp.reported = sp.count;
    tell_collector(CTL_REACHED, sp.pending);
}

static void abandon(uint32_t epoch)
{
    if (epoch <= snap_engine_completed()) return;
    set_pending(0);
    sp.target = -1;
    snap_engine_abandon(epoch);
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
    if (epoch != sp.pending) return;
    sp.target = t;
}

static void col_reached_one(uint32_t epoch, int64_t count)
{
    if (!col_hear(epoch)) return;
    if (count + 1 > col_max) col_max = count + 1;
    if (col_decided || ++col_reached < snap_job.nranks) return;
    for (int j = 0; j < snap_job.nranks; j++)
        if (j != snap_job.rank) snap_ctl_send(j, CTL_TARGET, epoch, (uint64_t)col_max, 0);
    target(epoch, col_max);
}

static void col_broadcast(uint32_t type, uint32_t epoch)
{
    col_decided = 1;
    for (int j = 0; j < snap_job.nranks; j++)
        if (j != snap_job.rank) snap_ctl_send(j, type, epoch, 0, 0);
    if (type == CTL_GO)
        sp.go = epoch;
    else
        abandon(epoch);
}

static void col_recorded_one(uint32_t epoch)
{
    if (!col_hear(epoch)) return;
    if (!col_decided && ++col_recorded == snap_job.nranks) col_broadcast(CTL_GO, epoch);
}

static void col_stuck(uint32_t epoch, int who)
{
    if (!col_hear(epoch) || col_decided || epoch <= snap_engine_completed()) return;
    snap_log(SNAP_LOG_WARN,
             "snapshot %u abandoned: rank %d could not record it at a safe point (%d of %d "
             "ranks had recorded); the job goes on",
             epoch, who, col_recorded, snap_job.nranks);
    col_broadcast(CTL_ABANDON, epoch);
}

/* The proof is local: the collector must hear of it, or ranks that recorded e some other
 * way (an immediate snapshot of the same id, initiated at the same moment by a rank not
 * yet in safe-point mode) would wait for this one forever. */
static void sp_abandon_seen(uint32_t epoch)
{
    snap_log(SNAP_LOG_DEBUG, "snapshot %u: a message of it arrived before its GO: it was abandoned", epoch);
    tell_collector(CTL_STUCK, epoch);
    abandon(epoch);
}

static void on_ctl(int src, const ctl_msg *m)
{
    (void)src;
    switch (m->type) {
    case CTL_RECORDED: col_recorded_one(m->epoch); return;
    case CTL_STUCK: col_stuck(m->epoch, (int)m->a); return;
    case CTL_GO:
        if (m->epoch > sp.go) sp.go = m->epoch;
        return;
    case CTL_ABANDON: abandon(m->epoch); return;
    case CTL_STOP:
        /* STOP(e) while still active on e-1: e-1 was abandoned (e starts only after e-1 is
         * decided, and a complete e-1 needed this rank's part), the ABANDON is overtaken */
        if (snap_engine_recording() && m->epoch == snap_engine_recorded() + 1) abandon(snap_engine_recorded());
        if (m->epoch > snap_engine_recorded()) snap_trigger("safepoint", 0, 1);
        return;
    case CTL_REACHED: col_reached_one(m->epoch, (int64_t)m->b); return;
    case CTL_TARGET: target(m->epoch, (int64_t)m->a); return;
    }
}

static void tell_collector(uint32_t type, uint32_t epoch)
{
    if (snap_job.rank != SNAP_COLLECTOR) {
        snap_ctl_send(SNAP_COLLECTOR, type, epoch, (uint64_t)snap_job.rank, (uint64_t)sp.count);
        return;
    }
    if (type == CTL_RECORDED)
        col_recorded_one(epoch);
    else if (type == CTL_REACHED)
        col_reached_one(epoch, sp.count);
    else
        col_stuck(epoch, snap_job.rank);
}

static void ask_to_abandon(uint32_t e, const char *why)
{
    sp.stuck_sent = 1;
    snap_log(SNAP_LOG_WARN, "snapshot %u: %s; asking to abandon it", e, why);
    tell_collector(CTL_STUCK, e);
}

/* Wait at this safe point, serving snapshot traffic, until done() or the timeout
 * (then ask to abandon, once). */
static void wait_here(int (*done)(uint32_t), uint32_t e, const char *what)
{
    sp.since = snap_now();
    unsigned it = 0;
    while (!done(e)) {
        snap_progress();
        if ((++it & 1023u) || sp.stuck_sent || snap_job.cfg.sp_timeout <= 0) continue;
        double waited = snap_now() - sp.since;
        if (waited <= snap_job.cfg.sp_timeout) continue;
        char why[160];
        snprintf(why, sizeof why, "waited %.1f s at a safe point for %s", waited, what);
        ask_to_abandon(e, why);
    }
}

static int ended(uint32_t e) { return snap_engine_completed() >= e; } /* abandoned */
static int have_target(uint32_t e) { return ended(e) || sp.target >= 0; }
static int have_go(uint32_t e) { return ended(e) || sp.go >= e; }

/* A rank that does not reach its safe point in time: an application's wait loop that
 * lasts (every 1024th of its iterations) looks at the clock while a snapshot waits. */
static void spin(unsigned it)
{
    if (!sp.pending || sp.stuck_sent || snap_job.cfg.sp_timeout <= 0 || (it & 1023u)) return;
    double now = snap_now();
    if (now - sp.since < snap_job.cfg.sp_timeout) return;
    char why[160];
    snprintf(why, sizeof why, "in MPI_%s for %.1f s without reaching a safe point",
             snap_call.name ? snap_call.name : "?", now - sp.since);
    ask_to_abandon(sp.pending, why);
}

static void sp_unreachable(const char *where)
{
    if (!sp.pending || sp.stuck_sent) return;
    char why[160];
    snprintf(why, sizeof why, "%s before reaching a safe point", where);
    ask_to_abandon(sp.pending, why);
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
    sp.mode = 1;
    sp.count++;
    snap_progress();
    uint32_t e = sp.pending;
    if (!e || sp.stuck_sent) return;
    if (sp.target < 0) { /* target not known yet: beyond the report, it may be this one */
        if (sp.count <= sp.reported) return;
        wait_here(have_target, e, "the other ranks to report");
        if (ended(e) || sp.stuck_sent) return;
    }
    if (sp.count < sp.target) return; /* run on to the target */
    if (sp.count > sp.target) {       /* cannot happen: see the top of the file */
        snap_log(SNAP_LOG_ERROR, "internal: snapshot %u: past safe point %lld", e, (long long)sp.target);
        return;
    }
    int n = pending_requests();
    if (n) {
        char why[160];
        snprintf(why, sizeof why,
                 "%d application request%s pending at the safe point (a restart could not "
                 "recreate them)",
                 n, n > 1 ? "s" : "");
        ask_to_abandon(e, why);
        return;
    }
    set_pending(0);
    snap_record("safepoint", sp.initiator);
    tell_collector(CTL_RECORDED, e);
    wait_here(have_go, e, "every rank to record");
}

void snap_sp_restart_at(uint32_t epoch) { sp.go = epoch; }

static const snap_sp_policy policy = {sp_mode, sp_pending, sp_begin, sp_join, sp_abandon_seen, sp_unreachable};
/* its work comes through control messages and safe points; it only watches wait loops */
static const pump_client client = {.name = "safepoint", .spin = spin};

void snap_sp_init(void)
{
    static const uint32_t types[] = {CTL_RECORDED, CTL_GO, CTL_STUCK, CTL_ABANDON, CTL_STOP, CTL_REACHED, CTL_TARGET};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) ctl_on(types[i], on_ctl);
    snap_engine_policy(&policy);
    pump_register(&client);
    /* the safe-point count is part of every snapshot, so a restarted run goes on counting
     * where it stopped (restart.c restores it with the application's regions) */
    record_protect("mpisnap.safepoints", &sp.count, 1, MPI_INT64_T);
}
