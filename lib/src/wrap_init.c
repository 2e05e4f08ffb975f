/*
 * wrap_init.c - MPI_Init, MPI_Init_thread, MPI_Finalize: set-up and tear-down of the
 * library, its triggers (SIGUSR1, the interval timer) and its error reporting.
 */
#include "engine.h"
#include "record.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_t timer_thread;
static volatile int timer_stop;
static int timer_running;

static void on_sigusr1(int sig)
{
    (void)sig;
    snap_g.sig_request = 1;
    snap_g.attention = 1;
}

/* The interval timer only raises a flag; the engine acts on it inside MPI calls. */
static void *timer_main(void *arg)
{
    double s = snap_g.cfg.interval;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (!timer_stop) {
        nanosleep(&ts, NULL);
        if (timer_stop) break;
        snap_g.timer_request = 1;
        snap_g.attention = 1;
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

/* Is this process world rank 0 (as the launcher says, before MPI_Init)? */
static int launcher_rank0(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_RANK");
    if (!v) v = getenv("PMI_RANK");
    if (!v) v = getenv("PMIX_RANK");
    return !v || !strcmp(v, "0");
}

static void load_config_or_exit(void)
{
    char err[600];
    if (snap_config_load(&snap_g.cfg, err, sizeof err) == 0) return;
    if (launcher_rank0()) {
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
    snap_comms_init();
    snap_g.initialized = 1;
    snap_engine_init();
    /* the safe-point count is part of every snapshot, so a restarted run goes on counting
     * where it stopped (restart.c restores it with the application's regions) */
    record_protect("mpisnap.safepoints", &snap_g.sp_count, 1, MPI_INT64_T);
    snap_restart_load();
    if (snap_g.cfg.signal) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigusr1;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, NULL);
    }
    if (snap_g.cfg.interval > 0 && snap_g.rank == 0)
        timer_running = pthread_create(&timer_thread, NULL, timer_main, NULL) == 0;
    if (snap_g.rank == 0)
        snap_log(SNAP_LOG_DEBUG, "active: algorithm %s, %d ranks, files in %s", snap_g.cfg.algo, snap_g.nranks,
                 snap_g.cfg.dir);
}

SNAP_API int MPI_Init(int *argc, char ***argv)
{
    load_config_or_exit();
    int rc = PMPI_Init(argc, argv);
    if (rc == MPI_SUCCESS) setup();
    return rc;
}

SNAP_API int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
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

SNAP_API int MPI_Finalize(void)
{
    if (snap_passthrough()) return PMPI_Finalize();
    snap_comm_get(MPI_COMM_WORLD)->colls++; /* finalizing is collective over the job */
    snap_enter("Finalize", -2, -2, MPI_COMM_WORLD, 0, MPI_DATATYPE_NULL);
    snap_g.finalizing = 1;
    if (timer_running) {
        timer_stop = 1;
        pthread_join(timer_thread, NULL);
        timer_running = 0;
    }
    snap_sp_finalizing();
    snap_quiesce(); /* every snapshot in progress completes before anyone leaves */
    snap_engine_fini();
    record_forget_all();
    PMPI_Comm_free(&snap_g.ctl);
    PMPI_Comm_free(&snap_g.coll);
    PMPI_Comm_free(&snap_g.pcomm);
    snap_leave();
    snap_g.finalized = 1;
    return PMPI_Finalize();
}
