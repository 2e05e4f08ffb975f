/*
 * bigstate.c - the cost of a restartable snapshot of large protected state, and of
 * restarting from it (bench/bigstate.sh compares both with dd on the same disk).
 *   bigstate MiB_PER_RANK   prints "init: <s>" (MPI_Init, the slowest rank's),
 *                           "snapshot: <s>" (request to file complete) and "pause: <s>"
 *                           (the longest a rank stayed in a safe point: what the
 *                           snapshot cost the application itself), or, when
 *                           restarted, "restart: <s>": the time spent restarting, in
 *                           MPI_Init (MPI's own start-up, then choosing and checking the
 *                           file and reading the rank's part) and in the first
 *                           mpisnap_safepoint (restoring the regions), the slowest
 *                           rank's. The program's own initialisation between the two
 *                           (filling its state, which a restarted program does too) is
 *                           not included. bigstate.sh subtracts a fresh run's init.
 */
#include <mpi.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    double t_start = now();
    MPI_Init(&argc, &argv);
    double t_init = now() - t_start, worst_init;
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Reduce(&t_init, &worst_init, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0 && !mpisnap_restarted()) printf("init: %.3f\n", worst_init);
    size_t bytes = (size_t)(argc > 1 ? atol(argv[1]) : 256) << 20;
    char *state = malloc(bytes);
    memset(state, rank + 1, bytes);
    int it = 0;
    double t0 = 0, pause = 0;
    mpisnap_protect("state", state, (int)bytes, MPI_BYTE);
    mpisnap_protect("it", &it, 1, MPI_INT);
    /* an iterative loop: safe point, then a barrier standing for the work */
    for (; it < 8; it++) {
        double t_sp = now();
        mpisnap_safepoint();
        if (now() - t_sp > pause) pause = now() - t_sp;
        if (mpisnap_restarted() && t0 == 0) {
            double t = t_init + (now() - t_sp), worst;
            MPI_Reduce(&t, &worst, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
            if (rank == 0) printf("restart: %.3f\n", worst);
            t0 = -1;
        }
        if (rank == 0 && t0 > 0 && mpisnap_last_snapshot() >= 1) {
            printf("snapshot: %.3f\n", now() - t0);
            t0 = -1;
        }
        if (rank == 0 && it == 1 && !mpisnap_restarted()) {
            t0 = now();
            mpisnap_request();
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
    mpisnap_wait_all(); /* collective: the snapshot may still be completing */
    if (t0 > 0) printf("snapshot: %.3f\n", now() - t0);
    double worst_pause;
    MPI_Reduce(&pause, &worst_pause, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0 && !mpisnap_restarted()) printf("pause: %.3f\n", worst_pause);
    if (state[bytes - 1] != rank + 1) fprintf(stderr, "bigstate[%d]: state corrupted\n", rank);
    free(state);
    MPI_Finalize();
    return 0;
}
