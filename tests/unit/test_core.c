/*
 * test_core.c - CUnit tests of the library modules that need no MPI: the drain queue's
 * matching (chan.c) and the settings table (config.c).
 */
#include "chan.h"

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
    while ((m = chan_match(q, MPI_ANY_SOURCE, MPI_ANY_TAG, A, 1)) || (m = chan_match(q, MPI_ANY_SOURCE, MPI_ANY_TAG, B, 1)))
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
    m = chan_match(&q, 1, 5, A, 1);           /* 1 */
    chan_free(m);
    m = chan_match(&q, 1, 5, A, 1);           /* 5, the tail */
    CU_ASSERT_EQUAL(payload_of(m), 5);
    chan_free(m);
    chan_push(&q, mk(3, 1, A, 6));             /* appending after the old tail was removed */
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
    const char *vars[] = {"MPISNAP_ALGO", "MPISNAP_DIR", "MPISNAP_INTERVAL", "MPISNAP_HANG_TIMEOUT", "MPISNAP_SIGNAL",
                          "MPISNAP_LOG", "MPISNAP_STACK", "MPISNAP_SMALL_MSG", "MPISNAP_ALGORITHM", "MPISNAP_KEEP",
                          "MPISNAP_RESTART"};
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
    expect_bad("MPISNAP_INTERVAL", "-1", "mpisnap: MPISNAP_INTERVAL='-1' is not valid: expected seconds >= 0 (0 = off)");
    expect_bad("MPISNAP_INTERVAL", "1s", "mpisnap: MPISNAP_INTERVAL='1s' is not valid: expected seconds >= 0 (0 = off)");
    expect_bad("MPISNAP_INTERVAL", "nan", "mpisnap: MPISNAP_INTERVAL='nan' is not valid: expected seconds >= 0 (0 = off)");
    expect_bad("MPISNAP_SIGNAL", "yes", "mpisnap: MPISNAP_SIGNAL='yes' is not valid: expected 0|1");
    expect_bad("MPISNAP_DIR", "", "mpisnap: MPISNAP_DIR='' is not valid: expected a directory path");
    expect_bad("MPISNAP_SMALL_MSG", "99999999999", "mpisnap: MPISNAP_SMALL_MSG='99999999999' is not valid: expected bytes, 0..16777216");
    expect_bad("MPISNAP_KEEP", "-2", "mpisnap: MPISNAP_KEEP='-2' is not valid: expected a count, 0..1000000 (0 = keep all)");
    expect_bad("MPISNAP_KEEP", "3 files", "mpisnap: MPISNAP_KEEP='3 files' is not valid: expected a count, 0..1000000 (0 = keep all)");
    expect_bad("MPISNAP_RESTART", "latest-or-none", "mpisnap: MPISNAP_RESTART='latest-or-none' is not valid: expected latest, latest-or-new, or a snapshot file");
    expect_bad("MPISNAP_ALGORITHM", "ly", "mpisnap: unknown variable MPISNAP_ALGORITHM (see mpisnap-run --help for the settings)");
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
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
