/*
 * snapcost.c - one snapshot and nothing else, to count what completing a snapshot
 * costs in messages (bench/snapcost.sh runs it under Open MPI's message monitoring).
 * With "snap", rank 0 initiates one snapshot and every rank polls until it is complete;
 * without, the same program takes none. Both end with the same barrier and finalize.
 * "snap K" takes K snapshots one after the other (their times, from the log, for
 * bench/snapcost.sh's time to complete).
 */
#include <mpi.h>
#include <mpisnap.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, flag;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Barrier(MPI_COMM_WORLD);
    int snaps = argc > 1 && !strcmp(argv[1], "snap") ? (argc > 2 ? atoi(argv[2]) : 1) : 0;
    for (int k = 1; k <= snaps; k++) {
        if (rank == 0) mpisnap_request();
        while (mpisnap_last_snapshot() < k) /* any MPI call serves the snapshot */
            MPI_Iprobe(MPI_ANY_SOURCE, 0, MPI_COMM_SELF, &flag, MPI_STATUS_IGNORE);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
