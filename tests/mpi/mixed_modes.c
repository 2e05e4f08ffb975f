/*
 * mixed_modes.c - snapshots asked for at the same moment by a rank in safe-point mode
 * and by one that never marks safe points.
 *
 * Rank 1 calls mpisnap_safepoint() (its snapshots start with STOP and are recorded at
 * safe points); rank 0 never does (its snapshots are recorded at once). Every iteration
 * both ask for a snapshot, then exchange messages, so the two kinds race for the same
 * snapshot id. Whatever the outcome (one of them taken, or the id abandoned with a log
 * line), the job must go on: a rank must never wait for a snapshot the other gave up.
 * A hang is caught by CTest's timeout. Prints "mixed_modes: done N" on rank 0.
 */
#include <mpi.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, iters = argc > 1 ? atoi(argv[1]) : 30;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int it = 0; it < iters; it++) {
        if (rank == 1) mpisnap_safepoint();
        MPI_Barrier(MPI_COMM_WORLD);
        mpisnap_request();
        int x = it, y = -1;
        for (int k = 0; k < 50; k++)
            MPI_Sendrecv(&x, 1, MPI_INT, 1 - rank, 7, &y, 1, MPI_INT, 1 - rank, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (y != it) {
            fprintf(stderr, "mixed_modes: rank %d got %d in iteration %d\n", rank, y, it);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        if (rank == 1) mpisnap_safepoint();
        mpisnap_wait_all();
    }
    if (rank == 0) printf("mixed_modes: done %d\n", iters);
    MPI_Finalize();
    return 0;
}
