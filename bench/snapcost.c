/*
 * snapcost.c - one snapshot and nothing else, to count what completing a snapshot
 * costs in messages (bench/snapcost.sh runs it under Open MPI's message monitoring).
 * With "snap", rank 0 initiates one snapshot and every rank polls until it is complete;
 * without, the same program takes none. Both end with the same barrier and finalize.
 */
#include <mpi.h>
#include <mpisnap.h>
#include <string.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, flag;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Barrier(MPI_COMM_WORLD);
    if (argc > 1 && !strcmp(argv[1], "snap")) {
        if (rank == 0) mpisnap_request();
        while (mpisnap_last_snapshot() < 1) /* any MPI call serves the snapshot */
            MPI_Iprobe(MPI_ANY_SOURCE, 0, MPI_COMM_SELF, &flag, MPI_STATUS_IGNORE);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
