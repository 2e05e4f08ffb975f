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
 *
 * Files: this one holds the helpers, the phases of a run and main; bank_plan.c the
 * options, the plan and the checks of received messages; bank_xfer.c the sends, the
 * receives and the safe points; bank.h what they share.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <mpi.h>

#include "mpisnap.h"

#include "bank.h"

/* ---- helpers ---- */

static int g_rank;

/* Report a broken expectation and abort the whole job (exit status 1). */
void fail(const char *fmt, ...)
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

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) fail("out of memory (%zu x %zu bytes)", n, size);
    return p;
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
        for (int k = 0; k < 1000; k++) x += 0.5 * k;
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
    if (rc != MPISNAP_OK) fail("mpisnap_request: %s", mpisnap_strerror(rc));
}

/* ---- phases ---- */

static MPI_Datatype make_ftype(void)
{
    int len[4] = {1, 1, 1, 1};
    MPI_Aint disp[4] = {offsetof(struct fmsg, amount), offsetof(struct fmsg, from), offsetof(struct fmsg, seq),
                        offsetof(struct fmsg, stamp)};
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
    if (size > INT_MAX) fail("Bsend buffer of %ld bytes is too big; use fewer --transfers", size);
    MPI_Buffer_attach(xcalloc((size_t)size, 1), (int)size);
}

static void print_header(const struct bank *b)
{
    printf("bank: %d ranks, %lld transfers each, seed %lld, initial %lld per rank\n", b->nranks, b->opt.transfers,
           b->opt.seed, b->opt.initial);
    printf("bank: messages per class:");
    for (int k = K_A1; k < K_COUNT; k++) printf(" %s %ld", kinds[k].name, b->per_kind[k]);
    printf("\n");
    fflush(stdout);
}

/* Register state, build the plan, set up communicators, buffers and pre-posted
 * receives, then a barrier: after it every Rsend finds its receive posted. */
static void setup(struct bank *b)
{
    b->balance = b->opt.initial;
    int rc = mpisnap_protect("balance", &b->balance, 1, MPI_INT64_T);
    if (rc == MPISNAP_OK && b->rank == 0) rc = mpisnap_conserve("balance", b->nranks * b->opt.initial, 0);
    if (rc != MPISNAP_OK) fail("mpisnap_protect/conserve: %s", mpisnap_strerror(rc));
    MPI_Comm_dup(MPI_COMM_WORLD, &b->comm_b);
    MPI_Comm_dup(MPI_COMM_WORLD, &b->comm_c);
    b->ftype = make_ftype();
    plan_all(b);
    if (b->rank == 0 && !b->opt.quiet) print_header(b);
    pool_init(&b->sends, b->n_slot);
    attach_bsend_buffer(b);
    prepost_init(&b->c, K_C, b->comm_c, b->expect[K_C], C_SLOTS);
    prepost_init(&b->d, K_D, MPI_COMM_WORLD, b->expect[K_D], INT_MAX);
    if (b->opt.safepoint_every) protect_state(b);
    MPI_Barrier(MPI_COMM_WORLD);
}

static int request_due(const struct bank *b, long i)
{
    long long m = b->opt.request_every;
    if (m <= 0 || !b->requester) return 0;
    long long offset = (long long)((double)b->rank * (double)m / (2.0 * b->nranks));
    return (i + 1 + offset) % m == 0;
}

/* Main phase: post one transfer, then receive whatever has arrived. A safe point may
 * restore b->next (restart), so the transfer index is read after it. */
static void run_transfers(struct bank *b)
{
    long every = (long)b->opt.safepoint_every;
    for (b->next = 0; b->next < b->opt.transfers; b->next++) {
        if (every && b->next % every == 0) safe_point(b);
        long i = b->next;
        if (i == b->opt.crash_at && b->rank == b->nranks - 1) raise(SIGKILL);
        if (request_due(b, i)) snap_request();
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
        for (int r = 1; r < b->nranks; r++) MPI_Send(&b->zero, 0, MPI_INT64_T, r, kinds[K_E].tag, MPI_COMM_WORLD);
    }
    for (size_t k = 0; k < sizeof world_kinds / sizeof *world_kinds; k++)
        while (b->expect[world_kinds[k]] > 0) recv_world(b, world_kinds[k], MPI_ANY_SOURCE);
    probe_b(b, 1);
    prepost_waitany(b, &b->c);
    prepost_waitall(b, &b->d);
    pool_reap(&b->sends, 1);
    void *buf;
    int size;
    MPI_Buffer_detach(&buf, &size);
    free(buf);
    for (int k = 0; k < K_COUNT; k++)
        if (b->expect[k] != 0) fail("class %s: %ld messages never arrived", kinds[k].name, b->expect[k]);
    if (b->token_due) fail("the zero-byte message rank 0 holds back never arrived");
}

/* Gather the balances on rank 0 and print the verdict. Returns the exit status. */
static int report(const struct bank *b, long snapshot, double seconds)
{
    int n = b->nranks, bad = 0;
    int64_t *all = b->rank == 0 ? xcalloc((size_t)n, sizeof *all) : NULL;
    MPI_Gather(&b->balance, 1, MPI_INT64_T, all, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (b->rank != 0) return 0;
    int64_t total = 0, expected = (int64_t)n * b->opt.initial;
    for (int r = 0; r < n; r++) {
        total += all[r];
        if (all[r] != b->predicted[r]) {
            fprintf(stderr, "bank: rank %d ends with %lld, its plan says %lld\n", r, (long long)all[r],
                    (long long)b->predicted[r]);
            bad = 1;
        }
    }
    bad |= total != expected;
    if (!b->opt.quiet) printf("bank: done in %.2f s, newest complete snapshot %ld\n", seconds, snapshot);
    printf("balances:");
    for (int r = 0; r < n; r++) printf(" %lld", (long long)all[r]);
    printf("\nbank: total %lld (expected %lld) %s\n", (long long)total, (long long)expected, bad ? "MISMATCH" : "OK");
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
    /* the balance stays protected through MPI_Finalize (it is static): a snapshot another
     * rank started may still record this one there, and the conserved quantity needs it */
    if (b->opt.safepoint_every) unprotect_state();
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
        if (b.rank == 0 && rc > 0) usage();
        if (b.rank == 0 && rc < 0) fprintf(stderr, "%s\n", err);
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
