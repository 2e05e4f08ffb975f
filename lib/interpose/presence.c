/*
 * presence.c - mpisnap is loaded, but does it see the job? The library is active only
 * from the MPI_Init it interposes. When MPI is initialised some other way (PMPI_Init
 * called directly, a language binding mpisnap does not cover, MPI linked ahead of it),
 * every snapshot would silently be missing; this file makes sure the job says so, once,
 * as early as it can tell (the first interposed call that finds MPI initialised behind
 * mpisnap's back, or else at exit), and that SIGUSR1, which users send to ask for a
 * snapshot, never kills a process mpisnap is loaded into.
 */
#define _GNU_SOURCE
#include "presence.h"
#include "mpiseam.h"
#include "pump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t unseen;        /* MPI initialised without mpisnap: said so */
static volatile sig_atomic_t early_signals; /* SIGUSR1 while mpisnap was not active */

static void on_sigusr1(int sig)
{
    (void)sig;
    double now = snap_now(); /* clock_gettime: async-signal-safe */
    if (now - snap_async.sig_burst_t > SNAP_SIGNAL_BURST_S) snap_async.sig_burst_t = now;
    snap_async.sig = 1; /* served at the next MPI call once active (MPI_Init included) */
    snap_async.attention = 1;
    if (!snap_job.initialized) early_signals++;
    if (unseen) {
        static const char m[] = "mpisnap: SIGUSR1: no snapshot, mpisnap is not active in this process "
                                "(MPI was initialised without it, see the line above)\n";
        ssize_t w = write(2, m, sizeof m - 1);
        (void)w;
    }
}

void snap_signal_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
}

/* At load, before main: SIGUSR1 asks for a snapshot from now on (unless MPISNAP_SIGNAL=0),
 * instead of ending the process. A bad setting is reported by MPI_Init, not here. */
__attribute__((constructor)) static void at_load(void)
{
    char err[600];
    snap_config cfg;
    if (snap_config_load(&cfg, err, sizeof err) != 0 || cfg.signal) snap_signal_install();
}

static void say_unseen(const char *when)
{
    if (unseen) return;
    unseen = 1;
    if (!seam_launcher_rank0()) return; /* one line per job, not one per rank */
    fprintf(stderr,
            "mpisnap: error: %sMPI was initialised without mpisnap seeing MPI_Init, so this job takes no "
            "snapshot: %s\n",
            when, seam_why_unseen());
    fflush(stderr);
}

void snap_unseen_slow(void)
{
    int up = 0;
    if (unseen || PMPI_Initialized(&up) != MPI_SUCCESS || !up) return;
    say_unseen("");
}

/* At exit: the process used MPI and mpisnap never saw it (no interposed call came by). */
__attribute__((destructor)) static void at_exit(void)
{
    int up = 0, down = 0;
    if (snap_job.initialized || unseen) return;
    PMPI_Initialized(&up);
    PMPI_Finalized(&down);
    if (!up && !down) return;
    say_unseen(early_signals ? "SIGUSR1 was received, but " : "");
}
