/*
 * wrap_init.c - MPI_Init, MPI_Init_thread, MPI_Finalize: set-up and tear-down of the
 * library, its triggers (SIGUSR1, the interval timer) and its error reporting.
 */
#include "engine.h"
#include "record.h"
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
 * MPI calls (a blocked call is woken through snap_g.attention, engine.c). It drives
 * the interval trigger (on rank 0) and the hang watchdog, and notes when each call in
 * progress was first seen, so the wait loops never read the clock. */
static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *ticker_main(void *arg)
{
    (void)arg;
    double interval = snap_g.rank == 0 ? snap_g.cfg.interval : 0, hang = snap_g.cfg.hang_timeout;
    double tick = 0.1;
    if (hang > 0 && hang / 4 < tick) tick = hang / 4;
    if (interval > 0 && interval < tick) tick = interval;
    double next_interval = mono_now() + interval, seen_mono = 0;
    unsigned seen = 0;
    int have_seen = 0;
    struct timespec ts = {(time_t)tick, (long)((tick - (double)(time_t)tick) * 1e9)};
    while (!ticker_stop) {
        nanosleep(&ts, NULL);
        if (ticker_stop) break;
        double now = mono_now();
        if (interval > 0 && now >= next_interval) {
            next_interval = now + interval;
            snap_g.timer_request = 1;
            snap_g.attention = 1;
        }
        unsigned seq = snap_g.call_seq;
        if (!snap_g.call) {
            have_seen = 0;
            continue;
        }
        if (!have_seen || seq != seen) {
            have_seen = 1, seen = seq, seen_mono = now;
            snap_g.seen_t = snap_now();
            snap_g.seen_seq = seq;
            continue;
        }
        if (hang > 0 && now - seen_mono >= hang && snap_g.hang_seq != seq) {
            snap_g.hang_seq = seq;
            snap_g.hang_request = 1;
            snap_g.attention = 1;
        }
    }
    return NULL;
}

int snap_error(MPI_Comm comm, int code)
{
    PMPI_Comm_call_errhandler(comm == MPI_COMM_NULL ? MPI_COMM_WORLD : comm, code);
    return code;
}

int snap_unsupported(const char *call, MPI_Comm comm, const char *why)
{
    snap_log(SNAP_LOG_ERROR, "MPI_%s is not supported by mpisnap: %s", call, why);
    return snap_error(comm, MPI_ERR_UNSUPPORTED_OPERATION);
}

static void load_config_or_exit(void)
{
    char err[600];
    if (snap_config_load(&snap_g.cfg, err, sizeof err) == 0) return;
    if (snap_launcher_rank0()) {
        fprintf(stderr, "%s\n", err);
        fflush(stderr);
    }
    exit(2);
}

static void setup(void)
{
    PMPI_Comm_rank(MPI_COMM_WORLD, &snap_g.rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &snap_g.nranks);
    gethostname(snap_g.host, sizeof snap_g.host - 1);
    PMPI_Comm_dup(MPI_COMM_WORLD, &snap_g.ctl);
    PMPI_Comm_dup(MPI_COMM_WORLD, &snap_g.coll);
    PMPI_Comm_dup(MPI_COMM_WORLD, &snap_g.pcomm);
    /* one key per run, the same on every rank, so that snapshots can be matched to their
     * job (mpisnap-inspect progress refuses snapshots of different jobs) */
    if (snap_g.rank == 0)
        snprintf(snap_g.job_key, sizeof snap_g.job_key, "%.24s:%d:%.3f:%d", snap_g.host, (int)getpid(), snap_now(),
                 snap_g.nranks);
    PMPI_Bcast(snap_g.job_key, (int)sizeof snap_g.job_key, MPI_CHAR, 0, snap_g.coll);
    snap_comms_init();
    snap_g.initialized = 1;
    snap_engine_init();
    /* the safe-point count is part of every snapshot, so a restarted run goes on counting
     * where it stopped (restart.c restores it with the application's regions) */
    record_protect("mpisnap.safepoints", &snap_g.sp_count, 1, MPI_INT64_T);
    snap_restart_load();
    if (snap_g.cfg.signal) snap_signal_install();
    sigset_t all, old; /* signals go to the application's threads, not the ticker */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ticker_running = pthread_create(&ticker_thread, NULL, ticker_main, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (snap_g.rank == 0)
        snap_log(SNAP_LOG_DEBUG, "active: algorithm %s, %d ranks, files in %s", snap_g.cfg.algo, snap_g.nranks,
                 snap_g.cfg.dir);
}

int wrap_Init(int *argc, char ***argv)
{
    load_config_or_exit();
    double t0 = snap_now();
    int rc = PMPI_Init(argc, argv);
    double t1 = snap_now();
    if (rc == MPI_SUCCESS) setup();
    if (rc == MPI_SUCCESS)
        snap_log(SNAP_LOG_DEBUG, "MPI_Init: %.1f ms in MPI, %.1f ms in mpisnap", 1e3 * (t1 - t0), 1e3 * (snap_now() - t1));
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
    if (required > MPI_THREAD_SERIALIZED && snap_g.rank == 0)
        snap_log(SNAP_LOG_WARN, "MPI_THREAD_MULTIPLE requested; mpisnap provides MPI_THREAD_SERIALIZED");
    return rc;
}

int wrap_Finalize(void)
{
    snap_comm_get(MPI_COMM_WORLD)->colls++; /* finalizing is collective over the job */
    snap_enter("Finalize", -2, -2, MPI_COMM_WORLD, 0, MPI_DATATYPE_NULL);
    snap_g.finalizing = 1;
    if (ticker_running) {
        ticker_stop = 1;
        pthread_join(ticker_thread, NULL);
        ticker_running = 0;
    }
    snap_sp_unreachable("finalizing");
    snap_quiesce(); /* every snapshot in progress completes before anyone leaves */
    snap_engine_fini();
    wire_comm_forget(MPI_COMM_NULL);
    record_forget_all();
    PMPI_Comm_free(&snap_g.ctl);
    PMPI_Comm_free(&snap_g.coll);
    PMPI_Comm_free(&snap_g.pcomm);
    snap_leave();
    snap_g.finalized = 1;
    return PMPI_Finalize();
}
