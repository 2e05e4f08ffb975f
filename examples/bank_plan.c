/*
 * bank_plan.c - the bank's options, its deterministic plan of transfers, and the checks
 * that every received message is a planned one, arriving in the order MPI promises.
 * Nothing here sends or receives; see bank.c for the design.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "bank.h"

const struct kind_info kinds[K_COUNT] = {
    [K_NONE] = {"-", -1, 0}, [K_A1] = {"A1", 1, 1}, [K_A10] = {"A10", 10, 1}, [K_B] = {"B", 3, 1}, [K_C] = {"C", 5, 0},
    [K_D] = {"D", 6, 0},     [K_E] = {"E", 7, 1},   [K_F] = {"F", 8, 1},      [K_G] = {"G", 9, 1},
};

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

static unsigned rng_below(struct rng *g, unsigned n) { return (unsigned)(rng_next(g) % n); }

static struct rng rng_seed(uint64_t seed, int rank)
{
    struct rng g = {seed};
    g.s = rng_next(&g) ^ (0xD1B54A32D192ED03ULL * (uint64_t)(rank + 1));
    return g;
}

/* ---- options ---- */

void usage(void)
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
    if (!((*s >= '0' && *s <= '9') || *s == '-')) return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max) return -1;
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
        if (len == 0 || len >= sizeof item) return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        if (parse_ll(item, 0, nranks - 1, &r) < 0) return -1;
        found |= r == rank;
        if (p[len] == '\0') return found;
        p += len + 1;
    }
}

/*
 * Parse argv. Returns 0 to run, 1 for --help, -1 on error with a one-line message in
 * err. Every rank parses the same argv and so reaches the same verdict.
 */
int parse_args(int argc, char **argv, struct bank *b, char *err, size_t errlen)
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
        if (!strcmp(argv[i], "--help")) return 1;
        while (k < ndefs && strcmp(argv[i], defs[k].name)) k++;
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
            snprintf(err, errlen, "bank: bad value '%s' for %s: expected an integer in 0..%lld", argv[i], defs[k].name,
                     defs[k].max);
            return -1;
        }
        if (!defs[k].num && (b->requester = in_rank_list(argv[i], b->rank, b->nranks)) < 0) {
            snprintf(err, errlen, "bank: bad value '%s' for %s: expected comma-separated ranks in 0..%d", argv[i],
                     defs[k].name, b->nranks - 1);
            return -1;
        }
    }
    if (o->safepoint_every && (o->in_recv || o->in_barrier)) {
        snprintf(err, errlen,
                 "bank: --safepoint-every cannot be combined with --snapshot-in-recv or "
                 "--snapshot-in-barrier (their snapshots are taken outside safe points)");
        return -1;
    }
    return 0;
}

/* ---- the plan ---- */

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
            if (x->kind == K_E) x->amount = 0;
        }
    }
}

/* Build every rank's plan and derive what this rank expects, sends and ends with. */
void plan_all(struct bank *b)
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
            if (x->kind == K_NONE) continue;
            b->per_kind[x->kind]++;
            b->predicted[r] -= x->amount;
            b->predicted[x->dest] += x->amount;
            if (x->dest == b->rank) b->expect[x->kind]++;
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
        if (x->dest == b->rank && x->kind == kind) break;
        k++;
    }
    return k;
}

void check_count(const MPI_Status *st, MPI_Datatype type, int want, int kind)
{
    int got;
    MPI_Get_count(st, type, &got);
    if (got != want)
        fail("class %s message from %d has count %d, expected %d", kinds[kind].name, st->MPI_SOURCE, got, want);
}

/*
 * A money message {amount, seq} of class `kind` arrived with status st: it must be the
 * sender's planned transfer seq to this rank, received at most once and, for ordered
 * classes, exactly the next one (MPI's non-overtaking rule).
 */
void check_money(struct bank *b, int kind, const MPI_Status *st, int64_t amount, int64_t seq)
{
    int src = st->MPI_SOURCE;
    const char *name = kinds[kind].name;
    if (src < 0 || src >= b->nranks || seq < 0 || seq >= b->opt.transfers)
        fail("class %s message from %d names transfer %lld", name, src, (long long)seq);
    const struct xfer *x = xfer_at(b, src, (long)seq);
    if (x->kind != kind || x->dest != b->rank || x->amount != amount || xfer_tag(x) != st->MPI_TAG)
        fail("class %s message from %d (transfer %lld, amount %lld, tag %d) is not in the "
             "plan (class %s to %d, amount %d, tag %d)",
             name, src, (long long)seq, (long long)amount, st->MPI_TAG, kinds[x->kind].name, x->dest, x->amount,
             xfer_tag(x));
    if (kinds[kind].ordered) {
        long next = next_in_plan(b, kind, src);
        if (next != seq)
            fail("class %s from %d: got transfer %lld before transfer %ld (order broken)", name, src, (long long)seq,
                 next);
        b->cursor[kind * b->nranks + src] = next + 1;
    } else {
        size_t bit = (size_t)src * (size_t)b->opt.transfers + (size_t)seq;
        if (b->seen[bit / 8] & (1u << bit % 8))
            fail("class %s from %d: transfer %lld received twice", name, src, (long long)seq);
        b->seen[bit / 8] |= (unsigned char)(1u << bit % 8);
    }
    b->expect[kind]--;
}

/* A zero-byte message: the next planned one from its sender, or rank 0's late token. */
void check_zero(struct bank *b, const MPI_Status *st)
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

/* A receive writes only the bytes its datatype maps (how a column of a matrix is received
 * in place); the holes of struct fmsg must keep the receiver's fill. */
static int gaps_untouched(const struct fmsg *m)
{
    const unsigned char *gaps[] = {m->gap0, m->gap1, m->gap2};
    const size_t len[] = {sizeof m->gap0, sizeof m->gap1, sizeof m->gap2};
    for (int g = 0; g < 3; g++)
        for (size_t k = 0; k < len[g]; k++)
            if (gaps[g][k] != FILL_RECV) return 0;
    return 1;
}

void check_fmsg(struct bank *b, const struct fmsg *m, const MPI_Status *st)
{
    check_count(st, b->ftype, 1, K_F);
    if (m->from != st->MPI_SOURCE || m->stamp != stamp_of(m->from, m->seq))
        fail("class F message from %d says from %d, seq %d, stamp %.17g", st->MPI_SOURCE, (int)m->from, (int)m->seq,
             m->stamp);
    if (!gaps_untouched(m)) fail("class F message from %d wrote into the gaps of the struct", st->MPI_SOURCE);
    check_money(b, K_F, st, m->amount, m->seq);
}
