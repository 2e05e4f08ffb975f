/*
 * engine.c - the snapshot engine, common to every protocol.
 *
 * Epochs. A rank's epoch is the id of the newest snapshot it has recorded. Every
 * application message carries its sender's epoch (wire.h), so classification is exact
 * whatever order MPI delivers in: for snapshot e, a message is "before" (part of a
 * channel state, or already received) when its epoch is < e, and "after" otherwise.
 * The one rule all protocols share: a rank records e before it hands the application
 * any message of epoch e (snap_before_deliver). No orphan can exist: a message received
 * in S_j was delivered before j recorded e, so its epoch is < e, so it was sent before
 * its sender recorded e.
 *
 * Counting closes channels (Mattern): the sender of channel i->j tells j how many
 * messages it had sent to j when it recorded e (all of epoch < e); j's channel is
 * final when it has taken that many messages of epoch < e out of MPI. Messages the
 * application has not asked for are drained into the held queue (wire_drain_from), so
 * completion never waits for the application. The channel state C_ij is every message
 * of epoch < e from i that j had not handed to the application when it recorded: the
 * held ones at that moment plus those taken out of MPI afterwards.
 *
 * One snapshot at a time: snapshot e+1 starts only after e is complete job-wide (the
 * collector's DONE), so several initiators asking at once all record the same e and
 * produce one snapshot, and a request made meanwhile is served by the next one.
 */
#include "engine.h"
#include "reqs.h"
#include "wire.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

snap_state snap_g;

static ctl_msg ctl_in;
static MPI_Request ctl_req = MPI_REQUEST_NULL;
static MPI_Status ctl_st;
static int ctl_ready; /* ctl_req completed inside snap_wait's MPI_Waitany; ctl_st is its status */
static const char *want_trigger; /* a snapshot this rank wants to initiate */
static void wake_init(void);
static void wake_fini(void);

/* (Re)post the control receive. Its type field is cleared first: the progress
 * callback reads it to see that a control message has arrived (see wake_cb). */
static void ctl_post(void)
{
    ctl_in.type = 0;
    PMPI_Irecv(&ctl_in, sizeof ctl_in, MPI_BYTE, MPI_ANY_SOURCE, TAG_CTL, snap_g.ctl, &ctl_req);
}

/* Control sends in flight, each in its own allocation: its buffer must not move. */
typedef struct ctl_out {
    MPI_Request req;
    ctl_msg m;
} ctl_out;
static ctl_out **outs;
static int nouts, capouts;

void snap_ctl_send(int dest, uint32_t type, uint32_t epoch, uint64_t a, uint64_t b)
{
    if (nouts == capouts) {
        capouts = capouts ? 2 * capouts : 64;
        outs = snap_xrealloc(outs, (size_t)capouts * sizeof *outs);
    }
    ctl_out *o = snap_xmalloc(sizeof *o);
    o->m = (ctl_msg){type, epoch, a, b};
    if (PMPI_Isend(&o->m, sizeof o->m, MPI_BYTE, dest, TAG_CTL, snap_g.ctl, &o->req) != MPI_SUCCESS) {
        snap_log(SNAP_LOG_ERROR, "cannot send a control message to rank %d", dest);
        free(o);
        return;
    }
    outs[nouts++] = o;
}

static void reap_ctl(void)
{
    for (int i = 0; i < nouts;) {
        int flag = 0;
        PMPI_Test(&outs[i]->req, &flag, MPI_STATUS_IGNORE);
        if (flag) {
            free(outs[i]);
            outs[i] = outs[--nouts];
        } else {
            i++;
        }
    }
}

void snap_engine_init(void)
{
    int n = snap_g.nranks;
    snap_g.app_sent = snap_xcalloc((size_t)n, sizeof(uint64_t));
    snap_g.app_recvd = snap_xcalloc((size_t)n, sizeof(uint64_t));
    snap_g.seen_total = snap_xcalloc((size_t)n, sizeof(uint64_t));
    snap_g.seen_future = snap_xcalloc((size_t)n, sizeof(uint64_t));
    snap_g.proto = strcmp(snap_g.cfg.algo, "ly") ? &snap_proto_cl : &snap_proto_ly;
    ctl_post();
    collect_init();
    wake_init();
}

void snap_engine_fini(void)
{
    snap_g.proto->fini(); /* before the private communicators go */
    wake_fini();
    if (ctl_req != MPI_REQUEST_NULL) {
        PMPI_Cancel(&ctl_req);
        PMPI_Wait(&ctl_req, MPI_STATUS_IGNORE);
    }
    while (nouts) reap_ctl();
    collect_reap();
}

/* ---- channel recording ---- */

static void cur_add_msg(snap_cur *c, const snap_msg *m)
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
    *s = (sf_msg){.src = m->src_world, .dst = snap_g.rank, .comm = m->comm_id, .src_comm = m->src, .tag = m->tag,
                  .epoch = m->hdr.epoch, .order = c->nmsgs, .bytes = m->bytes};
    s->data = (const uint8_t *)(uintptr_t)c->plen; /* an offset until the part is built */
    if (m->bytes) chan_payload(m, c->payload + c->plen);
    c->plen += m->bytes;
    c->nmsgs++;
}

void snap_seen(int src, const wire_hdr *h, const snap_msg *m)
{
    snap_g.seen_total[src]++;
    if (h->epoch > snap_g.rec_epoch) {
        snap_g.seen_future[src]++;
        return;
    }
    snap_cur *c = snap_g.cur;
    if (snap_g.active && h->epoch < c->epoch) {
        c->pre_seen[src]++;
        cur_add_msg(c, m);
    }
}

/* Messages the library holds for the application at the instant of a record are in
 * transit from the application's point of view. */
static void add_held_req(snap_req *r, void *arg)
{
    snap_cur *c = arg;
    const snap_msg *m = r->held ? r->held : (r->kind == RQ_RECV && r->state == RS_SEEN && r->msg.src_world >= 0 ? &r->msg : NULL);
    if (m && m->hdr.epoch < c->epoch) cur_add_msg(c, m);
}

/* Counts that arrive before this rank records (it records at its next safe point)
 * are kept for the snapshot they belong to. */
static uint64_t *early_count;
static uint8_t *early_have;
static uint32_t early_epoch;

static void keep_early(int src, uint32_t epoch, uint64_t count)
{
    if (!early_count) {
        early_count = snap_xcalloc((size_t)snap_g.nranks, sizeof *early_count);
        early_have = snap_xcalloc((size_t)snap_g.nranks, 1);
    }
    if (early_epoch != epoch) {
        memset(early_have, 0, (size_t)snap_g.nranks);
        early_epoch = epoch;
    }
    early_count[src] = count;
    early_have[src] = 1;
}

void snap_engine_forget_early(void) { early_epoch = 0; }

static void check_complete(void);

void snap_record(const char *trigger, int initiator)
{
    if (snap_g.rec_epoch != snap_g.done_epoch) {
        /* Snapshot e+1 starts only once e is complete, so a marker or message of e+1
         * proves e complete even when the collector's DONE has not arrived yet. */
        if (snap_g.active || initiator) {
            snap_log(SNAP_LOG_ERROR, "internal: asked to record snapshot %u while %u is not complete",
                     snap_g.rec_epoch + 1, snap_g.rec_epoch);
            return;
        }
        snap_engine_done(snap_g.rec_epoch);
    }
    int n = snap_g.nranks;
    snap_cur *c = snap_xcalloc(1, sizeof *c);
    c->epoch = snap_g.rec_epoch + 1;
    c->n = n;
    c->initiator = initiator;
    c->trigger = trigger;
    c->t_record = snap_g.last_record_t = snap_now();
    snap_g.record_call_seq = snap_g.call_seq;
    c->expect = snap_xcalloc((size_t)n, sizeof(uint64_t));
    c->have_expect = snap_xcalloc((size_t)n, 1);
    c->pre_seen = snap_xcalloc((size_t)n, sizeof(uint64_t));
    for (int i = 0; i < n; i++) {
        c->pre_seen[i] = snap_g.seen_total[i] - snap_g.seen_future[i];
        snap_g.seen_future[i] = 0;
    }
    record_local(c);
    for (snap_msg *m = wire_held.head; m; m = m->next)
        if (m->hdr.epoch < c->epoch) cur_add_msg(c, m);
    if (reqs_count) reqs_each(add_held_req, c);

    if (early_count && early_epoch == c->epoch)
        for (int i = 0; i < n; i++)
            if (early_have[i]) {
                c->expect[i] = early_count[i];
                c->have_expect[i] = 1;
            }
    snap_g.cur = c;
    snap_g.rec_epoch = c->epoch;
    snap_g.active = 1;
    c->expect[snap_g.rank] = c->sent[snap_g.rank]; /* the channel to itself */
    c->have_expect[snap_g.rank] = 1;
    snap_log(SNAP_LOG_DEBUG, "recorded snapshot %u (%s%s)", c->epoch, trigger, initiator ? ", initiator" : "");
    snap_g.proto->on_record(c->epoch);
    check_complete();
}

static int holding_newer; /* snap_before_deliver waits to know what a newer epoch is */

int snap_deliver_must_wait(uint32_t epoch)
{
    return epoch > snap_g.rec_epoch && snap_g.sp_mode && !snap_g.sp_pending;
}

void snap_before_deliver(uint32_t epoch)
{
    if (SNAP_LIKELY(epoch <= snap_g.rec_epoch)) return;
    /* At safe points nobody sends a message of epoch e before every rank recorded e:
     * one reaching a rank that has not means e was abandoned. */
    if (snap_g.sp_pending) {
        snap_sp_abandon_seen(epoch);
        return;
    }
    if (!snap_g.sp_mode) {
        snap_record("message", 0);
        return;
    }
    /* In safe-point mode with nothing pending, e is either an immediate snapshot (some
     * rank initiated it before its first safe point: its marker or notice will come) or
     * a safe-point one already abandoned (its STOP or ABANDON will come). Hold the
     * message until the control traffic says which. */
    holding_newer = 1; /* meanwhile this rank starts no snapshot of its own (it would take that id) */
    while (epoch > snap_g.rec_epoch && epoch > snap_g.done_epoch && !snap_g.sp_pending) snap_progress();
    holding_newer = 0;
    if (snap_g.sp_pending && epoch > snap_g.rec_epoch) snap_sp_abandon_seen(epoch);
}



void snap_engine_marker(int src, uint32_t epoch, uint64_t count)
{
    if (epoch <= snap_g.done_epoch) return; /* an abandoned snapshot's marker */
    if (epoch > snap_g.rec_epoch) snap_trigger("marker", 0, 0);
    snap_cur *c = snap_g.cur;
    if (src < 0 || src >= snap_g.nranks) return;
    if (!snap_g.active || epoch != c->epoch) {
        if (epoch == snap_g.rec_epoch + 1) keep_early(src, epoch, count);
        else snap_log(SNAP_LOG_WARN, "ignored a count for snapshot %u from rank %d", epoch, src);
        return;
    }
    c->expect[src] = count;
    c->have_expect[src] = 1;
    check_complete();
}

void snap_engine_total(uint32_t epoch, uint64_t total)
{
    snap_cur *c = snap_g.cur;
    if (!snap_g.active || epoch != c->epoch) return;
    c->expect_total = total;
    c->have_total = 1;
    check_complete();
}

/* Messages of older epochs still to come: per channel when every sender's count is
 * known (markers), in total when only the sum is (Lai-Yang's reduce-scatter); -1 while
 * it cannot be told yet. Since no channel can see more than its sender sent, a total
 * of 0 means every channel is final. */
static int64_t missing(const snap_cur *c)
{
    uint64_t seen = 0, expect = 0;
    int all = 1;
    for (int i = 0; i < c->n; i++) {
        seen += c->pre_seen[i];
        expect += c->expect[i];
        all &= c->have_expect[i];
    }
    if (c->have_total) expect = c->expect_total;
    else if (!all) return -1;
    return (int64_t)(expect - seen);
}

static void check_complete(void)
{
    snap_cur *c = snap_g.cur;
    if (!snap_g.active) return;
    int64_t left = missing(c);
    if (left > 0 || left == -1) return;
    if (left < 0)
        snap_log(SNAP_LOG_ERROR, "internal: snapshot %u saw %lld more messages than were sent", c->epoch,
                 (long long)-left);
    snap_g.active = 0;
    collect_send_part(c);
}

void snap_engine_done(uint32_t epoch)
{
    if (epoch <= snap_g.done_epoch) return;
    snap_g.done_epoch = epoch;
    if (snap_g.cur) {
        record_free(snap_g.cur);
        free(snap_g.cur);
        snap_g.cur = NULL;
    }
    if (want_trigger) snap_g.attention = 1;
}

/* ---- progress ---- */

/* A pending application receive that MPI has completed is taken into account now, so
 * the channel can close without waiting for the application's MPI_Wait. */
static void look_at_req(snap_req *r, void *arg)
{
    if (r->kind != RQ_RECV || r->state != RS_POSTED || r->held) return;
    int flag = 0;
    MPI_Status st;
    st.MPI_ERROR = MPI_SUCCESS; /* single-request calls do not set it */
    if (PMPI_Request_get_status(r->key, &flag, &st) == MPI_SUCCESS && flag) wire_req_seen(r, &st);
}

static void drain(void)
{
    snap_cur *c = snap_g.cur;
    if (snap_g.proto->poll) snap_g.proto->poll();
    if (!snap_g.active) return;
    int64_t left = missing(c);
    if (left == 0) {
        check_complete();
        return;
    }
    if (c->have_total) {
        wire_drain_from(-1);
    } else {
        for (int i = 0; i < c->n; i++)
            if (c->have_expect[i] && c->pre_seen[i] < c->expect[i]) wire_drain_from(i);
    }
    if (reqs_count) reqs_each(look_at_req, NULL);
    check_complete();
}

/* A SIGUSR1 is one request however many times a rank gets it: a scheduler signals every
 * rank and the launcher, which passes it on a moment later. The signals of a burst
 * (within SNAP_SIGNAL_BURST_S of its first) are served by any snapshot this rank
 * recorded after the first. */
static int signal_served(void)
{
    return snap_g.last_record_t >= snap_g.sig_burst_t;
}

static void take_triggers(void)
{
    snap_g.attention = 0;
    if (snap_g.sig_request) snap_g.sig_request = 0, want_trigger = signal_served() ? want_trigger : "signal";
    if (snap_g.timer_request) snap_g.timer_request = 0, want_trigger = want_trigger ? want_trigger : "interval";
    if (snap_g.api_request) snap_g.api_request = 0, want_trigger = want_trigger ? want_trigger : "request";
    if (snap_g.hang_request) {
        snap_g.hang_request = 0;
        /* one snapshot per hang: none if this rank recorded one since it entered the call */
        unsigned seq = snap_g.call_seq;
        if (snap_g.call && snap_g.hang_seq == seq && !snap_g.hang_reported && snap_g.record_call_seq != seq) {
            snap_g.hang_reported = 1;
            snap_log(SNAP_LOG_WARN, "in MPI_%s for %.1f s: taking a snapshot (hang watchdog)", snap_g.call,
                     snap_now() - snap_g.seen_t);
            want_trigger = want_trigger ? want_trigger : "hang";
        }
    }
}

void snap_progress(void)
{
    if (snap_g.in_lib) return;
    snap_g.in_lib = 1;
    if (snap_g.attention) take_triggers();
    int look = 0;
    for (int k = 0; k < 64; k++) { /* control messages */
        int flag = 0;
        if (!ctl_ready && (PMPI_Test(&ctl_req, &flag, &ctl_st) != MPI_SUCCESS || !flag)) break;
        ctl_ready = 0;
        ctl_msg m = ctl_in;
        int src = ctl_st.MPI_SOURCE;
        ctl_post();
        if (m.type == CTL_DONE) snap_engine_done(m.epoch);
        else if (m.type == CTL_SACK) wire_sync_ack(src, (uint32_t)m.a);
        else if (m.type == CTL_SPOLL) look = 1;
        else snap_g.proto->on_ctl(src, &m);
    }
    /* a synchronous message MPI matched to a receive the application posted is
     * acknowledged when the library sees it (wire_req_seen), even while the
     * application is busy elsewhere (in its own MPI_Ssend, say) */
    if (look && reqs_count) reqs_each(look_at_req, NULL);
    /* a restarted run takes no snapshot before its state is restored (first safe point) */
    if (want_trigger && snap_g.rec_epoch == snap_g.done_epoch && !snap_g.finalizing && snap_g.restarted != 1 &&
        !holding_newer) {
        const char *t = want_trigger;
        want_trigger = NULL;
        snap_trigger(t, 1, snap_g.sp_mode);
    }
    if (snap_g.active) drain();
    collect_poll();
    if (nouts) reap_ctl();
    collect_reap();
    wire_reap();
    if (snap_g.busy) wire_sync_poll();
    snap_g.in_lib = 0;
}

void snap_poll_slow(void)
{
    if (snap_g.attention | snap_g.active | snap_g.busy | collect_pending) snap_progress();
    else { /* every 64th call: a cheap look for control traffic. The pre-posted
            * receive matches control messages as they arrive, so look at it (a probe
            * would never see them); the collector also looks for parts and reports. */
        int flag = 0;
        if (snap_g.in_lib) return;
        PMPI_Request_get_status(ctl_req, &flag, MPI_STATUS_IGNORE);
        if (!flag && snap_g.rank == 0)
            PMPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, snap_g.ctl, &flag, MPI_STATUS_IGNORE);
        if (flag) snap_progress();
    }
}

/* A wait loop of a rank with nothing left to do for the snapshot in progress but wait
 * for the others (their parts, the regions being written, the collector's commit) gives
 * the CPU away now and then: where ranks outnumber cores, spinning ranks would take it
 * from the ones writing. Only after a while (it counts the loop's polls), so a wait
 * that ends soon never sleeps. */
static void yield_if_waiting(unsigned it)
{
    if (it >= 4096 && snap_g.rec_epoch != snap_g.done_epoch && !snap_g.active && !snap_g.busy &&
        !snap_g.sp_pending && !ctl_ready && !snap_g.proto->busy()) {
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

void snap_spin_slow(unsigned it)
{
    if (snap_g.call && snap_g.call_t0 < 0) snap_g.call_t0 = snap_now();
    if (snap_g.sp_pending && (it & 1023u) == 0) snap_sp_spin(snap_now());
    snap_progress();
    yield_if_waiting(it);
}

/* ---- blocking without spinning in the library ----
 *
 * A blocking call waits in one MPI_Waitany over its own request, the pre-posted
 * control receive and a "wake" generalized request, so MPI's own wait loop runs and
 * the library costs nothing per iteration. Asynchronous triggers (SIGUSR1, the ticker
 * thread's interval and hang watchdog) only raise snap_g.attention; a callback in
 * Open MPI's progress loop sees it and completes the wake request.
 *
 * A blocking receive, the call small messages spend their time in, waits cheaper
 * still: in a plain MPI_Wait on its own request (MPI_Waitany costs more per message
 * than the whole library's bookkeeping). The callback then also watches the control
 * receive's buffer, and when a trigger or a control message arrives it cancels the
 * receive, which the library had posted itself; the caller serves the engine and
 * receives again (snap_wait_recv). Cancelling cannot lose a message: MPI cancels a
 * receive only if nothing matched it.
 *
 * Whenever a snapshot is going on, or without that callback (another MPI), waits are
 * test loops that serve the snapshot between tests. */
static MPI_Request wake_req = MPI_REQUEST_NULL;
static volatile int wake_armed;
static int wake_done; /* wake_req is complete; a Waitany that returned another request left it */
static int can_block_mpi; /* the progress callback is registered */

static MPI_Request *wake_cancel; /* armed by snap_wait_recv: the receive to cancel */

static int wake_cb(void)
{
    if (SNAP_LIKELY(!wake_armed)) return 0;
    if (wake_cancel) {
        if (SNAP_LIKELY(!(snap_g.attention | ((volatile ctl_msg *)&ctl_in)->type))) return 0;
        wake_armed = 0;
        PMPI_Cancel(wake_cancel);
        return 1;
    }
    if (SNAP_UNLIKELY(snap_g.attention)) {
        wake_armed = 0;
        wake_done = 1;
        PMPI_Grequest_complete(wake_req);
        return 1;
    }
    return 0;
}

static void wake_init(void)
{
    typedef int (*cb_t)(void);
    int (*reg)(cb_t) = (int (*)(cb_t))dlsym(RTLD_DEFAULT, "opal_progress_register");
    can_block_mpi = reg && reg(wake_cb) == 0;
}

static void wake_fini(void)
{
    typedef int (*cb_t)(void);
    int (*unreg)(cb_t) = (int (*)(cb_t))dlsym(RTLD_DEFAULT, "opal_progress_unregister");
    if (can_block_mpi && unreg) unreg(wake_cb);
    can_block_mpi = 0;
    if (wake_req != MPI_REQUEST_NULL) {
        if (!wake_done) PMPI_Grequest_complete(wake_req);
        PMPI_Wait(&wake_req, MPI_STATUS_IGNORE);
        wake_done = 0;
    }
}

/* Nothing for the engine to do until a control message or a trigger arrives. */
static int idle(void)
{
    return can_block_mpi &&
           !(snap_g.attention | snap_g.active | snap_g.busy | snap_g.in_lib | nouts | ctl_ready | wire_norphans |
             collect_pending) &&
           !snap_g.sp_pending && !want_trigger && snap_g.rec_epoch == snap_g.done_epoch &&
           ctl_req != MPI_REQUEST_NULL && !snap_g.proto->busy();
}

int snap_wait(MPI_Request *r, MPI_Status *st)
{
    int flag = 0, rc;
    unsigned it = 0;
    if (st != MPI_STATUS_IGNORE) st->MPI_ERROR = MPI_SUCCESS; /* MPI_Test leaves it alone */
    for (;;) {
        if (idle()) {
            if (wake_req != MPI_REQUEST_NULL && wake_done) PMPI_Wait(&wake_req, MPI_STATUS_IGNORE);
            if (wake_req == MPI_REQUEST_NULL) {
                snap_grequest_start(&wake_req);
                wake_done = 0;
            }
            MPI_Request set[3] = {*r, ctl_req, wake_req};
            MPI_Status s;
            s.MPI_ERROR = MPI_SUCCESS; /* MPI_Waitany does not set it */
            int idx = MPI_UNDEFINED;
            wake_armed = 1;
            rc = PMPI_Waitany(3, set, &idx, &s);
            wake_armed = 0;
            if (idx == 0 || idx == MPI_UNDEFINED) {
                *r = set[0];
                if (st != MPI_STATUS_IGNORE) *st = s;
                return rc;
            }
            ctl_req = set[1], wake_req = set[2];
            if (rc != MPI_SUCCESS) { /* one of the library's own requests failed */
                if (idx == 1) /* do not process the failed receive's buffer: post a new one */
                    ctl_post();
                snap_log(SNAP_LOG_ERROR, "internal: waiting on a control request failed (%d); test loops from now",
                         rc);
                can_block_mpi = 0;
                continue;
            }
            if (idx == 1) ctl_ready = 1, ctl_st = s;
            if (snap_g.call && snap_g.call_t0 < 0) snap_g.call_t0 = snap_now();
            snap_progress();
            continue;
        }
        if ((rc = PMPI_Test(r, &flag, st)) != MPI_SUCCESS || flag) return rc;
        snap_spin(&it);
    }
}

/* Known limit: an error handler that leaves MPI_Wait without returning (longjmp, a C++
 * exception) leaves the callback armed on a receive that no longer exists. */
int snap_wait_recv(MPI_Request *r, MPI_Status *st)
{
    if (!idle()) return snap_wait(r, st);
    st->MPI_ERROR = MPI_SUCCESS;
    wake_cancel = r;
    wake_armed = 1;
    int rc = PMPI_Wait(r, st);
    wake_armed = 0;
    wake_cancel = NULL;
    return rc;
}

/* The library's own collective: max over ranks of what is pending (a wanted or
 * recorded snapshot not yet complete). Loops until nothing is pending anywhere. */
void snap_quiesce(void)
{
    for (;;) {
        snap_progress();
        /* collective: no rank reaches a safe point before every rank has left */
        if (snap_g.sp_pending) snap_sp_unreachable(snap_g.finalizing ? "finalizing" : "in mpisnap_wait_all");
        if (snap_g.finalizing && want_trigger) {
            snap_log(SNAP_LOG_INFO, "a snapshot asked for during MPI_Finalize is not taken");
            want_trigger = NULL;
        }
        /* anything still to settle anywhere: a wanted snapshot, one recorded but not
         * complete, one waiting for a safe point, a protocol operation in flight */
        /* a restarted run's trigger before its restore waits for it (see snap_progress) */
        int pending[2] = {(want_trigger != NULL && snap_g.restarted != 1) || snap_g.sp_pending != 0 ||
                              snap_g.proto->busy() || collect_pending,
                          (int)(snap_g.rec_epoch - snap_g.done_epoch)};
        int any[2];
        MPI_Request r;
        PMPI_Iallreduce(pending, any, 2, MPI_INT, MPI_MAX, snap_g.coll, &r);
        int flag = 0;
        unsigned it = 0;
        while (PMPI_Test(&r, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && !flag) {
            if ((++it & 31u) == 0) snap_progress(), yield_if_waiting(it);
        }
        if (!any[0] && !any[1]) return;
    }
}
