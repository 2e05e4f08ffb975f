/*
 * wrap_init.c - MPI_Init, MPI_Init_thread, MPI_Finalize: set-up and tear-down of the
 * library, its triggers (SIGUSR1, the interval timer) and its error reporting.
 */
#include "call.h"
#include "collect.h"
#include "ctl.h"
#include "engine.h"
#include "mpiseam.h"
#include "presence.h"
#include "restart.h"
#include "safepoint.h"
#include "wait.h"
#include "wire.h"
#include "wrap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_t ticker_thread;
static volatile int ticker_stop;
static int ticker_running;

/* The ticker thread never calls MPI: it raises flags that the engine acts on inside
 * MPI calls (a blocked call is woken through snap_async.attention, wait.c). It drives
 * the interval trigger (on rank 0) and the hang watchdog, and notes when each call in
 * progress was first seen, so the wait loops never read the clock (call.h). */
static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *ticker_main(void *arg)
{
    (void)arg;
    double interval = snap_job.rank == 0 ? snap_job.cfg.interval : 0, hang = snap_job.cfg.hang_timeout;
    double repeat = snap_job.cfg.hang_repeat, tick = 0.1;
    if (hang > 0 && hang / 4 < tick) tick = hang / 4;
    if (repeat > 0 && repeat / 4 < tick) tick = repeat / 4;
    if (interval > 0 && interval < tick) tick = interval;
    double next_interval = mono_now() + interval, seen_mono = 0, last = mono_now();
    unsigned seen = 0, repeat_seq = 0;
    int have_seen = 0;
    struct timespec ts = {(time_t)tick, (long)((tick - (double)(time_t)tick) * 1e9)};
    while (!ticker_stop) {
        nanosleep(&ts, NULL);
        if (ticker_stop) break;
        double now = mono_now(), dt = now - last;
        last = now;
        if (interval > 0 && now >= next_interval) {
            next_interval = now + interval;
            snap_async.timer = 1;
            snap_async.attention = 1;
        }
        unsigned seq = snap_call.seq;
        if (!snap_call.name) {
            have_seen = 0;
            continue;
        }
        if (!have_seen || seq != seen) {
            have_seen = 1, seen = seq, seen_mono = now;
            snap_call.seen_t = snap_now();
            snap_call.seen_seq = seq;
            continue;
        }
        if (snap_call.held) seen_mono += dt; /* waiting for a snapshot's file: not the application's time */
        if (hang > 0 && now - seen_mono >= hang && snap_call.hang_seq != seq) {
            snap_call.hang_seq = seq;
            snap_async.hang = 1;
            snap_async.attention = 1;
        }
        if (repeat > 0 && snap_call.hang_seq == seq && now - seen_mono >= hang + repeat && repeat_seq != seq) {
            repeat_seq = seq; /* the same call still: ask for the second snapshot, once */
            snap_async.hang_repeat = 1;
            snap_async.attention = 1;
        }
    }
    return NULL;
}

static void load_config_or_exit(void)
{
    char err[600];
    if (snap_config_load(&snap_job.cfg, err, sizeof err) == 0) return;
    if (seam_launcher_rank0()) {
        fprintf(stderr, "%s\n", err);
        fflush(stderr);
    }
    exit(2);
}

static void setup(void)
{
    PMPI_Comm_rank(MPI_COMM_WORLD, &snap_job.rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &snap_job.nranks);
    gethostname(snap_job.host, sizeof snap_job.host - 1);
    PMPI_Comm_dup(MPI_COMM_WORLD, &snap_job.ctl);
    PMPI_Comm_dup(MPI_COMM_WORLD, &snap_job.coll);
    PMPI_Comm_dup(MPI_COMM_WORLD, &snap_job.pcomm);
    /* one key per run, the same on every rank, so that snapshots can be matched to their
     * job (mpisnap-inspect progress refuses snapshots of different jobs) */
    if (snap_job.rank == 0)
        snprintf(snap_job.job_key, sizeof snap_job.job_key, "%.24s:%d:%.3f:%d", snap_job.host, (int)getpid(),
                 snap_now(), snap_job.nranks);
    PMPI_Bcast(snap_job.job_key, (int)sizeof snap_job.job_key, MPI_CHAR, 0, snap_job.coll);
    snap_comms_init();
    snap_job.initialized = 1;
    /* the modules, bottom up; progress polls them in this order */
    ctl_init();
    snap_engine_init(strcmp(snap_job.cfg.algo, "ly") ? &snap_proto_cl : &snap_proto_ly);
    snap_sp_init();
    wire_init();
    snap_wait_init();
    snap_restart_load();
    if (snap_job.cfg.signal) snap_signal_install();
    sigset_t all, old; /* signals go to the application's threads, not the ticker */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ticker_running = pthread_create(&ticker_thread, NULL, ticker_main, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (snap_job.rank == 0)
        snap_log(SNAP_LOG_DEBUG, "active: algorithm %s, %d ranks, files in %s", snap_job.cfg.algo, snap_job.nranks,
                 snap_job.cfg.dir);
}

int wrap_Init(int *argc, char ***argv)
{
    load_config_or_exit();
    double t0 = snap_now();
    int rc = PMPI_Init(argc, argv);
    double t1 = snap_now();
    if (rc == MPI_SUCCESS) setup();
    if (rc == MPI_SUCCESS)
        snap_log(SNAP_LOG_DEBUG, "MPI_Init: %.1f ms in MPI, %.1f ms in mpisnap", 1e3 * (t1 - t0),
                 1e3 * (snap_now() - t1));
    return rc;
}

int wrap_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    load_config_or_exit();
    int rc = PMPI_Init_thread(argc, argv, required, provided);
    if (rc != MPI_SUCCESS) return rc;
    /* The engine is not thread-safe: MPI lets a library provide less than required. */
    if (*provided > MPI_THREAD_SERIALIZED) *provided = MPI_THREAD_SERIALIZED;
    setup();
    if (required > MPI_THREAD_SERIALIZED && snap_job.rank == 0)
        snap_log(SNAP_LOG_WARN, "MPI_THREAD_MULTIPLE requested; mpisnap provides MPI_THREAD_SERIALIZED");
    return rc;
}

int wrap_Finalize(void)
{
    snap_enter_collective("Finalize", MPI_COMM_WORLD); /* finalizing is collective over the job */
    snap_job.finalizing = 1;
    if (ticker_running) {
        ticker_stop = 1;
        pthread_join(ticker_thread, NULL);
        ticker_running = 0;
    }
    snap_quiesce(); /* every snapshot in progress completes before anyone leaves */
    snap_engine_fini();
    snap_wait_fini();
    ctl_fini();
    collect_fini();
    snap_comms_fini();
    record_forget_all();
    PMPI_Comm_free(&snap_job.ctl);
    PMPI_Comm_free(&snap_job.coll);
    PMPI_Comm_free(&snap_job.pcomm);
    snap_leave();
    snap_job.finalized = 1;
    return PMPI_Finalize();
}
