/*
 * bank.c - the stress test of mpisnap: ranks hold money and pay each other at random.
 *
 * Every rank starts with --initial and makes --transfers payments to random peers. Money
 * is conserved, so in every consistent snapshot the recorded balances plus the amounts in
 * the recorded in-transit messages add up to nranks * initial (declared to the library
 * with mpisnap_conserve; every money message carries its amount as an int64 at byte 0 of
 * its packed payload). The payments are spread over message classes that each exercise a
 * hard case of MPI point-to-point semantics (see enum kind): tags received out of send
 * order, probes, matched probes, pre-posted wildcard receives, standard, buffered,
 * synchronous and ready sends, zero-byte messages, a non-contiguous derived datatype,
 * Sendrecv, and two duplicated communicators beside MPI_COMM_WORLD.
 *
 * The plan is deterministic: rank r's payments come from a PRNG seeded with (seed, r) and
 * every rank generates every rank's plan. So each rank knows exactly which messages it
 * will receive: it knows when to stop, when a blocking receive is safe, it checks every
 * message against the plan (including the order MPI promises), and the final balances do
 * not depend on timing: a run with and without mpisnap prints the same last two lines.
 *
 * The invariant the snapshot library relies on (it records a rank's state inside an MPI
 * call, after the call posted its sends and before it hands back a completed receive):
 * `balance` reflects every send already posted and every receive already handed back.
 * An amount is subtracted before its send is posted and added right after the call that
 * hands the message back returns, before any other MPI call.
 *
 * Restartable mode (--safepoint-every N): the mutable state (balance, what is still
 * expected, the plan cursors, the next transfer) is protected and the main phase calls
 * mpisnap_safepoint() every N transfers, where no request of this rank is pending: its
 * sends are complete and the pre-posted receives of class C are cancelled (and posted
 * again after). So that a rank never waits at its safe point for another one that is
 * parked at its own, every send in this mode completes locally: class B uses MPI_Isend
 * and class D (MPI_Rsend, whose receives are always pending) is not drawn. A run killed
 * part-way (--crash-at) resumes from its newest snapshot with MPISNAP_RESTART=latest and
 * ends with the same balances as an uninterrupted one.
 *
 * Safety: senders never wait for a receiver except in MPI_Send/MPI_Rsend of 16 bytes
 * (eager in every MPI; Rsend's receive is pre-posted) and in the ring of MPI_Sendrecv that
 * all ranks do at the same transfer indices. The tail phase blocks in receives only for
 * messages whose sends are posted or will be posted without waiting for anyone.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "mpisnap.h"

enum {
    MAX_TRANSFERS = 10000000, /* plans of all ranks are kept: nranks * transfers * 8 bytes */
    SENDRECV_EVERY = 97,      /* class G: transfer i with (i + 1) % 97 == 0, on every rank */
    C_SLOTS = 4,              /* pre-posted receives of class C */
    D_BUDGET = 256,           /* class D: at most this many Rsends (pre-posted Irecvs) per rank */
    SNAP_DELAY_MS = 300,      /* --snapshot-in-barrier / --snapshot-in-recv: long enough, under load, for the others to block */
    FILL_SEND = 0xA5,         /* class F: gap bytes of a sent struct */
    FILL_RECV = 0x5A,         /* class F: gap bytes of a receive buffer, must survive */
};

/* Message classes: each has its own (communicator, tag), so receive styles never take
 * each other's messages. */
enum kind {
    K_NONE, /* nothing (a 1-rank job has no one to pay) */
    K_A1,   /* WORLD tag 1: Send, Bsend or Isend; Iprobe + Recv after tag 10 */
    K_A10,  /* WORLD tag 10: same, probed first, so it overtakes earlier tag-1 messages */
    K_B,    /* comm_b tags 3/4: Issend; Improbe(ANY_SOURCE, ANY_TAG) + Mrecv */
    K_C,    /* comm_c tag 5: Isend; pre-posted Irecv(ANY_SOURCE) + Testsome/Waitany */
    K_D,    /* WORLD tag 6: Rsend into Irecvs pre-posted before the first barrier */
    K_E,    /* WORLD tag 7: zero bytes, no money; Iprobe + Recv */
    K_F,    /* WORLD tag 8: non-contiguous struct datatype; Iprobe + Recv */
    K_G,    /* WORLD tag 9: Sendrecv right/left, same transfer indices on every rank */
    K_COUNT
};

enum a_mode { A_SEND, A_BSEND, A_ISEND };

static const struct kind_info {
    const char *name;
    int tag;     /* class B uses tag and tag + 1 */
    int ordered; /* one receive matches all of a sender's messages: MPI keeps send order */
} kinds[K_COUNT] = {
    [K_NONE] = {"-", -1, 0}, [K_A1] = {"A1", 1, 1}, [K_A10] = {"A10", 10, 1},
    [K_B] = {"B", 3, 1},     [K_C] = {"C", 5, 0},   [K_D] = {"D", 6, 0},
    [K_E] = {"E", 7, 1},     [K_F] = {"F", 8, 1},   [K_G] = {"G", 9, 1},
};

/* One planned transfer. The plan index is the transfer's sequence number. */
struct xfer {
    int32_t dest;
    int16_t amount; /* 1..1000; 0 for class E */
    uint8_t kind;   /* enum kind */
    uint8_t mode;   /* class A: enum a_mode; class B: added to the tag */
};

/* Class F payload: members at offsets 0, 16, 24, 40 of 48 bytes, so the datatype has
 * holes. The money is the first member, hence at byte 0 of the packed payload. */
struct fmsg {
    int64_t amount;
    unsigned char gap0[8];
    int32_t from;
    unsigned char gap1[4];
    int32_t seq;
    unsigned char gap2[12];
    double stamp;
};
_Static_assert(offsetof(struct fmsg, from) == 16 && offsetof(struct fmsg, seq) == 24 &&
                   offsetof(struct fmsg, stamp) == 40 && sizeof(struct fmsg) == 48,
               "class F layout");

/* Buffer of a non-blocking send: {amount, plan index} or a class F struct. */
union payload {
    int64_t pair[2];
    struct fmsg f;
};

/* Non-blocking sends. The k-th one of the plan sends from slots[k], never reused, so no
 * buffer is touched while its send is pending; the request array stays compact so that
 * testing costs O(pending). */
struct sendpool {
    union payload *slots;
    MPI_Request *req; /* pending sends in [0, active) */
    int *idx;         /* scratch for MPI_Testsome */
    int used, active;
};

/* Pre-posted wildcard receives of one class (C or D), each with its own buffer. */
struct prepost {
    int kind;
    MPI_Comm comm;
    int n;           /* requests in the array */
    long unposted;   /* expected messages whose receive is not posted yet */
    MPI_Request *req;
    int64_t (*buf)[2];
    int *idx;
    MPI_Status *st;
};

struct opts {
    long long transfers, seed, initial, request_every, safepoint_every, crash_at;
    int in_barrier, in_recv, quiet;
};

struct bank {
    int rank, nranks;
    struct opts opt;
    int requester;           /* this rank calls mpisnap_request() every --request-every */
    int64_t balance;         /* protected region "balance" */
    MPI_Comm comm_b, comm_c; /* duplicates of WORLD for classes B and C */
    MPI_Datatype ftype;      /* class F */
    struct xfer *plan;       /* rank r's transfer i is plan[r * transfers + i] */
    long expect[K_COUNT];    /* messages of each class still to receive */
    long *cursor;            /* ordered classes: [kind * nranks + src] plan index to scan from */
    unsigned char *seen;     /* unordered classes: one bit per plan entry of every rank */
    int token_due;           /* --snapshot-in-recv: rank 0's extra zero-byte message to come */
    int64_t *predicted;      /* final balance of every rank according to the plans */
    int n_bsend, n_slot;     /* this rank's Bsends and sends from a pool slot */
    long per_kind[K_COUNT];  /* messages of each class in the whole job */
    struct sendpool sends;
    struct prepost c, d;
    int64_t zero;            /* buffer of zero-byte messages */
    long next;               /* the next transfer of the main phase (protected in restartable mode) */
};

/* ---- helpers ---- */

static int g_rank;

/* Report a broken expectation and abort the whole job (exit status 1). */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bank[%d]: ", g_rank);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        fail("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

/* splitmix64: small, fast, and identical on every platform, unlike rand(). */
struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *g)
{
    uint64_t z = (g->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *g, unsigned n)
{
    return (unsigned)(rng_next(g) % n);
}

static struct rng rng_seed(uint64_t seed, int rank)
{
    struct rng g = {seed};
    g.s = rng_next(&g) ^ (0xD1B54A32D192ED03ULL * (uint64_t)(rank + 1));
    return g;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Compute without any MPI call, so the library cannot make progress on this rank. */
static void busy_ms(int ms)
{
    volatile double x = 0;
    double end = now_s() + 1e-3 * ms;
    while (now_s() < end)
        for (int k = 0; k < 1000; k++)
            x += 0.5 * k;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ; /* SIGUSR1 (a snapshot trigger) must not cut the pause short */
}

static void snap_request(void)
{
    int rc = mpisnap_request();
    if (rc != MPISNAP_OK && rc != MPISNAP_EBUSY)
        fail("mpisnap_request: %s", mpisnap_strerror(rc));
}

/* ---- options ---- */

static void usage(void)
{
    printf("usage: bank [options]\n"
           "Ranks make random money transfers to each other; the total is conserved.\n"
           "The stress test of mpisnap: every MPI point-to-point pattern, deterministic.\n"
           "  --transfers N          transfers initiated by each rank (default 2000, max %d)\n"
           "  --seed S               seed of the transfer plan (default 1)\n"
           "  --initial A            starting balance of each rank (default 1000000)\n"
           "  --request-every M      call mpisnap_request() every M transfers, phase offset\n"
           "                         by rank (default 0: never)\n"
           "  --request-ranks LIST   comma-separated ranks that request (default all)\n"
           "  --snapshot-in-barrier  the last rank requests a snapshot while the others\n"
           "                         wait in the final MPI_Barrier, and enters it only once\n"
           "                         the snapshot is complete\n"
           "  --snapshot-in-recv     rank 0 requests a snapshot while the others wait in\n"
           "                         MPI_Recv for its last message\n"
           "  --safepoint-every N    restartable: a safe point every N transfers (default 0:\n"
           "                         none); restart a killed run with MPISNAP_RESTART=latest\n"
           "  --crash-at I           the last rank kills itself (SIGKILL) before transfer I\n"
           "  --quiet                print only the last two lines\n"
           "  --help                 print this help and exit\n"
           "The last two lines are `balances: b0 b1 ...` and `bank: total T (expected T0) OK`\n"
           "(or MISMATCH, exit status 1); they depend only on the ranks, --transfers,\n"
           "--seed and --initial. A message that breaks the plan aborts the job.\n",
           MAX_TRANSFERS);
}

/* Parse a whole decimal integer in [min, max]. Returns 0, or -1 if s is not one. */
static int parse_ll(const char *s, long long min, long long max, long long *out)
{
    char *end;
    if (!((*s >= '0' && *s <= '9') || *s == '-'))
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Is `rank` in LIST (comma-separated ranks of a job of nranks)? -1 if LIST is bad. */
static int in_rank_list(const char *list, int rank, int nranks)
{
    int found = 0;
    const char *p = list;
    for (;;) {
        char item[32];
        size_t len = strcspn(p, ",");
        long long r;
        if (len == 0 || len >= sizeof item)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        if (parse_ll(item, 0, nranks - 1, &r) < 0)
            return -1;
        found |= r == rank;
        if (p[len] == '\0')
            return found;
        p += len + 1;
    }
}

/*
 * Parse argv. Returns 0 to run, 1 for --help, -1 on error with a one-line message in
 * err. Every rank parses the same argv and so reaches the same verdict.
 */
static int parse_args(int argc, char **argv, struct bank *b, char *err, size_t errlen)
{
    struct opts *o = &b->opt;
    const struct {
        const char *name;
        int *flag;      /* a switch, or */
        long long *num; /* an integer in 0..max, or (both NULL) --request-ranks */
        long long max;
    } defs[] = {
        {"--quiet", &o->quiet, NULL, 0},
        {"--snapshot-in-barrier", &o->in_barrier, NULL, 0},
        {"--snapshot-in-recv", &o->in_recv, NULL, 0},
        {"--transfers", NULL, &o->transfers, MAX_TRANSFERS},
        {"--seed", NULL, &o->seed, INT64_MAX},
        {"--initial", NULL, &o->initial, INT64_MAX / 4 / b->nranks}, /* no overflow */
        {"--request-every", NULL, &o->request_every, INT64_MAX},
        {"--request-ranks", NULL, NULL, 0},
        {"--safepoint-every", NULL, &o->safepoint_every, MAX_TRANSFERS},
        {"--crash-at", NULL, &o->crash_at, MAX_TRANSFERS},
    };
    *o = (struct opts){.transfers = 2000, .seed = 1, .initial = 1000000, .crash_at = -1};
    b->requester = 1;
    for (int i = 1; i < argc; i++) {
        size_t k = 0, ndefs = sizeof defs / sizeof *defs;
        if (!strcmp(argv[i], "--help"))
            return 1;
        while (k < ndefs && strcmp(argv[i], defs[k].name))
            k++;
        if (k == ndefs) {
            snprintf(err, errlen, "bank: unknown option '%s' (see --help)", argv[i]);
            return -1;
        }
        if (defs[k].flag) {
            *defs[k].flag = 1;
            continue;
        }
        if (++i == argc) {
            snprintf(err, errlen, "bank: %s needs a value (see --help)", defs[k].name);
            return -1;
        }
        if (defs[k].num && parse_ll(argv[i], 0, defs[k].max, defs[k].num) < 0) {
            snprintf(err, errlen, "bank: bad value '%s' for %s: expected an integer in 0..%lld",
                     argv[i], defs[k].name, defs[k].max);
            return -1;
        }
        if (!defs[k].num && (b->requester = in_rank_list(argv[i], b->rank, b->nranks)) < 0) {
            snprintf(err, errlen,
                     "bank: bad value '%s' for %s: expected comma-separated ranks in 0..%d",
                     argv[i], defs[k].name, b->nranks - 1);
            return -1;
        }
    }
    if (o->safepoint_every && (o->in_recv || o->in_barrier)) {
        snprintf(err, errlen, "bank: --safepoint-every cannot be combined with --snapshot-in-recv or "
                              "--snapshot-in-barrier (their snapshots are taken outside safe points)");
        return -1;
    }
    return 0;
}

/* ---- the plan ---- */

static const struct xfer *xfer_at(const struct bank *b, int r, long i)
{
    return &b->plan[(size_t)r * (size_t)b->opt.transfers + (size_t)i];
}

static int xfer_tag(const struct xfer *x)
{
    return kinds[x->kind].tag + (x->kind == K_B ? x->mode : 0);
}

static int is_a(const struct xfer *x)
{
    return x->kind == K_A1 || x->kind == K_A10;
}

/* Sent with MPI_Isend/MPI_Issend from a pool slot. */
static int uses_slot(const struct xfer *x)
{
    return x->kind == K_B || x->kind == K_C || x->kind == K_F || (is_a(x) && x->mode == A_ISEND);
}

/* Draw a class. Weights in 1/1000: A 40%, B 15%, C 15%, D 2% (while the sender's Rsend
 * budget lasts, then E), E 8%, F 20%. */
static void pick_kind(struct rng *g, struct xfer *x, long *d_left)
{
    unsigned u = rng_below(g, 1000);
    x->mode = 0;
    if (u < 150) {
        x->kind = K_B;
        x->mode = (uint8_t)rng_below(g, 2);
    } else if (u < 300) {
        x->kind = K_C;
    } else if (u < 320 && *d_left > 0) {
        x->kind = K_D;
        --*d_left;
    } else if (u < 400) {
        x->kind = K_E;
    } else if (u < 600) {
        x->kind = K_F;
    } else {
        x->kind = rng_below(g, 4) == 0 ? K_A10 : K_A1;
        x->mode = (uint8_t)rng_below(g, 3);
    }
}

/* Generate rank r's transfers into the plan. Depends only on (seed, r, nranks). */
static void plan_rank(struct bank *b, int r)
{
    struct rng g = rng_seed(b->opt.seed, r);
    int n = b->nranks;
    /* Every rank receives at most D_BUDGET Rsends, so pre-posting stays cheap; none in
     * restartable mode (their receives would be pending at every safe point). */
    long d_left = n > 1 && !b->opt.safepoint_every ? D_BUDGET / (n - 1) : 0;
    for (long i = 0; i < b->opt.transfers; i++) {
        struct xfer *x = &b->plan[(size_t)r * (size_t)b->opt.transfers + (size_t)i];
        x->amount = (int16_t)(1 + rng_below(&g, 1000));
        x->mode = 0;
        if ((i + 1) % SENDRECV_EVERY == 0) {
            x->kind = K_G;
            x->dest = (r + 1) % n;
        } else if (n == 1) {
            x->kind = K_NONE;
            x->dest = r;
        } else {
            int d = (int)rng_below(&g, (unsigned)n - 1);
            x->dest = d >= r ? d + 1 : d;
            pick_kind(&g, x, &d_left);
            if (x->kind == K_E)
                x->amount = 0;
        }
    }
}

/* Build every rank's plan and derive what this rank expects, sends and ends with. */
static void plan_all(struct bank *b)
{
    int n = b->nranks;
    long T = b->opt.transfers;
    b->plan = xcalloc((size_t)n * (size_t)T, sizeof *b->plan);
    b->predicted = xcalloc((size_t)n, sizeof *b->predicted);
    for (int r = 0; r < n; r++) {
        plan_rank(b, r);
        b->predicted[r] += b->opt.initial;
        for (long i = 0; i < T; i++) {
            const struct xfer *x = xfer_at(b, r, i);
            if (x->kind == K_NONE)
                continue;
            b->per_kind[x->kind]++;
            b->predicted[r] -= x->amount;
            b->predicted[x->dest] += x->amount;
            if (x->dest == b->rank)
                b->expect[x->kind]++;
            if (r == b->rank) {
                b->n_bsend += is_a(x) && x->mode == A_BSEND;
                b->n_slot += uses_slot(x);
            }
        }
    }
    if (b->opt.in_recv && b->rank != 0) {
        b->expect[K_E]++;
        b->token_due = 1;
    }
    b->cursor = xcalloc((size_t)K_COUNT * (size_t)n, sizeof *b->cursor);
    b->seen = xcalloc(((size_t)n * (size_t)T + 7) / 8, 1);
}

/* ---- checking received messages against the plan ---- */

/* Index of the next transfer src -> me of this class at or after the cursor, T if none. */
static long next_in_plan(const struct bank *b, int kind, int src)
{
    long k = b->cursor[kind * b->nranks + src];
    while (k < b->opt.transfers) {
        const struct xfer *x = xfer_at(b, src, k);
        if (x->dest == b->rank && x->kind == kind)
            break;
        k++;
    }
    return k;
}

static void check_count(const MPI_Status *st, MPI_Datatype type, int want, int kind)
{
    int got;
    MPI_Get_count(st, type, &got);
    if (got != want)
        fail("class %s message from %d has count %d, expected %d", kinds[kind].name,
             st->MPI_SOURCE, got, want);
}

/*
 * A money message {amount, seq} of class `kind` arrived with status st: it must be the
 * sender's planned transfer seq to this rank, received at most once and, for ordered
 * classes, exactly the next one (MPI's non-overtaking rule).
 */
static void check_money(struct bank *b, int kind, const MPI_Status *st, int64_t amount,
                        int64_t seq)
{
    int src = st->MPI_SOURCE;
    const char *name = kinds[kind].name;
    if (src < 0 || src >= b->nranks || seq < 0 || seq >= b->opt.transfers)
        fail("class %s message from %d names transfer %lld", name, src, (long long)seq);
    const struct xfer *x = xfer_at(b, src, (long)seq);
    if (x->kind != kind || x->dest != b->rank || x->amount != amount ||
        xfer_tag(x) != st->MPI_TAG)
        fail("class %s message from %d (transfer %lld, amount %lld, tag %d) is not in the "
             "plan (class %s to %d, amount %d, tag %d)",
             name, src, (long long)seq, (long long)amount, st->MPI_TAG, kinds[x->kind].name,
             x->dest, x->amount, xfer_tag(x));
    if (kinds[kind].ordered) {
        long next = next_in_plan(b, kind, src);
        if (next != seq)
            fail("class %s from %d: got transfer %lld before transfer %ld (order broken)",
                 name, src, (long long)seq, next);
        b->cursor[kind * b->nranks + src] = next + 1;
    } else {
        size_t bit = (size_t)src * (size_t)b->opt.transfers + (size_t)seq;
        if (b->seen[bit / 8] & (1u << bit % 8))
            fail("class %s from %d: transfer %lld received twice", name, src,
                 (long long)seq);
        b->seen[bit / 8] |= (unsigned char)(1u << bit % 8);
    }
    b->expect[kind]--;
}

/* A zero-byte message: the next planned one from its sender, or rank 0's late token. */
static void check_zero(struct bank *b, const MPI_Status *st)
{
    int src = st->MPI_SOURCE;
    check_count(st, MPI_INT64_T, 0, K_E);
    if (src < 0 || src >= b->nranks || st->MPI_TAG != kinds[K_E].tag)
        fail("class E message with source %d, tag %d", src, st->MPI_TAG);
    long next = next_in_plan(b, K_E, src);
    if (next < b->opt.transfers)
        b->cursor[K_E * b->nranks + src] = next + 1;
    else if (src == 0 && b->token_due)
        b->token_due = 0;
    else
        fail("class E: one zero-byte message too many from %d", src);
    b->expect[K_E]--;
}

static double stamp_of(int from, long seq)
{
    return from + (double)seq / 1024.0; /* exact in a double */
}

/* A receive writes only the bytes its datatype maps (how a column of a matrix is received
 * in place); the holes of struct fmsg must keep the receiver's fill. */
static int gaps_untouched(const struct fmsg *m)
{
    const unsigned char *gaps[] = {m->gap0, m->gap1, m->gap2};
    const size_t len[] = {sizeof m->gap0, sizeof m->gap1, sizeof m->gap2};
    for (int g = 0; g < 3; g++)
        for (size_t k = 0; k < len[g]; k++)
            if (gaps[g][k] != FILL_RECV)
                return 0;
    return 1;
}

static void check_fmsg(struct bank *b, const struct fmsg *m, const MPI_Status *st)
{
    check_count(st, b->ftype, 1, K_F);
    if (m->from != st->MPI_SOURCE || m->stamp != stamp_of(m->from, m->seq))
        fail("class F message from %d says from %d, seq %d, stamp %.17g", st->MPI_SOURCE,
             (int)m->from, (int)m->seq, m->stamp);
    if (!gaps_untouched(m))
        fail("class F message from %d wrote into the gaps of the struct", st->MPI_SOURCE);
    check_money(b, K_F, st, m->amount, m->seq);
}

/* ---- sending ---- */

static void pool_init(struct sendpool *p, int cap)
{
    p->slots = xcalloc((size_t)cap, sizeof *p->slots);
    p->req = xcalloc((size_t)cap, sizeof *p->req);
    p->idx = xcalloc((size_t)cap, sizeof *p->idx);
}

/* The buffer for the next non-blocking send; post the send into pool_req(). */
static union payload *pool_next(struct sendpool *p)
{
    return &p->slots[p->used++];
}

static MPI_Request *pool_req(struct sendpool *p)
{
    return &p->req[p->active++];
}

/* Complete pending sends: those that are done (wait = 0) or all of them (wait = 1). */
static void pool_reap(struct sendpool *p, int wait)
{
    int out, kept = 0;
    if (p->active == 0)
        return;
    if (wait)
        MPI_Waitall(p->active, p->req, MPI_STATUSES_IGNORE);
    else
        MPI_Testsome(p->active, p->req, &out, p->idx, MPI_STATUSES_IGNORE);
    for (int k = 0; k < p->active; k++)
        if (p->req[k] != MPI_REQUEST_NULL)
            p->req[kept++] = p->req[k];
    p->active = kept;
}

static MPI_Comm comm_of(const struct bank *b, int kind)
{
    return kind == K_B ? b->comm_b : kind == K_C ? b->comm_c : MPI_COMM_WORLD;
}

/* Classes A, B, C, D: the payload is {amount, plan index}. */
static void send_pair(struct bank *b, long i, const struct xfer *x)
{
    int64_t m[2] = {x->amount, i};
    int tag = xfer_tag(x);
    b->balance -= x->amount; /* before the send is posted */
    if (x->kind == K_D) {
        MPI_Rsend(m, 2, MPI_INT64_T, x->dest, tag, MPI_COMM_WORLD);
    } else if (is_a(x) && x->mode == A_SEND) {
        MPI_Send(m, 2, MPI_INT64_T, x->dest, tag, MPI_COMM_WORLD);
    } else if (is_a(x) && x->mode == A_BSEND) {
        MPI_Bsend(m, 2, MPI_INT64_T, x->dest, tag, MPI_COMM_WORLD);
    } else {
        union payload *slot = pool_next(&b->sends);
        memcpy(slot->pair, m, sizeof m);
        MPI_Request *req = pool_req(&b->sends);
        if (x->kind == K_B && !b->opt.safepoint_every)
            MPI_Issend(slot->pair, 2, MPI_INT64_T, x->dest, tag, b->comm_b, req);
        else
            MPI_Isend(slot->pair, 2, MPI_INT64_T, x->dest, tag, comm_of(b, x->kind), req);
    }
}

static void send_f(struct bank *b, long i, const struct xfer *x)
{
    struct fmsg *m = &pool_next(&b->sends)->f;
    memset(m, FILL_SEND, sizeof *m);
    m->amount = x->amount;
    m->from = b->rank;
    m->seq = (int32_t)i;
    m->stamp = stamp_of(b->rank, i);
    MPI_Request *req = pool_req(&b->sends);
    b->balance -= x->amount;
    MPI_Isend(m, 1, b->ftype, x->dest, kinds[K_F].tag, MPI_COMM_WORLD, req);
}

/* Class G: pay the right neighbour and be paid by the left one in one call. */
static void send_g(struct bank *b, long i, const struct xfer *x)
{
    int left = (b->rank - 1 + b->nranks) % b->nranks, tag = kinds[K_G].tag;
    int64_t out[2] = {x->amount, i}, in[2];
    MPI_Status st;
    b->balance -= x->amount;
    MPI_Sendrecv(out, 2, MPI_INT64_T, x->dest, tag, in, 2, MPI_INT64_T, left, tag,
                 MPI_COMM_WORLD, &st);
    b->balance += in[0];
    check_count(&st, MPI_INT64_T, 2, K_G);
    check_money(b, K_G, &st, in[0], in[1]);
}

static void send_transfer(struct bank *b, long i)
{
    const struct xfer *x = xfer_at(b, b->rank, i);
    switch (x->kind) {
    case K_NONE:
        break;
    case K_E:
        MPI_Send(&b->zero, 0, MPI_INT64_T, x->dest, kinds[K_E].tag, MPI_COMM_WORLD);
        break;
    case K_F:
        send_f(b, i, x);
        break;
    case K_G:
        send_g(b, i, x);
        break;
    default:
        send_pair(b, i, x);
    }
}

/* ---- receiving ---- */

/* Receive one message of a WORLD class (A, E, F) from src (MPI_ANY_SOURCE allowed). */
static void recv_world(struct bank *b, int kind, int src)
{
    MPI_Status st;
    int tag = kinds[kind].tag;
    if (kind == K_E) {
        MPI_Recv(&b->zero, 0, MPI_INT64_T, src, tag, MPI_COMM_WORLD, &st);
        check_zero(b, &st);
    } else if (kind == K_F) {
        struct fmsg m;
        memset(&m, FILL_RECV, sizeof m);
        MPI_Recv(&m, 1, b->ftype, src, tag, MPI_COMM_WORLD, &st);
        b->balance += m.amount;
        check_fmsg(b, &m, &st);
    } else {
        int64_t m[2];
        MPI_Recv(m, 2, MPI_INT64_T, src, tag, MPI_COMM_WORLD, &st);
        b->balance += m[0];
        check_count(&st, MPI_INT64_T, 2, kind);
        check_money(b, kind, &st, m[0], m[1]);
    }
}

/* Receive what has arrived of a WORLD class: Iprobe(ANY_SOURCE), then Recv from the
 * probed source and tag. */
static void probe_world(struct bank *b, int kind)
{
    while (b->expect[kind] > 0) {
        int flag;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, kinds[kind].tag, MPI_COMM_WORLD, &flag, &st);
        if (!flag)
            return;
        recv_world(b, kind, st.MPI_SOURCE);
    }
}

/* Class B: matched probe on any tag, then Mrecv. Blocking (Mprobe) in the tail phase. */
static void probe_b(struct bank *b, int blocking)
{
    while (b->expect[K_B] > 0) {
        int flag = 1;
        int64_t m[2];
        MPI_Message msg;
        MPI_Status pst, st;
        if (blocking)
            MPI_Mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, b->comm_b, &msg, &pst);
        else
            MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, b->comm_b, &flag, &msg, &pst);
        if (!flag)
            return;
        MPI_Mrecv(m, 2, MPI_INT64_T, &msg, &st);
        b->balance += m[0];
        if (st.MPI_SOURCE != pst.MPI_SOURCE || st.MPI_TAG != pst.MPI_TAG)
            fail("class B: Mprobe saw (%d, %d) but Mrecv got (%d, %d)", pst.MPI_SOURCE,
                 pst.MPI_TAG, st.MPI_SOURCE, st.MPI_TAG);
        check_count(&st, MPI_INT64_T, 2, K_B);
        check_money(b, K_B, &st, m[0], m[1]);
    }
}

static void prepost_post(struct prepost *p, int k)
{
    p->buf[k][0] = 0; /* stays 0 if the receive is cancelled */
    MPI_Irecv(p->buf[k], 2, MPI_INT64_T, MPI_ANY_SOURCE, kinds[p->kind].tag, p->comm,
              &p->req[k]);
}

/* Post min(slots, expected) wildcard receives of a class; the rest are posted as these
 * complete. */
static void prepost_init(struct prepost *p, int kind, MPI_Comm comm, long expected, int slots)
{
    p->kind = kind;
    p->comm = comm;
    p->n = expected < slots ? (int)expected : slots;
    p->unposted = expected - p->n;
    p->req = xcalloc((size_t)p->n, sizeof *p->req);
    p->buf = xcalloc((size_t)p->n, sizeof *p->buf);
    p->idx = xcalloc((size_t)p->n, sizeof *p->idx);
    p->st = xcalloc((size_t)p->n, sizeof *p->st);
    for (int k = 0; k < p->n; k++)
        prepost_post(p, k);
}

/*
 * Receives idx[0..count) have completed, st[j] being the status of idx[j]. Credit every
 * amount first (nothing may come between the completing call and the credit), then
 * check each message and re-post its slot while more are expected.
 */
static void prepost_done(struct bank *b, struct prepost *p, int count, const int *idx,
                         const MPI_Status *st)
{
    for (int j = 0; j < count; j++)
        b->balance += p->buf[idx[j]][0];
    for (int j = 0; j < count; j++) {
        check_count(&st[j], MPI_INT64_T, 2, p->kind);
        check_money(b, p->kind, &st[j], p->buf[idx[j]][0], p->buf[idx[j]][1]);
        if (p->unposted > 0) {
            p->unposted--;
            prepost_post(p, idx[j]);
        }
    }
}

static void prepost_test(struct bank *b, struct prepost *p)
{
    int out;
    if (b->expect[p->kind] == 0)
        return;
    MPI_Testsome(p->n, p->req, &out, p->idx, p->st);
    if (out != MPI_UNDEFINED && out > 0)
        prepost_done(b, p, out, p->idx, p->st);
}

/* Tail phase of class C: one MPI_Waitany at a time. */
static void prepost_waitany(struct bank *b, struct prepost *p)
{
    while (b->expect[p->kind] > 0) {
        int k;
        MPI_Status st;
        MPI_Waitany(p->n, p->req, &k, &st);
        if (k == MPI_UNDEFINED)
            fail("class %s: no receive left for %ld expected messages", kinds[p->kind].name,
                 b->expect[p->kind]);
        prepost_done(b, p, 1, &k, &st);
    }
}

/* Tail phase of class D: every receive is posted; one MPI_Waitall for the rest. */
static void prepost_waitall(struct bank *b, struct prepost *p)
{
    int count = 0;
    if (b->expect[p->kind] == 0)
        return;
    for (int k = 0; k < p->n; k++)
        if (p->req[k] != MPI_REQUEST_NULL)
            p->idx[count++] = k;
    MPI_Waitall(p->n, p->req, p->st);
    /* Pack the statuses of the completed ones in idx order; idx[j] >= j, so nothing
     * still to be read is overwritten. */
    for (int j = 0; j < count; j++)
        p->st[j] = p->st[p->idx[j]];
    prepost_done(b, p, count, p->idx, p->st);
}

/* One non-blocking pass over every class: receive whatever has arrived. */
static void receive_pass(struct bank *b)
{
    probe_world(b, K_A10); /* first: tag 10 overtakes earlier tag-1 messages */
    probe_world(b, K_A1);
    probe_b(b, 0);
    prepost_test(b, &b->c);
    prepost_test(b, &b->d);
    probe_world(b, K_E);
    probe_world(b, K_F);
    pool_reap(&b->sends, 0);
}

/* ---- restartable mode ---- */

/* The mutable state, protected so that a restart resumes it at a safe point. */
static void protect_state(struct bank *b)
{
    struct {
        const char *name;
        void *p;
        int count;
        MPI_Datatype type;
    } regions[] = {
        {"expect", b->expect, K_COUNT, MPI_LONG},
        {"cursor", b->cursor, K_COUNT * b->nranks, MPI_LONG},
        {"seen", b->seen, (int)(((size_t)b->nranks * (size_t)b->opt.transfers + 7) / 8), MPI_UNSIGNED_CHAR},
        {"next", &b->next, 1, MPI_LONG},
        {"sends.used", &b->sends.used, 1, MPI_INT},
        {"c.unposted", &b->c.unposted, 1, MPI_LONG},
    };
    for (size_t k = 0; k < sizeof regions / sizeof *regions; k++) {
        int rc = mpisnap_protect(regions[k].name, regions[k].p, regions[k].count, regions[k].type);
        if (rc != MPISNAP_OK)
            fail("mpisnap_protect(%s): %s", regions[k].name, mpisnap_strerror(rc));
    }
}

static void unprotect_state(void)
{
    static const char *names[] = {"expect", "cursor", "seen", "next", "sends.used", "c.unposted"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        mpisnap_unprotect(names[k]);
}

/* Take back the pre-posted receives of a class: cancel each; one that completed instead
 * is credited and checked like any other. Its slot is posted again by prepost_repost. */
static void prepost_cancel(struct bank *b, struct prepost *p)
{
    for (int k = 0; k < p->n; k++) {
        if (p->req[k] == MPI_REQUEST_NULL)
            continue;
        MPI_Status st;
        int cancelled;
        MPI_Cancel(&p->req[k]);
        MPI_Wait(&p->req[k], &st);
        b->balance += p->buf[k][0]; /* 0 if cancelled; credited before any other MPI call */
        MPI_Test_cancelled(&st, &cancelled);
        if (cancelled) {
            p->unposted++;
            continue;
        }
        check_count(&st, MPI_INT64_T, 2, p->kind);
        check_money(b, p->kind, &st, p->buf[k][0], p->buf[k][1]);
    }
}

static void prepost_repost(struct prepost *p)
{
    for (int k = 0; k < p->n && p->unposted > 0; k++)
        if (p->req[k] == MPI_REQUEST_NULL) {
            p->unposted--;
            prepost_post(p, k);
        }
}

/* A safe point: nothing of this rank pending (sends complete, receiving meanwhile so
 * nobody waits on this rank; class C receives cancelled), then mpisnap_safepoint(),
 * which records a pending snapshot here or, in a restarted run, restores the state. */
static void safe_point(struct bank *b)
{
    while (b->sends.active > 0)
        receive_pass(b);
    prepost_cancel(b, &b->c);
    int rc = mpisnap_safepoint();
    if (rc != MPISNAP_OK)
        fail("mpisnap_safepoint: %s", mpisnap_strerror(rc));
    prepost_repost(&b->c);
}

/* ---- phases ---- */

static MPI_Datatype make_ftype(void)
{
    int len[4] = {1, 1, 1, 1};
    MPI_Aint disp[4] = {offsetof(struct fmsg, amount), offsetof(struct fmsg, from),
                        offsetof(struct fmsg, seq), offsetof(struct fmsg, stamp)};
    MPI_Datatype types[4] = {MPI_INT64_T, MPI_INT32_T, MPI_INT32_T, MPI_DOUBLE};
    MPI_Datatype s, t;
    MPI_Type_create_struct(4, len, disp, types, &s);
    MPI_Type_create_resized(s, 0, sizeof(struct fmsg), &t);
    MPI_Type_free(&s);
    MPI_Type_commit(&t);
    return t;
}

/* Attach a buffer big enough for every Bsend of this rank's plan, so none can fail. */
static void attach_bsend_buffer(const struct bank *b)
{
    int pack;
    MPI_Pack_size(2, MPI_INT64_T, MPI_COMM_WORLD, &pack);
    long size = (b->n_bsend + 1L) * (pack + MPI_BSEND_OVERHEAD);
    if (size > INT_MAX)
        fail("Bsend buffer of %ld bytes is too big; use fewer --transfers", size);
    MPI_Buffer_attach(xcalloc((size_t)size, 1), (int)size);
}

static void print_header(const struct bank *b)
{
    printf("bank: %d ranks, %lld transfers each, seed %lld, initial %lld per rank\n",
           b->nranks, b->opt.transfers, b->opt.seed, b->opt.initial);
    printf("bank: messages per class:");
    for (int k = K_A1; k < K_COUNT; k++)
        printf(" %s %ld", kinds[k].name, b->per_kind[k]);
    printf("\n");
    fflush(stdout);
}

/* Register state, build the plan, set up communicators, buffers and pre-posted
 * receives, then a barrier: after it every Rsend finds its receive posted. */
static void setup(struct bank *b)
{
    b->balance = b->opt.initial;
    int rc = mpisnap_protect("balance", &b->balance, 1, MPI_INT64_T);
    if (rc == MPISNAP_OK && b->rank == 0)
        rc = mpisnap_conserve("balance", b->nranks * b->opt.initial, 0);
    if (rc != MPISNAP_OK)
        fail("mpisnap_protect/conserve: %s", mpisnap_strerror(rc));
    MPI_Comm_dup(MPI_COMM_WORLD, &b->comm_b);
    MPI_Comm_dup(MPI_COMM_WORLD, &b->comm_c);
    b->ftype = make_ftype();
    plan_all(b);
    if (b->rank == 0 && !b->opt.quiet)
        print_header(b);
    pool_init(&b->sends, b->n_slot);
    attach_bsend_buffer(b);
    prepost_init(&b->c, K_C, b->comm_c, b->expect[K_C], C_SLOTS);
    prepost_init(&b->d, K_D, MPI_COMM_WORLD, b->expect[K_D], INT_MAX);
    if (b->opt.safepoint_every)
        protect_state(b);
    MPI_Barrier(MPI_COMM_WORLD);
}

static int request_due(const struct bank *b, long i)
{
    long long m = b->opt.request_every;
    if (m <= 0 || !b->requester)
        return 0;
    long long offset = (long long)((double)b->rank * (double)m / (2.0 * b->nranks));
    return (i + 1 + offset) % m == 0;
}

/* Main phase: post one transfer, then receive whatever has arrived. A safe point may
 * restore b->next (restart), so the transfer index is read after it. */
static void run_transfers(struct bank *b)
{
    long every = (long)b->opt.safepoint_every;
    for (b->next = 0; b->next < b->opt.transfers; b->next++) {
        if (every && b->next % every == 0)
            safe_point(b);
        long i = b->next;
        if (i == b->opt.crash_at && b->rank == b->nranks - 1)
            raise(SIGKILL);
        if (request_due(b, i))
            snap_request();
        send_transfer(b, i);
        receive_pass(b);
    }
}

/*
 * Tail phase: this rank's sends are all posted, so block in receives for the rest
 * (every other rank posts its sends without waiting for this one). Class E comes first:
 * with --snapshot-in-recv, rank 0 holds back one zero-byte message to each rank, so the
 * others sit in MPI_Recv with messages of every other class still undelivered.
 */
static void run_tail(struct bank *b)
{
    static const int world_kinds[] = {K_E, K_A10, K_A1, K_F};
    if (b->opt.in_recv && b->rank == 0) {
        sleep_ms(SNAP_DELAY_MS);
        snap_request();
        for (int r = 1; r < b->nranks; r++)
            MPI_Send(&b->zero, 0, MPI_INT64_T, r, kinds[K_E].tag, MPI_COMM_WORLD);
    }
    for (size_t k = 0; k < sizeof world_kinds / sizeof *world_kinds; k++)
        while (b->expect[world_kinds[k]] > 0)
            recv_world(b, world_kinds[k], MPI_ANY_SOURCE);
    probe_b(b, 1);
    prepost_waitany(b, &b->c);
    prepost_waitall(b, &b->d);
    pool_reap(&b->sends, 1);
    void *buf;
    int size;
    MPI_Buffer_detach(&buf, &size);
    free(buf);
    for (int k = 0; k < K_COUNT; k++)
        if (b->expect[k] != 0)
            fail("class %s: %ld messages never arrived", kinds[k].name, b->expect[k]);
    if (b->token_due)
        fail("the zero-byte message rank 0 holds back never arrived");
}

/* Gather the balances on rank 0 and print the verdict. Returns the exit status. */
static int report(const struct bank *b, long snapshot, double seconds)
{
    int n = b->nranks, bad = 0;
    int64_t *all = b->rank == 0 ? xcalloc((size_t)n, sizeof *all) : NULL;
    MPI_Gather(&b->balance, 1, MPI_INT64_T, all, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (b->rank != 0)
        return 0;
    int64_t total = 0, expected = (int64_t)n * b->opt.initial;
    for (int r = 0; r < n; r++) {
        total += all[r];
        if (all[r] != b->predicted[r]) {
            fprintf(stderr, "bank: rank %d ends with %lld, its plan says %lld\n", r,
                    (long long)all[r], (long long)b->predicted[r]);
            bad = 1;
        }
    }
    bad |= total != expected;
    if (!b->opt.quiet)
        printf("bank: done in %.2f s, newest complete snapshot %ld\n", seconds, snapshot);
    printf("balances:");
    for (int r = 0; r < n; r++)
        printf(" %lld", (long long)all[r]);
    printf("\nbank: total %lld (expected %lld) %s\n", (long long)total, (long long)expected,
           bad ? "MISMATCH" : "OK");
    fflush(stdout);
    free(all);
    return bad;
}

static void teardown(struct bank *b)
{
    struct prepost *pp[] = {&b->c, &b->d};
    for (int k = 0; k < 2; k++) {
        free(pp[k]->req);
        free(pp[k]->buf);
        free(pp[k]->idx);
        free(pp[k]->st);
    }
    free(b->sends.slots);
    free(b->sends.req);
    free(b->sends.idx);
    free(b->plan);
    free(b->predicted);
    free(b->cursor);
    free(b->seen);
    MPI_Type_free(&b->ftype);
    MPI_Comm_free(&b->comm_b);
    MPI_Comm_free(&b->comm_c);
    mpisnap_unprotect("balance");
    if (b->opt.safepoint_every)
        unprotect_state();
}

int main(int argc, char **argv)
{
    static struct bank b; /* static: the protected balance outlives every MPI call */
    char err[256];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &b.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &b.nranks);
    g_rank = b.rank;
    int rc = parse_args(argc, argv, &b, err, sizeof err);
    if (rc != 0) {
        if (b.rank == 0 && rc > 0)
            usage();
        if (b.rank == 0 && rc < 0)
            fprintf(stderr, "%s\n", err);
        MPI_Finalize();
        return rc > 0 ? 0 : 2;
    }
    double t0 = now_s();
    setup(&b);
    run_transfers(&b);
    run_tail(&b);
    if (b.opt.in_barrier && b.rank == b.nranks - 1) {
        /* The others are (or will be) blocked in the barrier: the snapshot can only
         * complete if they serve it from there, since this rank enters it afterwards. */
        long before = mpisnap_last_snapshot();
        busy_ms(SNAP_DELAY_MS);
        snap_request();
        while (mpisnap_last_snapshot() <= before) {
            int flag;
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_SELF, &flag, MPI_STATUS_IGNORE);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    long snapshot = mpisnap_wait_all();
    rc = report(&b, snapshot, now_s() - t0);
    teardown(&b);
    MPI_Finalize();
    return rc;
}
