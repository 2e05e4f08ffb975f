/*
 * stackcost.c - what recording one call stack costs a rank at snapshot time, the way
 * mpisnap did before file format 3 and the way it does now (bench/stackcost.sh):
 *
 *   symbols   backtrace() + backtrace_symbols() + a copy of each frame's text (format
 *             2's record_stack: dladdr, a symbol-table search, per frame)
 *   ids       backtrace() + stackid_refresh() + stackid_frame() + a copy of each frame's text (format 3:
 *             module, build-id, offset; lib/engine/stackid.c itself is compiled in)
 *   unwind    backtrace() alone, what both pay first
 *
 * The stack is DEPTH frames of this program under main, inside an MPI program after
 * MPI_Init, so the process has Open MPI's libraries and components loaded, as a rank
 * has. Prints microseconds per stack for each way, the median of 7 rounds of REPS.
 *
 *   stackcost [DEPTH [REPS]]     (default 20 frames, 2000 stacks per round)
 */
#define _GNU_SOURCE
#include "stackid.h"

#include <execinfo.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROUNDS = 7, MAXF = 64 };
static int reps = 2000;
static volatile size_t sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void record_symbols(void)
{
    void *f[MAXF];
    int n = backtrace(f, MAXF);
    char **sym = backtrace_symbols(f, n), *copy[MAXF];
    for (int i = 0; sym && i < n; i++) copy[i] = strdup(sym[i]);
    for (int i = 0; sym && i < n; i++) sink += strlen(copy[i]), free(copy[i]);
    free(sym);
}

static void record_ids(void)
{
    void *f[MAXF];
    char buf[STACKID_FRAME_MAX], *copy[MAXF];
    int n = backtrace(f, MAXF);
    stackid_refresh();
    for (int i = 0; i < n; i++) {
        stackid_frame((uintptr_t)f[i], buf, sizeof buf);
        copy[i] = strdup(buf);
    }
    for (int i = 0; i < n; i++) sink += strlen(copy[i]), free(copy[i]);
}

static void unwind_only(void)
{
    void *f[MAXF];
    sink += (size_t)backtrace(f, MAXF);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median microseconds per call of fn over ROUNDS rounds. */
static double time_it(void (*fn)(void))
{
    double t[ROUNDS];
    fn(); /* warm: caches, lazy binding */
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (int i = 0; i < reps; i++) fn();
        t[r] = (now() - t0) / reps * 1e6;
    }
    qsort(t, ROUNDS, sizeof *t, cmp);
    return t[ROUNDS / 2];
}

__attribute__((noinline)) static void at_depth(int d)
{
    if (d > 1) {
        at_depth(d - 1);
        sink++; /* not a tail call: every level stays a frame */
        return;
    }
    void *f[MAXF];
    int frames = backtrace(f, MAXF);
    double sym = time_it(record_symbols), ids = time_it(record_ids), unw = time_it(unwind_only);
    printf("frames %d: unwind %.2f us, symbols (format 2) %.2f us, ids (format 3) %.2f us, "
           "symbols/ids %.1f, beyond the unwind %.1f\n",
           frames, unw, sym, ids, sym / ids, (sym - unw) / (ids - unw));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int depth = argc > 1 ? atoi(argv[1]) : 20;
    if (argc > 2) reps = atoi(argv[2]);
    if (depth < 1 || depth > MAXF - 8 || reps < 1) {
        fprintf(stderr, "usage: stackcost [DEPTH 1..%d [REPS >= 1]]\n", MAXF - 8);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    at_depth(depth);
    MPI_Finalize();
    return 0;
}
