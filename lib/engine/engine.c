/*
 * engine.c - the snapshot engine, common to every protocol.
 *
 * Epochs. A rank's epoch is the id of the newest snapshot it has recorded. Every
 * application message carries its sender's epoch (wire.h), so classification is exact
 * whatever order MPI delivers in: for snapshot e, a message is "before" (part of a
 * channel state, or already received) when its epoch is < e, and "after" otherwise.
 * The one rule all protocols share: a rank records e before it hands the application
 * any message of epoch e (the hook `newer`). No orphan can exist: a message received
 * in S_j was delivered before j recorded e, so its epoch is < e, so it was sent before
 * its sender recorded e.
 *
 * Counting closes channels (Mattern): the sender of channel i->j tells j how many
 * messages it had sent to j when it recorded e (all of epoch < e); j's channel is
 * final when it has taken that many messages of epoch < e out of MPI. Messages the
 * application has not asked for are drained into the held queue (xport_drain_from), so
 * completion never waits for the application. The channel state C_ij is every message
 * of epoch < e from i that j had not handed to the application when it recorded: the
 * held ones at that moment plus those taken out of MPI afterwards.
 *
 * One snapshot at a time: snapshot e+1 starts only after e is complete job-wide (the
 * collector's DONE), so several initiators asking at once all record the same e and
 * produce one snapshot, and a request made meanwhile is served by the next one.
 *
 * The states of a rank, and what moves it (rec: newest recorded, done: newest complete):
 *
 *   IDLE       rec == done      -- snap_record ------------------------> RECORDING
 *   RECORDING  rec == done + 1  -- every channel into it closed --------> SENT (part shipped)
 *   SENT       rec == done + 1  -- DONE(rec), or a marker/message of rec+1 -> IDLE
 *   RECORDING, SENT             -- abandoned (safe points) -------------> IDLE (the id used up)
 *
 * Beside the state: a snapshot this rank wants to initiate (want, started from IDLE), a
 * message of a newer epoch being held until control traffic says what it is (holding),
 * and a restarted run that takes no snapshot until its first safe point (restoring).
 * Each state shows in pump_work, so wait loops know without asking (pump.h).
 */
#include "engine.h"
#include "call.h"
#include "dtype.h"
#include "hooks.h"
#include "pump.h"
#include "wait.h"
#include "xport.h"

#include <stdlib.h>
#include <string.h>

typedef enum { ENG_IDLE, ENG_RECORDING, ENG_SENT } eng_phase;

static struct engine {
    const snap_proto *proto;
    const snap_sp_policy *sp;
    eng_phase phase;
    uint32_t rec, done;
    snap_cur *cur;
    const char *want; /* a snapshot this rank wants to initiate */
    int holding;      /* waiting to know what a newer epoch is */
    int restarted, restoring;
    unsigned record_call_seq; /* snap_call.seq when this rank last recorded */
    double last_record_t;     /* ... and when */
    /* counts that arrive before this rank records (it records at its next safe point)
     * are kept for the snapshot they belong to */
    uint64_t *early_count;
    uint8_t *early_have;
    uint32_t early_epoch;
} E;

void *snap_engine_state(size_t *size)
{
    *size = sizeof E;
    return &E;
}

/* The state as pump_work shows it. */
static void show(void)
{
    pump_set(WORK_RECORDING, E.phase == ENG_RECORDING);
    pump_set(WORK_WAITING, E.phase == ENG_SENT);
    snap_hold(SNAP_HELD_SENT, E.phase == ENG_SENT);
    pump_set(WORK_PENDING, E.want != NULL || E.holding);
    snap_count.recording = E.phase == ENG_RECORDING;
}

static int sp_mode(void) { return E.sp && E.sp->mode(); }
static uint32_t sp_pending(void) { return E.sp ? E.sp->pending() : 0; }

uint32_t snap_engine_recorded(void) { return E.rec; }
uint32_t snap_engine_completed(void) { return E.done; }
int snap_engine_recording(void) { return E.phase == ENG_RECORDING; }

/* ---- channel recording ---- */

/* Record m in the channel state; dt is the datatype of the receive it matched, or 0 /
 * MPI_DATATYPE_NULL when no receive has asked for it yet (then its values are unknown). */
static void cur_add_msg(snap_cur *c, const snap_msg *m, MPI_Datatype dt)
{
    if (c->nmsgs == c->capmsgs) {
        c->capmsgs = c->capmsgs ? 2 * c->capmsgs : 16;
        c->msgs = snap_xrealloc(c->msgs, c->capmsgs * sizeof *c->msgs);
    }
    if (c->plen + m->bytes > c->pcap) {
        c->pcap = 2 * (c->plen + m->bytes) + 256;
        c->payload = snap_xrealloc(c->payload, c->pcap);
    }
    sf_msg *s = &c->msgs[c->nmsgs];
    *s = (sf_msg){.src = m->src_world,
                  .dst = snap_job.rank,
                  .comm = m->comm_id,
                  .src_comm = m->src,
                  .tag = m->tag,
                  .epoch = m->hdr.epoch,
                  .order = c->nmsgs,
                  .bytes = m->bytes};
    s->data = (const uint8_t *)(uintptr_t)c->plen; /* an offset until the part is built */
    if (dt != 0 && dt != MPI_DATATYPE_NULL)
        snap_dt_describe(dt, s->datatype, sizeof s->datatype, s->signature, sizeof s->signature);
    if (m->bytes) chan_payload(m, c->payload + c->plen);
    c->plen += m->bytes;
    c->nmsgs++;
}

static void check_complete(void);

/* hook: a message of an older epoch taken out of MPI while recording (count.h). */
static void taken(int src, const snap_msg *m)
{
    snap_cur *c = E.cur;
    c->pre_seen[src]++;
    c->sum_seen++;
    cur_add_msg(c, m, m->dt);
}

/* Messages the library holds for the application at the instant of a record are in
 * transit from the application's point of view. */
static void add_held(const snap_msg *m, MPI_Datatype dt, void *arg)
{
    snap_cur *c = arg;
    if (m->hdr.epoch < c->epoch) cur_add_msg(c, m, dt);
}

static void set_expect(snap_cur *c, int src, uint64_t count)
{
    if (c->have_expect[src])
        c->sum_expect -= c->expect[src];
    else
        c->nhave++;
    c->expect[src] = count;
    c->have_expect[src] = 1;
    c->sum_expect += count;
}

static void keep_early(int src, uint32_t epoch, uint64_t count)
{
    if (!E.early_count) {
        E.early_count = snap_xcalloc((size_t)snap_job.nranks, sizeof *E.early_count);
        E.early_have = snap_xcalloc((size_t)snap_job.nranks, 1);
    }
    if (E.early_epoch != epoch) {
        memset(E.early_have, 0, (size_t)snap_job.nranks);
        E.early_epoch = epoch;
    }
    E.early_count[src] = count;
    E.early_have[src] = 1;
}

/* what snap_record and the channel recording allocated; record_free frees what
 * record_local added (regions, stacks, communicators) */
static void free_cur(void)
{
    snap_cur *c = E.cur;
    if (!c) return;
    record_free(c);
    free(c->sent);
    free(c->recvd);
    free(c->expect);
    free(c->have_expect);
    free(c->pre_seen);
    free(c->msgs);
    free(c->payload);
    free(c);
    E.cur = NULL;
}

void snap_record(const char *trigger, int initiator)
{
    if (E.rec != E.done) {
        /* Snapshot e+1 starts only once e is complete, so a marker or message of e+1
         * proves e complete even when the collector's DONE has not arrived yet. */
        if (E.phase == ENG_RECORDING || initiator) {
            snap_log(SNAP_LOG_ERROR, "internal: asked to record snapshot %u while %u is not complete", E.rec + 1,
                     E.rec);
            return;
        }
        snap_engine_done(E.rec);
    }
    int n = snap_job.nranks;
    snap_cur *c = snap_xcalloc(1, sizeof *c);
    c->epoch = E.rec + 1;
    c->n = n;
    c->initiator = initiator;
    c->trigger = trigger;
    c->t_record = E.last_record_t = snap_now();
    E.record_call_seq = snap_call.seq;
    c->sent = snap_xmalloc((size_t)n * sizeof(uint64_t));
    c->recvd = snap_xmalloc((size_t)n * sizeof(uint64_t));
    memcpy(c->sent, snap_count.sent, (size_t)n * sizeof(uint64_t));
    memcpy(c->recvd, snap_count.recvd, (size_t)n * sizeof(uint64_t));
    c->expect = snap_xcalloc((size_t)n, sizeof(uint64_t));
    c->have_expect = snap_xcalloc((size_t)n, 1);
    c->pre_seen = snap_xcalloc((size_t)n, sizeof(uint64_t));
    count_record(c->epoch, c->pre_seen);
    for (int i = 0; i < n; i++) c->sum_seen += c->pre_seen[i];
    record_local(c);
    xport_each_held(add_held, c);
    if (E.early_count && E.early_epoch == c->epoch)
        for (int i = 0; i < n; i++)
            if (E.early_have[i]) set_expect(c, i, E.early_count[i]);
    E.cur = c;
    E.rec = c->epoch;
    E.phase = ENG_RECORDING;
    set_expect(c, snap_job.rank, c->sent[snap_job.rank]); /* the channel to itself */
    show();
    snap_log(SNAP_LOG_DEBUG, "recorded snapshot %u (%s%s)", c->epoch, trigger, initiator ? ", initiator" : "");
    E.proto->on_record(c);
    check_complete();
}

void snap_trigger(const char *trigger, int initiator, int at_safepoint)
{
    if (sp_pending()) { /* part of the pending safe-point snapshot */
        E.sp->join(initiator);
        return;
    }
    if (!at_safepoint || !E.sp) {
        snap_record(trigger, initiator);
        return;
    }
    if (E.rec != E.done && E.phase != ENG_RECORDING) snap_engine_done(E.rec); /* e+1 proves e complete */
    if (E.rec != E.done) return;                                              /* served by the next snapshot */
    E.sp->begin(trigger, initiator);
}

/* hook: before delivering a message of a newer epoch. */
static int must_wait(uint32_t epoch) { return sp_mode() && !sp_pending() && epoch > E.rec; }

static void newer(uint32_t epoch)
{
    /* At safe points nobody sends a message of epoch e before every rank recorded e:
     * one reaching a rank that has not means e was abandoned. */
    if (sp_pending()) {
        E.sp->abandon_seen(epoch);
        return;
    }
    if (!sp_mode()) {
        snap_record("message", 0);
        return;
    }
    /* In safe-point mode with nothing pending, e is either an immediate snapshot (some
     * rank initiated it before its first safe point: its marker or notice will come) or
     * a safe-point one already abandoned (its STOP or ABANDON will come). Hold the
     * message until the control traffic says which; meanwhile this rank starts no
     * snapshot of its own (it would take that id). */
    E.holding = 1;
    show();
    while (epoch > E.rec && epoch > E.done && !sp_pending()) snap_progress();
    E.holding = 0;
    show();
    if (sp_pending() && epoch > E.rec) E.sp->abandon_seen(epoch);
}

void snap_engine_marker(int src, uint32_t epoch, uint64_t count)
{
    if (epoch <= E.done) return; /* an abandoned snapshot's marker */
    if (epoch > E.rec) snap_trigger("marker", 0, 0);
    if (src < 0 || src >= snap_job.nranks) return;
    if (E.phase != ENG_RECORDING || epoch != E.cur->epoch) {
        if (epoch == E.rec + 1)
            keep_early(src, epoch, count);
        else
            snap_log(SNAP_LOG_WARN, "ignored a count for snapshot %u from rank %d", epoch, src);
        return;
    }
    set_expect(E.cur, src, count);
    check_complete();
}

void snap_engine_total(uint32_t epoch, uint64_t total)
{
    snap_cur *c = E.cur;
    if (E.phase != ENG_RECORDING || epoch != c->epoch) return;
    c->expect_total = total;
    c->have_total = 1;
    check_complete();
}

/* Messages of older epochs still to come: per channel when every sender's count is
 * known (markers), in total when only the sum is (Lai-Yang's reduce-scatter); -1 while
 * it cannot be told yet. Since no channel can see more than its sender sent, a total
 * of 0 means every channel is final. Kept as running sums: O(1). */
static int64_t missing(const snap_cur *c)
{
    uint64_t expect = c->sum_expect;
    if (c->have_total)
        expect = c->expect_total;
    else if (c->nhave < c->n)
        return -1;
    return (int64_t)(expect - c->sum_seen);
}

static void check_complete(void)
{
    snap_cur *c = E.cur;
    if (E.phase != ENG_RECORDING) return;
    int64_t left = missing(c);
    if (left > 0 || left == -1) return;
    if (left < 0)
        snap_log(SNAP_LOG_ERROR, "internal: snapshot %u saw %lld more messages than were sent", c->epoch,
                 (long long)-left);
    E.phase = ENG_SENT;
    show();
    collect_send_part(c);
}

void snap_engine_done(uint32_t epoch)
{
    if (epoch <= E.done) return;
    E.done = epoch;
    free_cur();
    E.phase = ENG_IDLE;
    show();
    if (E.want) snap_async.attention = 1;
}

void snap_engine_abandon(uint32_t epoch)
{
    if (epoch <= E.done) return;
    int recorded = E.rec >= epoch;
    if (E.cur && E.cur->epoch == epoch) free_cur();
    E.phase = ENG_IDLE;
    E.rec = E.done = epoch; /* the id is used up */
    /* messages of epoch e seen before the abandon were counted as future; they are
     * now of this rank's epoch, before the next snapshot like any other */
    count_abandon(epoch);
    E.early_epoch = 0;
    show();
    collect_abandon(epoch);
    E.proto->on_abandon(epoch, recorded);
}

static void on_done(int src, const ctl_msg *m)
{
    (void)src;
    snap_engine_done(m->epoch);
}

void snap_engine_restart_at(uint32_t epoch)
{
    E.rec = E.done = epoch;
    E.restarted = E.restoring = 1;
}

void snap_engine_restored(void) { E.restoring = 0; }
int snap_engine_restarting(void) { return E.restoring; }
int snap_engine_is_restart(void) { return E.restarted; }

/* ---- progress ---- */

static void drain(void)
{
    snap_cur *c = E.cur;
    int64_t left = missing(c);
    if (left == 0) {
        check_complete();
        return;
    }
    if (c->have_total) {
        xport_drain_from(-1);
    } else {
        for (int i = 0; i < c->n; i++)
            if (c->have_expect[i] && c->pre_seen[i] < c->expect[i]) xport_drain_from(i);
    }
    xport_look_at_posted();
    check_complete();
}

/* A SIGUSR1 is one request however many times a rank gets it: a scheduler signals every
 * rank and the launcher, which passes it on a moment later. The signals of a burst
 * (within SNAP_SIGNAL_BURST_S of its first) are served by any snapshot this rank
 * recorded after the first. */
static int signal_served(void) { return E.last_record_t >= snap_async.sig_burst_t; }

static void take_triggers(void)
{
    snap_async.attention = 0;
    if (snap_async.sig) snap_async.sig = 0, E.want = signal_served() ? E.want : "signal";
    if (snap_async.timer) snap_async.timer = 0, E.want = E.want ? E.want : "interval";
    if (snap_async.api) snap_async.api = 0, E.want = E.want ? E.want : "request";
    if (snap_async.hang) {
        snap_async.hang = 0;
        /* one snapshot per hang: none if this rank recorded one since it entered the call */
        unsigned seq = snap_call.seq;
        if (snap_call.name && snap_call.hang_seq == seq && !snap_call.hang_reported && E.record_call_seq != seq) {
            snap_call.hang_reported = 1;
            snap_log(SNAP_LOG_WARN, "in MPI_%s for %.1f s: taking a snapshot (hang watchdog)", snap_call.name,
                     snap_now() - snap_call.seen_t);
            E.want = E.want ? E.want : "hang";
        }
    }
    if (snap_async.hang_repeat) {
        snap_async.hang_repeat = 0;
        /* MPISNAP_HANG_REPEAT: still in the call of the hang snapshot; one repeat per hang,
         * taken by the first rank to ask (the others have recorded it since) */
        double repeat = snap_job.cfg.hang_repeat;
        if (snap_call.name && snap_call.hang_seq == snap_call.seq && snap_now() - E.last_record_t >= repeat / 2) {
            snap_log(SNAP_LOG_WARN, "still in MPI_%s %.1f s later: taking a second snapshot (hang watchdog repeat)",
                     snap_call.name, repeat);
            E.want = E.want ? E.want : "hang-repeat";
        }
    }
}

/* Triggers are taken first in every progress pass, before control messages (a marker
 * recorded in the same pass must not hide a hang the watchdog saw first). */
static void triggers_poll(void)
{
    if (snap_async.attention) take_triggers();
}

static void poll(void)
{
    /* a restarted run takes no snapshot before its state is restored (first safe point) */
    if (E.want && E.rec == E.done && !snap_job.finalizing && !E.restoring && !E.holding) {
        const char *t = E.want;
        E.want = NULL;
        snap_trigger(t, 1, sp_mode());
    }
    show();
    if (E.proto->poll && (E.phase == ENG_RECORDING || (pump_work & WORK_PROTO))) E.proto->poll();
    if (E.phase == ENG_RECORDING) drain();
}

static const pump_client triggers = {.name = "triggers", .poll = triggers_poll};
static const pump_client client = {.name = "engine", .poll = poll};
static const snap_hook_table hooks = {taken, newer, must_wait};

void snap_engine_init(const snap_proto *proto)
{
    E.proto = proto;
    snap_hooks = hooks;
    count_init(snap_job.nranks);
    ctl_on(CTL_DONE, on_done);
    for (int i = 0; proto->ctl_types[i]; i++) ctl_on(proto->ctl_types[i], proto->on_ctl);
    pump_register_first(&triggers);
    pump_register(&client);
    collect_init(snap_engine_done);
}

void snap_engine_policy(const snap_sp_policy *sp) { E.sp = sp; }

void snap_engine_fini(void) { E.proto->fini(); /* before the private communicators go */ }

/* The library's own collective: max over ranks of what is pending (a wanted or
 * recorded snapshot not yet complete). Loops until nothing is pending anywhere. */
void snap_quiesce(void)
{
    for (;;) {
        snap_progress();
        /* collective: no rank reaches a safe point before every rank has left */
        if (sp_pending()) E.sp->unreachable(snap_job.finalizing ? "finalizing" : "in mpisnap_wait_all");
        if (snap_job.finalizing && E.want) {
            snap_log(SNAP_LOG_INFO, "a snapshot asked for during MPI_Finalize is not taken");
            E.want = NULL;
            show();
        }
        /* anything still to settle anywhere: a wanted snapshot, one recorded but not
         * complete, one waiting for a safe point, a protocol operation in flight, parts
         * on their way; a restarted run's trigger before its restore waits for it */
        int pending[2] = {(E.want != NULL && !E.restoring) || sp_pending() != 0 ||
                              (pump_work & (WORK_PROTO | WORK_COLLECT | WORK_COLLECTOR)) != 0,
                          (int)(E.rec - E.done)};
        int any[2];
        xport_max_start(pending, any, 2);
        unsigned it = 0;
        while (!xport_max_test())
            if ((++it & 31u) == 0) snap_progress(), snap_yield_if_waiting(it);
        if (!any[0] && !any[1]) return;
    }
}
