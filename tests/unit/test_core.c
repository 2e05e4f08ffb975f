/*
 * test_core.c - CUnit tests of the library modules that need no MPI: the drain queue's
 * matching (chan.c), the settings table (config.c) and a part's layout (part.c).
 */
#include "chan.h"
#include "part.h"

#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

/* chan_payload packs through snap_dt_pack only for messages left in an application
 * buffer; these tests hold packed bytes, so this must never be called. */
void snap_dt_pack(const void *buf, int count, MPI_Datatype dt, uint64_t nbytes, uint8_t *out) { CU_FAIL("packed"); }

static MPI_Comm A = (MPI_Comm)(uintptr_t)0x1000, B = (MPI_Comm)(uintptr_t)0x2000;

static snap_msg *mk(int src, int tag, MPI_Comm comm, int payload)
{
    snap_msg *m = calloc(1, sizeof *m);
    m->src = src, m->src_world = src, m->tag = tag, m->comm = comm;
    m->bytes = sizeof payload;
    m->data = malloc(sizeof payload);
    memcpy(m->data, &payload, sizeof payload);
    return m;
}

static int payload_of(const snap_msg *m)
{
    int v;
    memcpy(&v, m->data, sizeof v);
    return v;
}

/* Queue: (src1,tag5,A)=1 (src2,tag7,A)=2 (src1,tag7,A)=3 (src1,tag5,B)=4 (src1,tag5,A)=5 */
static void fill(chan_queue *q)
{
    memset(q, 0, sizeof *q);
    chan_push(q, mk(1, 5, A, 1));
    chan_push(q, mk(2, 7, A, 2));
    chan_push(q, mk(1, 7, A, 3));
    chan_push(q, mk(1, 5, B, 4));
    chan_push(q, mk(1, 5, A, 5));
}

static void drain_all(chan_queue *q)
{
    snap_msg *m;
    while ((m = chan_match(q, MPI_ANY_SOURCE, MPI_ANY_TAG, A, 1)) ||
           (m = chan_match(q, MPI_ANY_SOURCE, MPI_ANY_TAG, B, 1)))
        chan_free(m);
    CU_ASSERT_EQUAL(q->len, 0);
    CU_ASSERT_PTR_NULL(q->head);
    CU_ASSERT_PTR_NULL(q->tail);
}

static void test_match_order(void)
{
    chan_queue q;
    fill(&q);
    /* wildcards take the oldest held message of the communicator */
    snap_msg *m = chan_match(&q, MPI_ANY_SOURCE, MPI_ANY_TAG, A, 1);
    CU_ASSERT_EQUAL(payload_of(m), 1);
    chan_free(m);
    /* a tag-selective receive skips older messages of other tags (out of send order) */
    m = chan_match(&q, 1, 7, A, 1);
    CU_ASSERT_EQUAL(payload_of(m), 3);
    chan_free(m);
    /* same source and tag: non-overtaking, oldest first; never another communicator's */
    m = chan_match(&q, 1, 5, A, 1);
    CU_ASSERT_EQUAL(payload_of(m), 5);
    chan_free(m);
    CU_ASSERT_PTR_NULL(chan_match(&q, 1, 5, A, 0));
    CU_ASSERT_EQUAL(q.len, 2);
    drain_all(&q);
}

static void test_probe_keeps(void)
{
    chan_queue q;
    fill(&q);
    snap_msg *p = chan_match(&q, 2, MPI_ANY_TAG, A, 0);
    CU_ASSERT_EQUAL(payload_of(p), 2);
    CU_ASSERT_EQUAL(q.len, 5);
    /* the receive after the probe gets exactly the probed message */
    snap_msg *m = chan_match(&q, 2, MPI_ANY_TAG, A, 1);
    CU_ASSERT_PTR_EQUAL(p, m);
    chan_free(m);
    CU_ASSERT_PTR_NULL(chan_match(&q, 3, MPI_ANY_TAG, A, 0));
    CU_ASSERT_PTR_NULL(chan_match(&q, MPI_ANY_SOURCE, 99, A, 0));
    drain_all(&q);
}

static void test_tail_after_removing_last(void)
{
    chan_queue q;
    fill(&q);
    snap_msg *m = chan_match(&q, 1, 5, B, 1); /* 4 */
    chan_free(m);
    m = chan_match(&q, 1, 5, A, 1); /* 1 */
    chan_free(m);
    m = chan_match(&q, 1, 5, A, 1); /* 5, the tail */
    CU_ASSERT_EQUAL(payload_of(m), 5);
    chan_free(m);
    chan_push(&q, mk(3, 1, A, 6)); /* appending after the old tail was removed */
    m = chan_match(&q, 3, 1, A, 1);
    CU_ASSERT_EQUAL(payload_of(m), 6);
    chan_free(m);
    CU_ASSERT_EQUAL(q.len, 2);
    uint8_t out[4];
    chan_payload(q.head, out);
    CU_ASSERT_EQUAL(memcmp(out, q.head->data, 4), 0);
    drain_all(&q);
}

static void clear_env(void)
{
    const char *vars[] = {"MPISNAP_ALGO",      "MPISNAP_DIR",  "MPISNAP_INTERVAL",    "MPISNAP_HANG_TIMEOUT",
                          "MPISNAP_SIGNAL",    "MPISNAP_LOG",  "MPISNAP_STACK",       "MPISNAP_SMALL_MSG",
                          "MPISNAP_ALGORITHM", "MPISNAP_KEEP", "MPISNAP_HANG_REPEAT", "MPISNAP_RESTART"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) unsetenv(vars[i]);
}

static void test_config_defaults(void)
{
    snap_config c;
    char err[256] = "";
    clear_env();
    CU_ASSERT_EQUAL(snap_config_load(&c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(c.algo, "cl");
    CU_ASSERT_STRING_EQUAL(c.dir, "./mpisnap");
    CU_ASSERT_EQUAL(c.interval, 0.0);
    CU_ASSERT_EQUAL(c.signal, 1);
    CU_ASSERT_EQUAL(c.log_level, SNAP_LOG_INFO);
    CU_ASSERT_EQUAL(c.small_msg, 4096);
    CU_ASSERT_EQUAL(c.keep, 0);
}

static void test_config_values(void)
{
    snap_config c;
    char err[256] = "";
    clear_env();
    setenv("MPISNAP_ALGO", "ly", 1);
    setenv("MPISNAP_INTERVAL", "0.25", 1);
    setenv("MPISNAP_LOG", "debug", 1);
    setenv("MPISNAP_DIR", "/x/y", 1);
    setenv("MPISNAP_KEEP", "3", 1);
    CU_ASSERT_EQUAL(snap_config_load(&c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.keep, 3);
    CU_ASSERT_STRING_EQUAL(c.algo, "ly");
    CU_ASSERT_DOUBLE_EQUAL(c.interval, 0.25, 1e-12);
    CU_ASSERT_EQUAL(c.log_level, SNAP_LOG_DEBUG);
    CU_ASSERT_STRING_EQUAL(c.dir, "/x/y");
    clear_env();
    const char *restarts[] = {"latest", "latest-or-new", "./latest-or-none", "/x/snap-000003.h5"};
    for (size_t i = 0; i < sizeof restarts / sizeof *restarts; i++) {
        setenv("MPISNAP_RESTART", restarts[i], 1);
        CU_ASSERT_EQUAL(snap_config_load(&c, err, sizeof err), 0);
        CU_ASSERT_STRING_EQUAL(c.restart, restarts[i]);
    }
    clear_env();
}

/* Each bad value is refused with a message naming the variable and what it accepts. */
static void expect_bad(const char *var, const char *val, const char *msg)
{
    snap_config c;
    char err[256] = "";
    clear_env();
    setenv(var, val, 1);
    CU_ASSERT_EQUAL(snap_config_load(&c, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, msg);
    clear_env();
}

static void test_config_errors(void)
{
    expect_bad("MPISNAP_ALGO", "chandy", "mpisnap: MPISNAP_ALGO='chandy' is not valid: expected cl|ly");
    expect_bad("MPISNAP_INTERVAL", "-1",
               "mpisnap: MPISNAP_INTERVAL='-1' is not valid: expected seconds >= 0 (0 = off)");
    expect_bad("MPISNAP_INTERVAL", "1s",
               "mpisnap: MPISNAP_INTERVAL='1s' is not valid: expected seconds >= 0 (0 = off)");
    expect_bad("MPISNAP_INTERVAL", "nan",
               "mpisnap: MPISNAP_INTERVAL='nan' is not valid: expected seconds >= 0 (0 = off)");
    expect_bad("MPISNAP_SIGNAL", "yes", "mpisnap: MPISNAP_SIGNAL='yes' is not valid: expected 0|1");
    expect_bad("MPISNAP_DIR", "", "mpisnap: MPISNAP_DIR='' is not valid: expected a directory path");
    expect_bad("MPISNAP_SMALL_MSG", "99999999999",
               "mpisnap: MPISNAP_SMALL_MSG='99999999999' is not valid: expected bytes, 0..16777216");
    expect_bad("MPISNAP_KEEP", "-2",
               "mpisnap: MPISNAP_KEEP='-2' is not valid: expected a count, 0..1000000 (0 = keep all)");
    expect_bad("MPISNAP_KEEP", "3 files",
               "mpisnap: MPISNAP_KEEP='3 files' is not valid: expected a count, 0..1000000 (0 = keep all)");
    expect_bad(
        "MPISNAP_RESTART", "latest-or-none",
        "mpisnap: MPISNAP_RESTART='latest-or-none' is not valid: expected latest, latest-or-new, or a snapshot file");
    expect_bad("MPISNAP_ALGORITHM", "ly",
               "mpisnap: unknown variable MPISNAP_ALGORITHM (see mpisnap-run --help for the settings)");
    expect_bad("MPISNAP_HANG_REPEAT", "-3",
               "mpisnap: MPISNAP_HANG_REPEAT='-3' is not valid: expected seconds >= 0 (0 = off)");
    expect_bad("MPISNAP_HANG_REPEAT", "5",
               "mpisnap: MPISNAP_HANG_REPEAT needs MPISNAP_HANG_TIMEOUT (the repeat follows a hang "
               "snapshot): set both, or unset MPISNAP_HANG_REPEAT");
}

/* The watchdog's repeat is accepted with the watchdog. */
static void test_config_hang_repeat(void)
{
    snap_config c;
    char err[256] = "";
    clear_env();
    setenv("MPISNAP_HANG_TIMEOUT", "10", 1);
    setenv("MPISNAP_HANG_REPEAT", "2.5", 1);
    CU_ASSERT_EQUAL(snap_config_load(&c, err, sizeof err), 0);
    CU_ASSERT_DOUBLE_EQUAL(c.hang_timeout, 10.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(c.hang_repeat, 2.5, 1e-12);
    clear_env();
}

/* ---- part.c: what part_put writes, part_get reads back, field for field ---- */
static void test_part_round_trip(void)
{
    enum { N = 3 };
    snap_cur c;
    memset(&c, 0, sizeof c);
    uint64_t sent[N] = {1, 2, 3}, recvd[N] = {4, 5, 6};
    sf_request req = {.peer = 2, .tag = 7, .comm = 0, .count = 9};
    snprintf(req.kind, sizeof req.kind, "Irecv");
    uint8_t r0[5] = {1, 2, 3, 4, 5}, r1[3] = {9, 8, 7};
    sf_region regs[2] = {{.count = 5, .bytes = 5, .data = r0}, {.count = 3, .bytes = 3, .data = r1}};
    snprintf(regs[0].name, sizeof regs[0].name, "grid");
    snprintf(regs[1].name, sizeof regs[1].name, "iter");
    uint8_t payload[6] = {10, 11, 12, 13, 14, 15};
    sf_msg msgs[2] = {{.src = 0, .dst = 1, .tag = 3, .epoch = 1, .order = 0, .bytes = 2, .data = (const uint8_t *)0},
                      {.src = 2, .dst = 1, .tag = 4, .epoch = 1, .order = 1, .bytes = 4, .data = (const uint8_t *)2}};
    const char *stack[2] = {"main", "solve"};
    int32_t world[N] = {0, 1, 2};
    sf_comm comm = {0, N, world, 12};
    c.epoch = 5;
    c.part = (sf_rank){.rank = 1,
                       .pid = 77,
                       .initiator = 1,
                       .t_record = 1.5,
                       .sent = sent,
                       .recvd = recvd,
                       .nranks = N,
                       .requests = &req,
                       .nrequests = 1,
                       .regions = regs,
                       .nregions = 2,
                       .stack = stack,
                       .nstack = 2,
                       .comms = &comm,
                       .ncomms = 1};
    snprintf(c.part.trigger, sizeof c.part.trigger, "marker");
    c.msgs = msgs, c.nmsgs = 2, c.payload = payload, c.plen = sizeof payload;
    c.part.msgs = msgs, c.part.nmsgs = 2;
    for (int direct = 0; direct < 2; direct++) {
        blob b = {0};
        part_put(&b, &c, (uint8_t)direct, "balance", 4000, 8);
        part p;
        CU_ASSERT_EQUAL_FATAL(part_get(b.p, b.len, N, &p), 0);
        CU_ASSERT_EQUAL(p.epoch, 5);
        CU_ASSERT_EQUAL(p.direct, direct);
        CU_ASSERT_EQUAL(p.r.rank, 1);
        CU_ASSERT_EQUAL(p.r.pid, 77);
        CU_ASSERT_STRING_EQUAL(p.r.trigger, "marker");
        CU_ASSERT_EQUAL(memcmp(p.r.sent, sent, sizeof sent), 0);
        CU_ASSERT_EQUAL(memcmp(p.r.recvd, recvd, sizeof recvd), 0);
        CU_ASSERT_EQUAL(p.r.nrequests, 1);
        CU_ASSERT_STRING_EQUAL(p.r.requests[0].kind, "Irecv");
        CU_ASSERT_EQUAL(p.r.requests[0].tag, 7);
        CU_ASSERT_EQUAL(p.r.nregions, 2);
        CU_ASSERT_STRING_EQUAL(p.r.regions[1].name, "iter");
        CU_ASSERT_EQUAL(p.r.regions[1].bytes, 3);
        if (direct) {
            CU_ASSERT_PTR_NULL(p.r.regions[0].data); /* written by the rank itself */
        } else {
            CU_ASSERT_EQUAL(memcmp(p.r.regions[0].data, r0, sizeof r0), 0);
        }
        CU_ASSERT_EQUAL(p.r.nmsgs, 2);
        CU_ASSERT_EQUAL(p.r.msgs[1].src, 2);
        CU_ASSERT_EQUAL(p.r.msgs[1].bytes, 4);
        CU_ASSERT_EQUAL(memcmp(p.r.msgs[1].data, payload + 2, 4), 0);
        CU_ASSERT_EQUAL(p.r.nstack, 2);
        CU_ASSERT_STRING_EQUAL(p.r.stack[1], "solve");
        CU_ASSERT_EQUAL(p.r.ncomms, 1);
        CU_ASSERT_EQUAL(p.r.comms[0].colls, 12);
        CU_ASSERT_EQUAL(p.r.comms[0].world[2], 2);
        CU_ASSERT_STRING_EQUAL(p.conserve_region, "balance");
        CU_ASSERT_EQUAL(p.conserve_total, 4000);
        CU_ASSERT_EQUAL(p.conserve_offset, 8);
        part_free(&p);
        /* a part cut short anywhere, or of another job size, is refused */
        for (size_t cut = 0; cut < b.len; cut += 7) {
            CU_ASSERT_EQUAL(part_get(b.p, cut, N, &p), -1);
            part_free(&p);
        }
        CU_ASSERT_EQUAL(part_get(b.p, b.len, N + 1, &p), -1);
        part_free(&p);
        free(b.p);
    }
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite chan = CU_add_suite("chan", NULL, NULL);
    CU_add_test(chan, "test_match_order", test_match_order);
    CU_add_test(chan, "test_probe_keeps", test_probe_keeps);
    CU_add_test(chan, "test_tail_after_removing_last", test_tail_after_removing_last);
    CU_pSuite cfg = CU_add_suite("config", NULL, NULL);
    CU_add_test(cfg, "test_config_defaults", test_config_defaults);
    CU_add_test(cfg, "test_config_values", test_config_values);
    CU_add_test(cfg, "test_config_errors", test_config_errors);
    CU_add_test(cfg, "test_config_hang_repeat", test_config_hang_repeat);
    CU_pSuite prt = CU_add_suite("part", NULL, NULL);
    CU_add_test(prt, "test_part_round_trip", test_part_round_trip);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
