/*
 * sim.c - the snapshot protocols over a simulated network.
 *
 * The real engine (engine.c) and the real protocol plug-ins (proto_cl.c, proto_ly.c)
 * run here for N simulated ranks in one process, linked against this file instead of
 * the MPI transport: it provides what the engine needs from below (xport.h, ctl.h, the
 * record and the collector of engine.h) as a network that a seeded scheduler drives.
 * Each rank's engine state is swapped in before the rank runs (snap_engine_state).
 *
 * What the scheduler varies, within what MPI allows:
 *  - when each message arrives: application messages and control messages get a random
 *    delay; between one sender and one receiver they arrive in the order sent (MPI's
 *    non-overtaking), across senders in any order;
 *  - which message a receive matches: the held (drained) ones first, then for each
 *    source the first arrived message with a matching tag (a receive for tag t may
 *    overtake earlier messages of other tags), any source for MPI_ANY_SOURCE;
 *  - which rank runs next; ranks block in receives and in barriers (serving snapshots
 *    meanwhile, as the library's wait loops do), and send when they are not blocked;
 *  - snapshots asked for at random moments, often on several ranks at once.
 *
 * What it checks, for every complete snapshot e (the "collector" gathers the parts):
 *  - the channel state of every channel i->j is exactly the messages i sent before it
 *    recorded e that j had not delivered when it recorded e (so: no orphan, no message
 *    lost or doubled, per-channel counts right), in the order they were sent per tag;
 *  - money is conserved: the recorded balances plus the amounts in transit are the total;
 * and for the run: no message delivered before its receiver recorded its sender's
 * epoch (the no-orphan rule, on every delivery), every snapshot asked for completes,
 * and the money is all there at the end.
 *
 * A failing schedule is reproduced by its seed: `mpisnap-sim --seed S ...` prints the
 * seed of every failure. `--broken` runs a protocol variant with a deliberate error (a
 * marker that under-counts its channel by one) and succeeds only if the checker finds
 * it. `--scale N` measures the control messages and rounds of one snapshot at N ranks.
 */
#include "sim.h"
#include "call.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

snap_callinfo snap_call; /* no MPI calls here: nothing in progress */

/* ---- the random source: every choice comes from the seed ---- */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
static unsigned below(unsigned n) { return n ? (unsigned)(rnd() % n) : 0; }
static int chance(unsigned percent) { return below(100) < percent; }

/* ---- settings of one run ---- */
run_cfg cfg;

void die(const char *what)
{
    fprintf(stderr, "mpisnap-sim: seed %llu: %s\n", (unsigned long long)cfg.seed, what);
    exit(1);
}

/* ---- application messages ---- */

amsg *msgs; /* every message of the run, by id */
size_t nmsgs, capmsgs;

static void idq_push(idq *q, uint64_t id)
{
    if (q->head + q->len == q->cap) {
        if (q->head) {
            memmove(q->v, q->v + q->head, q->len * sizeof *q->v);
            q->head = 0;
        } else {
            q->cap = q->cap ? 2 * q->cap : 8;
            q->v = realloc(q->v, q->cap * sizeof *q->v);
        }
    }
    q->v[q->head + q->len++] = id;
}
static uint64_t idq_at(const idq *q, size_t i) { return q->v[q->head + i]; }
static void idq_remove(idq *q, size_t i)
{
    if (i == 0) {
        q->head++, q->len--;
        return;
    }
    memmove(q->v + q->head + i, q->v + q->head + i + 1, (q->len - i - 1) * sizeof *q->v);
    q->len--;
}

/* ---- control messages: one inbox per rank, ordered by (arrival, send order) ---- */
static int cm_less(const cmsg *a, const cmsg *b)
{
    return a->arrive != b->arrive ? a->arrive < b->arrive : a->order < b->order;
}
void heap_push(heap *h, cmsg c)
{
    if (h->len == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 16;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
    }
    size_t i = h->len++;
    while (i && cm_less(&c, &h->v[(i - 1) / 2])) h->v[i] = h->v[(i - 1) / 2], i = (i - 1) / 2;
    h->v[i] = c;
}
static cmsg heap_pop(heap *h)
{
    cmsg top = h->v[0], last = h->v[--h->len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->len) break;
        if (c + 1 < h->len && cm_less(&h->v[c + 1], &h->v[c])) c++;
        if (!cm_less(&h->v[c], &last)) break;
        h->v[i] = h->v[c], i = c;
    }
    if (h->len) h->v[i] = last;
    return top;
}

/* ---- a simulated rank ---- */
rank *R;
int cur = -1;
uint64_t now, ctl_order;
static size_t engine_size, ly_size;
static void *engine_ptr, *ly_ptr;
static ctl_handler handlers[CTL_TYPES];
static uint64_t *last_arrive; /* per (src, dst): FIFO on both kinds of traffic */
int64_t total_money;
static int barrier_gen, barrier_in;

void switch_to(int r)
{
    if (r == cur) return;
    if (cur >= 0) {
        rank *o = &R[cur];
        memcpy(o->engine_state, engine_ptr, engine_size);
        memcpy(o->ly_state, ly_ptr, ly_size);
        o->count = snap_count;
        o->async = snap_async;
        o->work = pump_work;
    }
    rank *x = &R[r];
    memcpy(engine_ptr, x->engine_state, engine_size);
    memcpy(ly_ptr, x->ly_state, ly_size);
    snap_count = x->count;
    snap_async = x->async;
    pump_work = x->work;
    snap_job.rank = r;
    cur = r;
}

uint64_t delay(int src, int dst)
{
    uint64_t *last = &last_arrive[(size_t)src * (size_t)cfg.n + (size_t)dst];
    uint64_t t = now + 1 + (cfg.rounds ? 0 : below(cfg.max_delay));
    if (t < *last) t = *last; /* non-overtaking */
    return *last = t;
}

/* ---- statistics ---- */
stats S;

/* ---- what the engine needs from below: control messages ---- */
void ctl_on(uint32_t type, ctl_handler h) { handlers[type] = h; }

void snap_ctl_send(int dest, uint32_t type, uint32_t epoch, uint64_t a, uint64_t b)
{
    cmsg c = {delay(cur, dest), ctl_order++, cur, {type, epoch, a, b}};
    heap_push(&R[dest].ctl, c);
    S.ctl[type < CTL_TYPES ? type : 0]++;
}

/* Dispatch arrived control messages of the current rank: some of them (a progress pass
 * of the library takes up to 64). */
static void sim_ctl_poll(void)
{
    rank *x = &R[cur];
    unsigned k = cfg.rounds ? ~0u : 1 + below(8);
    while (k-- && x->ctl.len && x->ctl.v[0].arrive <= now) {
        cmsg c = heap_pop(&x->ctl);
        if (c.m.type >= CTL_TYPES || !handlers[c.m.type]) die("a control message nobody handles");
        handlers[c.m.type](c.src, &c.m);
    }
}
static const pump_client sim_ctl = {.name = "simulated control", .poll = sim_ctl_poll};

/* ---- the transport ---- */
static snap_msg view(amsg *m, payload *p)
{
    snap_msg v;
    memset(&v, 0, sizeof v);
    v.src_world = v.src = m->src;
    v.tag = m->tag;
    v.comm = MPI_COMM_WORLD;
    v.hdr = m->hdr;
    p->amount = m->amount, p->id = m->id;
    v.bytes = sizeof *p;
    v.data = (uint8_t *)p;
    return v;
}

/* A message leaves the network into the current rank (a receive or the drain). */
static void take(amsg *m)
{
    payload p;
    snap_msg v = view(m, &p);
    snap_seen(m->src, &m->hdr, &v);
}

int xport_drain_from(int src)
{
    rank *x = &R[cur];
    int taken = 0;
    for (int s = src < 0 ? 0 : src; s < (src < 0 ? cfg.n : src + 1); s++) {
        idq *q = &x->in[s];
        while (q->len && msgs[idq_at(q, 0)].arrive <= now && taken < 64) {
            uint64_t id = idq_at(q, 0);
            idq_remove(q, 0);
            take(&msgs[id]);
            msgs[id].state = M_HELD;
            idq_push(&x->held, id);
            taken++;
        }
    }
    return taken;
}

void xport_look_at_posted(void) {} /* the simulated application posts no non-blocking receives */

void xport_each_held(void (*fn)(const snap_msg *m, MPI_Datatype dt, void *arg), void *arg)
{
    rank *x = &R[cur];
    for (size_t i = 0; i < x->held.len; i++) {
        payload p;
        snap_msg v = view(&msgs[idq_at(&x->held, i)], &p);
        fn(&v, MPI_DATATYPE_NULL, arg);
    }
}

/* Lai-Yang's reduce-scatter: round k completes when every rank has contributed to it,
 * a tree's depth of rounds later (recursive halving: log2 N steps, log2 N messages per
 * rank, counted in sum_msgs). */
typedef struct sum_round {
    uint64_t *acc;
    int contributed;
    uint64_t done_at;
} sum_round;
static sum_round *rounds;
static int nrounds;

static int log2up(int n)
{
    int k = 0;
    while ((1 << k) < n) k++;
    return k;
}

void xport_sum_start(const uint64_t *contrib, uint64_t *out)
{
    rank *x = &R[cur];
    int k = x->sum_round++;
    if (k >= nrounds) {
        rounds = realloc(rounds, (size_t)(k + 1) * sizeof *rounds);
        for (int i = nrounds; i <= k; i++) rounds[i] = (sum_round){calloc((size_t)cfg.n, sizeof(uint64_t)), 0, 0};
        nrounds = k + 1;
    }
    for (int j = 0; j < cfg.n; j++) rounds[k].acc[j] += contrib[j];
    if (++rounds[k].contributed == cfg.n) rounds[k].done_at = now + (uint64_t)log2up(cfg.n);
    S.sum_msgs += (uint64_t)log2up(cfg.n);
    x->sum_out = out;
    x->sum_ready_at = now + (cfg.rounds ? 0 : below(cfg.max_delay));
}

int xport_sum_test(void)
{
    rank *x = &R[cur];
    sum_round *k = &rounds[x->sum_round - 1];
    if (k->contributed < cfg.n || now < k->done_at || now < x->sum_ready_at) return 0;
    *x->sum_out = k->acc[cur];
    return 1;
}

/* quiesce is MPI_Finalize's, not simulated */
void xport_max_start(const int *in, int *out, int n) { memcpy(out, in, (size_t)n * sizeof *in); }
int xport_max_test(void) { return 1; }
void snap_yield_if_waiting(unsigned it) { (void)it; }

/* ---- the application ---- */
static void send_one(void)
{
    rank *x = &R[cur];
    if (x->balance <= 0) return;
    int dst = chance(5) ? cur : (int)below((unsigned)cfg.n);
    if (nmsgs == capmsgs) {
        capmsgs = capmsgs ? 2 * capmsgs : 1024;
        msgs = realloc(msgs, capmsgs * sizeof *msgs);
    }
    amsg *m = &msgs[nmsgs];
    m->src = cur, m->dst = dst, m->tag = (int)below(3);
    m->hdr = count_send(dst);
    m->amount = 1 + (int64_t)below((unsigned)(x->balance < 100 ? x->balance : 100));
    m->id = nmsgs;
    m->arrive = delay(cur, dst);
    m->state = M_NET;
    x->balance -= m->amount;
    idq_push(&R[dst].in[cur], nmsgs);
    R[dst].inflight++;
    nmsgs++;
    S.app_msgs++;
}

static int matches(const amsg *m, int src, int tag) { return (src < 0 || m->src == src) && (tag < 0 || m->tag == tag); }

/* Deliver message id to the current rank's application, as wire.c does: taken (if it is
 * still in the network), the engine's rule, counted, handed over. */
static void deliver(uint64_t id, int from_net)
{
    rank *x = &R[cur];
    amsg *m = &msgs[id];
    if (from_net) take(m);
    snap_before_deliver(m->hdr.epoch);
    if (m->hdr.epoch > snap_count.epoch) die("an orphan: a message delivered before its receiver recorded its epoch");
    count_delivered(m->src);
    m->state = M_DONE;
    m->delivered_epoch = snap_count.epoch;
    x->balance += m->amount;
    x->inflight--;
}

/* A receive (src, tag; -1: any): held messages first, then one of the arrived ones. */
static int try_receive(int src, int tag)
{
    rank *x = &R[cur];
    for (size_t i = 0; i < x->held.len; i++) {
        uint64_t id = idq_at(&x->held, i);
        if (!matches(&msgs[id], src, tag)) continue;
        idq_remove(&x->held, i);
        deliver(id, 0);
        return 1;
    }
    int cand[64], ncand = 0;
    size_t pos[64];
    int s0 = src < 0 ? (int)below((unsigned)cfg.n) : src;
    for (int k = 0; k < (src < 0 ? cfg.n : 1) && ncand < 64; k++) {
        int s = (s0 + k) % cfg.n;
        idq *q = &x->in[s];
        for (size_t i = 0; i < q->len && msgs[idq_at(q, i)].arrive <= now; i++)
            if (matches(&msgs[idq_at(q, i)], s, tag)) {
                cand[ncand] = s, pos[ncand] = i, ncand++;
                break;
            }
    }
    if (!ncand) return 0;
    int k = (int)below((unsigned)ncand);
    idq *q = &x->in[cand[k]];
    uint64_t id = idq_at(q, pos[k]);
    idq_remove(q, pos[k]);
    deliver(id, 1);
    return 1;
}

/* One MPI call of the current rank's application. */
static void turn(void)
{
    rank *x = &R[cur];
    /* the library's poll: every call when it has work, otherwise now and then */
    if (snap_async.attention || (pump_work & WORK_EVERY_CALL) || x->action != A_RUN || chance(15)) snap_progress();
    switch (x->action) {
    case A_RUN:
        if (x->step >= cfg.steps) {
            x->action = A_FINAL;
            return;
        }
        x->step++;
        if (x->step % 50 == 0) { /* a collective every 50 steps */
            x->action = A_BARRIER;
            x->barrier = x->step / 50; /* the k-th barrier completes as generation k */
            barrier_in++;
            return;
        }
        if (x->inflight && chance(45)) { /* a receive that will be matched: something is sent to it */
            x->want_src = -1, x->want_tag = -1;
            if (chance(30)) { /* a specific source and tag that has a message in flight */
                int s = (int)below((unsigned)cfg.n);
                for (int k = 0; k < cfg.n; k++) {
                    idq *q = &x->in[(s + k) % cfg.n];
                    if (q->len) {
                        x->want_src = (s + k) % cfg.n;
                        x->want_tag = msgs[idq_at(q, 0)].tag;
                        break;
                    }
                }
            }
            x->action = A_RECV;
            if (try_receive(x->want_src, x->want_tag)) x->action = A_RUN;
            return;
        }
        send_one();
        return;
    case A_RECV:
        if (try_receive(x->want_src, x->want_tag)) x->action = A_RUN;
        return;
    case A_BARRIER:
        if (barrier_gen >= x->barrier) x->action = A_RUN;
        return;
    case A_FINAL: /* receive what is still to come */
        if (!x->inflight)
            x->action = A_DONE;
        else
            try_receive(-1, -1);
        return;
    case A_DONE: /* a rank still running sent it something */
        if (x->inflight) x->action = A_FINAL;
        return;
    }
}

/* ---- the run ---- */
static const snap_proto *broken(void);

static void setup(void)
{
    int n = cfg.n;
    snap_job.nranks = n;
    snap_job.initialized = 1;
    snap_job.cfg.log_level = cfg.verbose > 1 ? SNAP_LOG_DEBUG : SNAP_LOG_ERROR;
    R = calloc((size_t)n, sizeof *R);
    last_arrive = calloc((size_t)n * (size_t)n, sizeof *last_arrive);
    engine_ptr = snap_engine_state(&engine_size);
    ly_ptr = snap_proto_ly_state(&ly_size);
    pump_register(&sim_ctl); /* control messages first, as the real progress does */
    snap_job.rank = 0;
    snap_engine_init(cfg.proto); /* registers the engine's handlers and pump client once */
    snap_counters first = snap_count;
    for (int r = 0; r < n; r++) {
        rank *x = &R[r];
        x->engine_state = malloc(engine_size);
        memcpy(x->engine_state, engine_ptr, engine_size);
        x->ly_state = calloc(1, ly_size);
        if (r == 0)
            x->count = first;
        else {
            count_init(n);
            x->count = snap_count;
        }
        x->in = calloc((size_t)n, sizeof *x->in);
        x->balance = 1000;
        total_money += 1000;
    }
    memset(ly_ptr, 0, ly_size);
    cur = -1;
    switch_to(0);
}

static int all_done(void)
{
    for (int r = 0; r < cfg.n; r++)
        if (R[r].action != A_DONE || R[r].inflight) return 0;
    return 1;
}

static int snapshots_settled(void)
{
    for (int r = 0; r < cfg.n; r++) {
        switch_to(r);
        if (snap_engine_recorded() != snap_engine_completed() || snap_async.attention || (pump_work & ~WORK_CTL_OUT))
            return 0;
        if (R[r].ctl.len) return 0;
    }
    return 1;
}

static void ask_snapshot(void)
{
    int k = chance(40) ? 2 + (int)below(3) : 1; /* several initiators at once */
    for (int i = 0; i < k; i++) {
        switch_to((int)below((unsigned)cfg.n));
        snap_async.api = 1;
        snap_async.attention = 1;
    }
    if (!S.first_ask) S.first_ask = now;
}

static void run(void)
{
    setup();
    int asked = 0;
    uint64_t limit = (uint64_t)cfg.steps * (uint64_t)cfg.n * 400 + 100000;
    while (!all_done() || !snapshots_settled() || asked < cfg.snapshots) {
        if (++now > limit) die("the run did not end: a snapshot or the application is stuck");
        /* all ranks in the barrier: it completes */
        if (barrier_in == cfg.n) barrier_in = 0, barrier_gen++;
        /* asked at random moments; those left when the application is done, on quiet ranks */
        if (asked < cfg.snapshots && (chance(2) || all_done())) {
            ask_snapshot();
            asked++;
        }
        int turns = 1 + (int)below(4);
        for (int t = 0; t < turns; t++) {
            switch_to((int)below((unsigned)cfg.n));
            turn();
        }
    }
    int64_t money = 0;
    for (int r = 0; r < cfg.n; r++) money += R[r].balance;
    if (money != total_money) die("money is not conserved at the end");
    if (S.snapshots == 0 && cfg.snapshots > 0) die("no snapshot completed");
}

/* --scale: one snapshot from one initiator, synchronous rounds (every message takes one
 * round), a little application traffic in flight. Rounds until every rank knows it is
 * complete. */
static void scale(void)
{
    setup();
    for (int r = 0; r < cfg.n; r++) { /* a message from every rank, in flight */
        switch_to(r);
        send_one();
    }
    switch_to(0);
    snap_async.api = 1;
    snap_async.attention = 1;
    uint64_t start = now;
    while (S.snapshots == 0 || !snapshots_settled()) {
        now++;
        if (now - start > 100000) die("scale: the snapshot did not complete");
        for (int r = 0; r < cfg.n; r++) {
            switch_to(r);
            snap_progress();
        }
    }
    uint64_t ctl = 0;
    for (int t = 0; t < CTL_TYPES; t++) ctl += S.ctl[t];
    printf("%s,%d,%llu,%llu,%llu,%llu,%.1f\n", cfg.proto->name, cfg.n, (unsigned long long)ctl,
           (unsigned long long)S.sum_msgs, (unsigned long long)(ctl + S.sum_msgs), (unsigned long long)(now - start),
           (double)(ctl + S.sum_msgs) / cfg.n);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mpisnap-sim [--algo cl|ly] [--ranks N] [--seed S] [--seeds K] [--steps M] [--snapshots K]\n"
               "                   [--delay D] [--broken] [--verbose] | --scale N [--algo cl|ly]\n"
               "Runs mpisnap's engine and protocol plug-ins for N simulated ranks over a simulated network, K\n"
               "schedules from seed S on, and checks every snapshot (exact channel states, counts, conservation).\n"
               "Exit 0 when every schedule passed (with --broken: when the checker caught the broken variant).\n"
               "--scale N prints: algo,ranks,control messages,collective messages,total,rounds,messages per rank\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"algo", 1, 0, 'a'},  {"ranks", 1, 0, 'n'},  {"seed", 1, 0, 's'},
                                         {"seeds", 1, 0, 'k'}, {"steps", 1, 0, 'm'},  {"snapshots", 1, 0, 'p'},
                                         {"delay", 1, 0, 'd'}, {"broken", 0, 0, 'b'}, {"verbose", 0, 0, 'v'},
                                         {"scale", 1, 0, 'S'}, {"help", 0, 0, 'h'},   {0, 0, 0, 0}};
    int seeds = 1, is_broken = 0, opt;
    const char *algo = "cl";
    cfg = (run_cfg){.n = 4, .seed = 1, .steps = 300, .snapshots = 8, .max_delay = 12};
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        long v = optarg ? strtol(optarg, &end, 10) : 0;
        if (optarg && opt != 'a' && (!*optarg || *end || v < 0)) {
            fprintf(stderr, "mpisnap-sim: a numeric option wants a whole number >= 0, not '%s'\n", optarg);
            return 2;
        }
        switch (opt) {
        case 'a': algo = optarg; break;
        case 'n': cfg.n = (int)v; break;
        case 's': cfg.seed = (uint64_t)v; break;
        case 'k': seeds = (int)v; break;
        case 'm': cfg.steps = (int)v; break;
        case 'p': cfg.snapshots = (int)v; break;
        case 'd': cfg.max_delay = (unsigned)v; break;
        case 'b': is_broken = 1; break;
        case 'v': cfg.verbose++; break;
        case 'S': cfg.n = (int)v, cfg.rounds = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (strcmp(algo, "cl") && strcmp(algo, "ly")) {
        fprintf(stderr, "mpisnap-sim: --algo is cl or ly, not '%s'\n", algo);
        return 2;
    }
    if (cfg.n < 2 || cfg.max_delay < 1) {
        fprintf(stderr, "mpisnap-sim: --ranks wants at least 2 and --delay at least 1\n");
        return 2;
    }
    cfg.proto = is_broken ? broken() : !strcmp(algo, "ly") ? &snap_proto_ly : &snap_proto_cl;
    if (cfg.rounds) {
        rng_state = 0x9E3779B97F4A7C15ull ^ cfg.seed;
        scale();
        return 0;
    }
    /* each schedule in a child process: a failure (exit 1 with its seed) ends only it */
    int failed = 0;
    uint64_t first = cfg.seed;
    for (int k = 0; k < seeds; k++) {
        cfg.seed = first + (uint64_t)k;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            rng_state = 0x9E3779B97F4A7C15ull ^ (cfg.seed * 0xD1B54A32D192ED03ull);
            if (!rng_state) rng_state = 1;
            run();
            if (cfg.verbose)
                fprintf(stderr,
                        "seed %llu: %llu snapshots consistent, %llu messages, %llu in transit; records: %llu "
                        "initiated, %llu by a newer message, %llu by a marker or notice\n",
                        (unsigned long long)cfg.seed, (unsigned long long)S.checked, (unsigned long long)S.app_msgs,
                        (unsigned long long)S.in_transit, (unsigned long long)S.initiated,
                        (unsigned long long)S.by_message, (unsigned long long)S.by_control);
            exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st)) failed++;
    }
    if (is_broken) {
        printf("broken variant: caught in %d of %d schedules\n", failed, seeds);
        return failed > 0 ? 0 : 1;
    }
    printf("%s, %d ranks: %d of %d schedules passed\n", cfg.proto->name, cfg.n, seeds - failed, seeds);
    return failed ? 1 : 0;
}

/* ---- the broken variant: Chandy-Lamport whose marker under-counts its channel by one,
 * so a channel can close while its last message is still in transit ---- */
static void bad_on_record(const snap_cur *c)
{
    for (int j = 0; j < snap_job.nranks; j++)
        if (j != snap_job.rank) snap_ctl_send(j, CTL_MARKER, c->epoch, c->sent[j] ? c->sent[j] - 1 : 0, 0);
}
static const snap_proto *broken(void)
{
    static snap_proto p;
    p = snap_proto_cl;
    p.name = "cl-broken";
    p.on_record = bad_on_record;
    return &p;
}
