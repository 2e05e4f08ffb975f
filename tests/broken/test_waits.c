/*
 * test_waits.c - unit tests of the wait-for analysis behind `mpisnap-inspect waits`
 * (tools/inspect_waits.c, tools/inspect_deadlock.c), on small snapshots written with the
 * snapfile module: AND and OR waits, MPI_ANY_SOURCE, messages in transit, synchronous
 * and buffered sends, collectives with and without collective counts, communicator
 * translation, and a thousand ranks. No MPI. Files go under $TEST_TMPDIR (or a fresh
 * mkdtemp() directory), removed when every test passes.
 */
#define _XOPEN_SOURCE 700

#include "inspect_waits.h"

#include <CUnit/Basic.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAXR = 1001, MAXQ = 4, MAXM = 4 };

/* The job being built: every rank starts outside MPI, with no message and no table. */
static struct job {
    int32_t n;
    uint64_t zeros[MAXR];
    sf_rank ranks[MAXR];
    sf_request reqs[MAXR][MAXQ];
    sf_msg msgs[MAXR][MAXM];
    sf_comm comms[MAXR][2];
} J;

static char g_dir[4096];

static void job(int32_t n)
{
    memset(&J, 0, sizeof J);
    J.n = n;
    for (int32_t r = 0; r < n; r++)
        J.ranks[r] = (sf_rank){.rank = r,
                               .sent = J.zeros,
                               .recvd = J.zeros,
                               .nranks = n,
                               .requests = J.reqs[r],
                               .msgs = J.msgs[r],
                               .comms = J.comms[r]};
}

/* Rank r in `call` with the arguments as the library records them. */
static void in_call(int32_t r, const char *call, int32_t peer, int32_t tag, int32_t comm, int32_t count)
{
    snprintf(J.ranks[r].call, SF_NAME_MAX, "%s", call);
    snprintf(J.ranks[r].call_args, SF_TEXT_MAX, "peer=%d tag=%d comm=%d count=%d datatype=MPI_INT", peer, tag, comm,
             count);
}

static void coll(int32_t r, const char *call, int32_t comm) { in_call(r, call, -2, -2, comm, 0); }

static void request(int32_t r, const char *kind, int32_t peer, int32_t tag, int awaited)
{
    sf_request *q = &J.reqs[r][J.ranks[r].nrequests++];
    *q = (sf_request){.peer = peer, .tag = tag, .comm = 0, .count = 1, .awaited = awaited};
    snprintf(q->kind, SF_NAME_MAX, "%s", kind);
}

/* A message from world rank src into dst on comm (src's rank there: src_comm). */
static void transit(int32_t src, int32_t dst, int32_t comm, int32_t src_comm, int32_t tag, uint64_t bytes)
{
    static uint8_t payload[8192];
    sf_rank *k = &J.ranks[dst];
    J.msgs[dst][k->nmsgs] = (sf_msg){src, dst, comm, src_comm, tag, 0, k->nmsgs, bytes, payload, "", ""};
    k->nmsgs++;
}

static void table(int32_t r, int32_t id, int32_t size, const int32_t *world, uint64_t colls)
{
    J.comms[r][J.ranks[r].ncomms++] = (sf_comm){id, size, world, colls};
}

/* Writes the job, reads it back and analyses it; fatal on failure. */
static wf_graph *analyse(uint64_t eager)
{
    char path[4200], err[512] = "";
    static int seq;
    snprintf(path, sizeof path, "%s/w%d.h5", g_dir, seq++);
    sf_job jb = {.id = 1, .nranks = J.n};
    strcpy(jb.algo, "cl");
    sf_writer *w = sf_create(path, &jb, err, sizeof err);
    for (int32_t r = 0; w && r < J.n; r++)
        if (sf_write_rank(w, &J.ranks[r], err, sizeof err) < 0) w = NULL;
    if (!w || sf_commit(w, NULL, 0, 2.0, err, sizeof err) < 0) fprintf(stderr, "\n    %s\n", err);
    sf_file *f = sf_open(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (int32_t r = 0; r < J.n; r++) CU_ASSERT_PTR_NOT_NULL_FATAL(sf_get_rank(f, r, err, sizeof err));
    wf_graph *g = wf_build(f, eager);
    sf_close(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    return g;
}

static int same(const int32_t *v, uint32_t n, const int32_t *want, uint32_t nwant)
{
    return n == nwant && memcmp(v, want, n * sizeof *v) == 0;
}

/* ---- tests ---- */

static void test_head_to_head(void)
{
    job(4);
    in_call(0, "MPI_Recv", 1, 7, 0, 1);
    in_call(1, "MPI_Recv", 0, 7, 0, 1);
    coll(2, "MPI_Barrier", 0);
    coll(3, "MPI_Barrier", 0);
    wf_graph *g = analyse(4096);
    static const int32_t both[] = {0, 1};
    CU_ASSERT_EQUAL_FATAL(g->ndeadlocks, 1);
    CU_ASSERT(same(g->deadlocks[0].ranks, g->deadlocks[0].n, both, 2));
    CU_ASSERT(same(g->deadlocks[0].cycle, g->deadlocks[0].ncycle, both, 2));
    CU_ASSERT(g->nodes[0].state == WS_DEADLOCK && g->nodes[1].state == WS_DEADLOCK);
    CU_ASSERT(g->nodes[2].state == WS_STUCK && g->nodes[3].state == WS_STUCK);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].desc, "MPI_Recv(src=1, tag=7, comm=WORLD)");
    wf_free(g);
}

/* A matching message in transit completes a receive; one with another tag does not,
 * and is named as the near miss. */
static void test_in_transit(void)
{
    job(2);
    in_call(0, "MPI_Recv", 1, 7, 0, 1);
    in_call(1, "MPI_Recv", 0, 7, 0, 1);
    transit(1, 0, 0, 1, 7, 4);
    wf_graph *g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 0);
    CU_ASSERT_EQUAL(g->nodes[0].state, WS_COMPLETES);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].note, "message in transit from rank 1");
    CU_ASSERT_EQUAL(g->nodes[1].state, WS_WAITING);
    wf_free(g);
    J.msgs[0][0].tag = 5;
    g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 1);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].hint, "in transit from rank 1: tag 5, not matched");
    wf_free(g);
}

/* Waitany waits for one of its requests: free while one peer can progress. */
static void test_waitany(void)
{
    job(3);
    in_call(0, "MPI_Waitany", -2, -2, -1, 2);
    request(0, "Irecv", 1, 1, 1);
    request(0, "Irecv", 2, 2, 1);
    request(0, "Irecv", 1, 9, 0); /* pending, not awaited: no edge */
    in_call(1, "MPI_Recv", 0, 3, 0, 1);
    wf_graph *g = analyse(4096);
    int or_edge = 0;
    CU_ASSERT_EQUAL(g->ndeadlocks, 0);
    CU_ASSERT(g->nodes[0].any && g->nodes[0].state == WS_WAITING);
    CU_ASSERT(wf_waits_on(&g->nodes[0], 2, &or_edge) && or_edge);
    wf_free(g);
    in_call(2, "MPI_Recv", 0, 3, 0, 1); /* now every alternative is blocked on rank 0 */
    g = analyse(4096);
    CU_ASSERT_EQUAL_FATAL(g->ndeadlocks, 1);
    CU_ASSERT_EQUAL(g->deadlocks[0].n, 3);
    wf_free(g);
    J.ranks[0].nrequests = 1; /* one of the two awaited requests not recorded: unknown */
    g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 0);
    CU_ASSERT_EQUAL(g->nodes[0].state, WS_UNKNOWN);
    wf_free(g);
}

/* A rank that skipped a collective: the knot of MPI_ANY_SOURCE and the barrier. */
static void test_skipped_collective(void)
{
    static const int32_t world[] = {0, 1, 2, 3};
    job(4);
    for (int32_t r = 0; r < 4; r++) {
        coll(r, "MPI_Barrier", 0);
        table(r, 0, 4, world, 4);
    }
    in_call(2, "MPI_Recv", -1, 0, 0, 1);
    J.comms[2][0].colls = 3;
    wf_graph *g = analyse(4096);
    CU_ASSERT_EQUAL_FATAL(g->ndeadlocks, 1);
    CU_ASSERT_EQUAL(g->deadlocks[0].n, 4);
    CU_ASSERT(g->nodes[0].collective && g->nodes[0].nitems == 1 && g->nodes[0].items[0].ranks[0] == 2);
    CU_ASSERT(g->nodes[2].items[0].n == 3); /* any of the three others */
    wf_free(g);
}

/* With collective counts, members that passed a collective count as arrived: a root
 * still in MPI_Reduce while the others are in MPI_Finalize is not a deadlock. Without
 * counts, the same snapshot is taken for one (the documented fallback). */
static void test_collective_counts(void)
{
    static const int32_t world[] = {0, 1, 2, 3};
    job(4);
    coll(0, "MPI_Reduce", 0);
    for (int32_t r = 1; r < 4; r++) coll(r, "MPI_Finalize", 0);
    for (int32_t r = 0; r < 4; r++) table(r, 0, 4, world, 5);
    wf_graph *g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 0);
    CU_ASSERT_EQUAL(g->nodes[0].state, WS_COMPLETES);
    CU_ASSERT_EQUAL(g->nodes[1].state, WS_WAITING);
    wf_free(g);
    for (int32_t r = 0; r < 4; r++) J.ranks[r].ncomms = 0;
    g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 1);
    wf_free(g);
}

/* Sends: a synchronous send waits for its destination; a small standard send is
 * buffered unless eager is 0; a posted matching receive or a received message frees
 * any send. */
static void test_sends(void)
{
    job(2);
    in_call(0, "MPI_Ssend", 1, 1, 0, 1);
    in_call(1, "MPI_Recv", 0, 2, 0, 1);
    transit(0, 1, 0, 0, 1, 8);
    wf_graph *g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 1);
    wf_free(g);
    in_call(0, "MPI_Send", 1, 1, 0, 1);
    g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 0);
    CU_ASSERT_EQUAL(g->nodes[0].state, WS_COMPLETES);
    wf_free(g);
    g = analyse(0);
    CU_ASSERT_EQUAL(g->ndeadlocks, 1);
    wf_free(g);
    J.msgs[1][0].bytes = 8192;
    g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 1);
    wf_free(g);
    request(1, "Irecv", 0, 1, 0); /* rank 1 posted a matching receive earlier */
    g = analyse(0);
    CU_ASSERT_EQUAL(g->ndeadlocks, 0);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].note, "rank 1 has a matching receive posted");
    wf_free(g);
    J.ranks[1].nrequests = 0;
    J.ranks[1].nmsgs = 0; /* rank 1 has the message already */
    g = analyse(0);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].note, "rank 1 has received the message");
    wf_free(g);
}

/* Peers are ranks of the communicator: rank 0 of {2, 0} is world rank 2. */
static void test_communicators(void)
{
    static const int32_t world[] = {0, 1, 2}, split[] = {2, 0};
    job(3);
    for (int32_t r = 0; r < 3; r++) table(r, 0, 3, world, 0);
    table(0, 5, 2, split, 0);
    table(2, 5, 2, split, 0);
    in_call(0, "MPI_Recv", 0, 1, 5, 1);
    in_call(1, "MPI_Recv", 0, 1, 9, 1); /* a communicator rank 1 did not record */
    wf_graph *g = analyse(4096);
    CU_ASSERT(g->nodes[0].state == WS_WAITING && g->nodes[0].items[0].ranks[0] == 2);
    CU_ASSERT_STRING_EQUAL(g->nodes[0].desc, "MPI_Recv(src=0, tag=1, comm=5)");
    CU_ASSERT_EQUAL(g->nodes[1].state, WS_UNKNOWN);
    CU_ASSERT_STRING_EQUAL(g->nodes[1].note, "communicator 9 is not recorded");
    wf_free(g);
}

/* A thousand ranks: a chain that ends at a rank computing can progress; a barrier that
 * one rank skipped is one deadlock of every rank. */
static void test_thousand(void)
{
    job(MAXR);
    for (int32_t r = 0; r + 1 < MAXR; r++) in_call(r, "MPI_Recv", r + 1, 0, 0, 1);
    wf_graph *g = analyse(4096);
    CU_ASSERT_EQUAL(g->ndeadlocks, 0);
    CU_ASSERT(g->nodes[0].state == WS_WAITING && g->nodes[MAXR - 1].state == WS_IDLE);
    wf_free(g);
    for (int32_t r = 0; r + 1 < MAXR; r++) coll(r, "MPI_Barrier", 0);
    in_call(MAXR - 1, "MPI_Probe", -1, -1, 0, 0);
    g = analyse(4096);
    CU_ASSERT_EQUAL_FATAL(g->ndeadlocks, 1);
    CU_ASSERT_EQUAL(g->deadlocks[0].n, MAXR);
    CU_ASSERT_EQUAL(g->deadlocks[0].ncycle, 2);
    wf_free(g);
}

/* ---- driver ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int main(void)
{
    struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
        {"head-to-head receives, and ranks blocked by them", test_head_to_head},
        {"a message in transit completes a receive", test_in_transit},
        {"Waitany is an OR over its requests", test_waitany},
        {"a skipped collective is a knot", test_skipped_collective},
        {"collective counts tell arrived from gone", test_collective_counts},
        {"synchronous, standard, posted and received sends", test_sends},
        {"peers are translated through communicator tables", test_communicators},
        {"a thousand ranks", test_thousand},
    };
    const char *base = getenv("TEST_TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/test_waits.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_dir) || CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite suite = CU_add_suite("waits", NULL, NULL);
    for (size_t i = 0; suite && i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(suite, tests[i].name, tests[i].fn)) return 1;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    if (failed)
        printf("test files kept in %s\n", g_dir);
    else
        nftw(g_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : 0;
}
