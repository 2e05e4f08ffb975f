/*
 * test_tree.c - the call-prefix tree (stacks --tree) and the progress view of
 * mpisnap-inspect on files built here, without MPI: a 1,024-rank snapshot in the shape
 * of a real hang (984 ranks in MPI_Allreduce under solve(), every 64th rank from 7 in
 * MPI_Waitall under exchange(), ranks 1000-1023 in MPI_Barrier under io()), checked on
 * its counts, rank lists and classes; and two snapshots of one job where some ranks
 * progress and some do not (64 ranks), plus one of another job, which progress
 * refuses; and a format 2 file, whose frames are text.
 *
 * Frames name a module that does not exist, so they read "app+0x..." (module not
 * found) everywhere: names are the other tests' business (named_stacks.sh), the tree's
 * shape is this one's.
 */
#define _GNU_SOURCE

#include "inspect_stacks.h"

#include <CUnit/Basic.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

enum { NR = 1024, NP = 64 }; /* ranks of the tree's file, of the progress test's files */

static char g_dir[4096];

#define F_START "/nonexistent/app+0x1000 build-id=aa01"
#define F_MAIN  "/nonexistent/app+0x2000 build-id=aa01"
#define F_SOLVE "/nonexistent/app+0x3000 build-id=aa01"
#define F_EXCH  "/nonexistent/app+0x4000 build-id=aa01"
#define F_IO    "/nonexistent/app+0x5000 build-id=aa01"

static int is_exchanger(int32_t r) { return r % 64 == 7; }
static int is_io(int32_t r) { return r >= 1000; }

/* What varies between the files of one test: per rank, the call, its time, the stack,
 * messages sent to rank 0. */
struct shape {
    int32_t nranks;
    const char *key; /* job_key */
    uint64_t id;
    double t;
    const char *(*call)(int32_t r);
    double (*seconds)(int32_t r);
    int (*stack)(int32_t r, const char **out); /* innermost first; returns depth */
    uint64_t (*sent)(int32_t r);
};

static const char *hang_call(int32_t r)
{
    return is_io(r) ? "MPI_Barrier" : is_exchanger(r) ? "MPI_Waitall" : "MPI_Allreduce";
}
static double long_time(int32_t r)
{
    (void)r;
    return 30.0;
}
static int hang_stack(int32_t r, const char **s)
{
    if (is_io(r)) {
        s[0] = F_IO, s[1] = F_MAIN, s[2] = F_START;
        return 3;
    }
    int n = 0;
    if (is_exchanger(r)) s[n++] = F_EXCH;
    s[n++] = F_SOLVE, s[n++] = F_MAIN, s[n++] = F_START;
    return n;
}
static uint64_t no_sends(int32_t r)
{
    (void)r;
    return 0;
}

/* Writes a snapshot in the given shape to g_dir/name. */
static const char *write_shape(const char *name, const struct shape *sh, char *path, size_t len)
{
    static uint64_t sent[NR], zero[NR];
    sf_job job = {.id = sh->id, .nranks = sh->nranks, .t_start = sh->t, .t_end = sh->t + 0.1};
    strcpy(job.algo, "cl");
    strcpy(job.program, "./app");
    strcpy(job.library_version, "test");
    strcpy(job.job_key, sh->key);
    char err[512] = "";
    snprintf(path, len, "%s/%s", g_dir, name);
    sf_writer *w = sf_create(path, &job, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (int32_t r = 0; r < sh->nranks; r++) {
        const char *stack[8];
        sf_rank k = {.rank = r, .pid = 1000 + r, .t_record = sh->t, .nranks = sh->nranks};
        strcpy(k.host, "node");
        strcpy(k.trigger, "marker");
        snprintf(k.call, sizeof k.call, "%s", sh->call(r));
        snprintf(k.call_args, sizeof k.call_args, "peer=-2 tag=-2 comm=0 count=1 datatype=none");
        k.call_seconds = sh->seconds(r);
        memset(sent, 0, sizeof sent);
        sent[0] = sh->sent(r);
        k.sent = sent;
        k.recvd = zero;
        k.nstack = (uint32_t)sh->stack(r, stack);
        k.stack = stack;
        CU_ASSERT_EQUAL_FATAL(sf_write_rank(w, &k, err, sizeof err), 0);
    }
    CU_ASSERT_EQUAL_FATAL(sf_commit(w, NULL, 0, job.t_end, err, sizeof err), 0);
    return path;
}

static sf_file *open_file(const char *path)
{
    sf_file *f = open_all(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    return f;
}

/* The node reached by following labels from the root, or NULL. */
static const tree_node *node_at(const call_tree *t, const char *const *labels, int n)
{
    uint32_t at = 0;
    for (int i = 0; i < n; i++) {
        uint32_t c = t->nodes[at].first_child;
        while (c && strcmp(t->nodes[c].label, labels[i]) != 0) c = t->nodes[c].next_sibling;
        if (!c) return NULL;
        at = c;
    }
    return &t->nodes[at];
}

static char *ranks_of(const tree_node *n, size_t max)
{
    text t;
    CU_ASSERT_EQUAL_FATAL(text_open(&t), 0);
    put_ranks_compact(t.f, n->ranks, n->nranks, max);
    return text_close(&t);
}

static void expect_node(const call_tree *t, const char *const *labels, int depth, uint32_t count, const char *ranks,
                        int32_t cls)
{
    const tree_node *n = node_at(t, labels, depth);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->nranks, count);
    char *s = ranks_of(n, 0);
    CU_ASSERT_STRING_EQUAL(s, ranks);
    free(s);
    CU_ASSERT_EQUAL(n->cls, cls);
}

#define L_START "app+0x1000 (module not found)"
#define L_MAIN  "app+0x2000 (module not found)"
#define L_SOLVE "app+0x3000 (module not found)"
#define L_EXCH  "app+0x4000 (module not found)"
#define L_IO    "app+0x5000 (module not found)"

static void test_tree_1024(void)
{
    char path[4200];
    struct shape sh = {NR, "job-a", 1, 100.0, hang_call, long_time, hang_stack, no_sends};
    sf_file *f = open_file(write_shape("hang1024.h5", &sh, path, sizeof path));
    call_tree t;
    CU_ASSERT_EQUAL_FATAL(tree_build(f, &t), 0);
    CU_ASSERT_EQUAL(t.nclasses, 3);
    CU_ASSERT_EQUAL(t.nranks, NR);
    const char *p[] = {L_START, L_MAIN, L_SOLVE, L_EXCH, "MPI_Waitall"};
    const char *io[] = {L_START, L_MAIN, L_IO, "MPI_Barrier"};
    const char *ar[] = {L_START, L_MAIN, L_SOLVE, "MPI_Allreduce"};
    expect_node(&t, p, 1, NR, "0-1023", -1);
    expect_node(&t, p, 2, NR, "0-1023", -1);
    expect_node(&t, p, 3, 1000, "0-999", -1);
    expect_node(&t, ar, 4, 984,
                "0-6,8-70,72-134,136-198,200-262,264-326,328-390,392-454,456-518,"
                "520-582,584-646,648-710,712-774,776-838,840-902,904-966,968-999",
                0);
    expect_node(&t, p, 4, 16, "7,71,135,199,263,327,391,455,519,583,647,711,775,839,903,967", 2);
    expect_node(&t, p, 5, 16, "7,71,135,199,263,327,391,455,519,583,647,711,775,839,903,967", 2);
    expect_node(&t, io, 3, 24, "1000-1023", 1);
    expect_node(&t, io, 4, 24, "1000-1023", 1);
    /* nothing else: the root, _start, main, solve and io, exchange, the three calls */
    CU_ASSERT_EQUAL(t.nnodes, 9);

    /* text: the long list is cut after 8 ranges, the short ones whole */
    text tx;
    CU_ASSERT_EQUAL_FATAL(text_open(&tx), 0);
    tree_text(tx.f, "hang1024.h5", &t);
    char *s = text_close(&tx);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "hang1024.h5: 1024 ranks, 3 classes"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "24 [1000-1023] MPI_Barrier  (class 2)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "16 [7,71,135,199,263,327,391,455,...] MPI_Waitall  (class 3)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "984 [0-6,8-70,72-134,136-198,200-262,264-326,328-390,392-454,...] "
                                     "MPI_Allreduce  (class 1)\n"));
    free(s);
    /* DOT: one colour per class, on the class's nodes and edges */
    CU_ASSERT_EQUAL_FATAL(text_open(&tx), 0);
    CU_ASSERT_EQUAL(tree_dot(tx.f, &t), 0);
    s = text_close(&tx);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "label=\"24: [1000-1023]\", color=\"#fb8072\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "label=\"16: [7,71,135,199,...]\", color=\"#80b1d3\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "label=\"1000: [0-999]\", color=\"black\""));
    free(s);
    tree_free(&t);
    sf_close(f);
}

/* progress: ranks r % 4 == 0 send, r % 4 == 1 change their stack, r % 4 == 2 left and
 * re-entered their call (a short call_seconds), r % 4 == 3 did nothing. */
static double after_time(int32_t r) { return r % 4 == 2 ? 0.05 : 32.0; }
static int after_stack(int32_t r, const char **s)
{
    int n = hang_stack(r, s);
    if (r % 4 == 1) s[0] = "/nonexistent/app+0x6000 build-id=aa01";
    return n;
}
static uint64_t after_sends(int32_t r) { return r % 4 == 0 ? 5 : 0; }

static void test_progress(void)
{
    char pa[4200], pb[4200], pc[4200], err[2048];
    struct shape a = {NP, "job-a", 1, 100.0, hang_call, long_time, hang_stack, no_sends};
    struct shape b = {NP, "job-a", 2, 102.0, hang_call, after_time, after_stack, after_sends};
    struct shape c = {NP, "job-b", 3, 104.0, hang_call, long_time, hang_stack, no_sends};
    sf_file *fa = open_file(write_shape("pa.h5", &a, pa, sizeof pa));
    sf_file *fb = open_file(write_shape("pb.h5", &b, pb, sizeof pb));
    sf_file *fc = open_file(write_shape("pc.h5", &c, pc, sizeof pc));
    CU_ASSERT_EQUAL(
        progress_same_job("pa.h5", fa, "pb.h5", fb, "progress compares snapshots of one job", err, sizeof err), 0);
    CU_ASSERT_EQUAL(
        progress_same_job("pa.h5", fa, "pc.h5", fc, "progress compares snapshots of one job", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "mpisnap-inspect: pa.h5 and pc.h5 are snapshots of different jobs (job "
                                "job-a, 64 ranks; job job-b, 64 ranks): progress compares snapshots "
                                "of one job");
    CU_ASSERT_EQUAL(
        progress_same_job("pa.h5", fa, "pa.h5", fa, "progress compares snapshots of one job", err, sizeof err), -1);
    progress p;
    CU_ASSERT_EQUAL_FATAL(progress_compute(fa, fb, &p), 0);
    CU_ASSERT_EQUAL(p.nstuck, NP / 4);
    for (int32_t r = 0; r < NP; r++) {
        const rank_progress *x = &p.ranks[r];
        CU_ASSERT_EQUAL(x->stuck, r % 4 == 3);
        CU_ASSERT_EQUAL(x->sent, r % 4 == 0 ? 5u : 0u);
        CU_ASSERT_EQUAL(x->stack_changed, r % 4 == 1);
        CU_ASSERT_EQUAL(x->call_changed, 0);
    }
    text tx;
    CU_ASSERT_EQUAL_FATAL(text_open(&tx), 0);
    progress_text(tx.f, "pa.h5", "pb.h5", &p);
    char *s = text_close(&tx);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "no progress at all: ranks 3, 7, 11, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "(16 of 64)"));
    free(s);
    progress_free(&p);
    sf_close(fa);
    sf_close(fb);
    sf_close(fc);
}

/* A format 2 file (frames as backtrace_symbols() text) is read, and its frames shown as
 * they were, without their absolute addresses. */
static const char *old_call(int32_t r)
{
    (void)r;
    return "MPI_Recv";
}
static int old_stack(int32_t r, const char **s)
{
    s[0] = r ? "/opt/app(+0x1351) [0x55d0c3a1e351]" : "/opt/app(main+0x42) [0x55d0c3a1e351]";
    s[1] = "/lib/x86_64-linux-gnu/libc.so.6(__libc_start_main+0x85) [0x7f0000027305]";
    return 2;
}

static void test_format2(void)
{
    char path[4200];
    struct shape sh = {2, "job-old", 1, 100.0, old_call, long_time, old_stack, no_sends};
    write_shape("old.h5", &sh, path, sizeof path);
    int version = 2;
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t a = f >= 0 ? H5Aopen(f, "format_version", H5P_DEFAULT) : -1;
    CU_ASSERT_FATAL(a >= 0 && H5Awrite(a, H5T_NATIVE_INT, &version) >= 0);
    H5Aclose(a);
    H5Fclose(f);
    sf_file *sf = open_file(path);
    CU_ASSERT_EQUAL(sf_job_info(sf)->format_version, 2);
    const char *want[2][2] = {{"main+0x42", "__libc_start_main+0x85"}, {"app+0x1351", "__libc_start_main+0x85"}};
    for (int32_t r = 0; r < 2; r++) {
        const sf_rank *k = sf_get_rank(sf, r, NULL, 0);
        for (uint32_t i = 0; i < k->nstack; i++) {
            const sym_frame *fr;
            CU_ASSERT_EQUAL_FATAL(sym_resolve(k->stack[i], &fr), 1);
            CU_ASSERT_EQUAL(fr->source, SYM_RAW);
            text t;
            CU_ASSERT_EQUAL_FATAL(text_open(&t), 0);
            sym_put(t.f, fr);
            char *s = text_close(&t);
            CU_ASSERT_STRING_EQUAL(s, want[r][i]);
            free(s);
        }
    }
    sf_close(sf);
}

int main(void)
{
    /* CTest gives TEST_TMPDIR (the build tree); run by hand, a fresh folder in TMPDIR */
    const char *tmp = getenv("TEST_TMPDIR"), *sys = getenv("TMPDIR");
    if (tmp && *tmp) {
        char cmd[2 * sizeof g_dir + 64];
        snprintf(g_dir, sizeof g_dir, "%s/tree_test", tmp);
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", g_dir, g_dir);
        if (system(cmd) != 0) return 2;
    } else {
        snprintf(g_dir, sizeof g_dir, "%s/mpisnap-tree-XXXXXX", sys && *sys ? sys : "/tmp");
        if (!mkdtemp(g_dir)) return 2;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("tree", NULL, NULL);
    CU_add_test(s, "test_tree_1024", test_tree_1024);
    CU_add_test(s, "test_progress", test_progress);
    CU_add_test(s, "test_format2", test_format2);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    sym_release();
    return failed ? 1 : 0;
}
