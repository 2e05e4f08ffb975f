/*
 * head_to_head.c - deliberately broken: ranks 0 and 1 each receive from the other
 * before sending (tag 7), so neither ever sends; the other ranks wait in a barrier for
 * them. `mpisnap-inspect waits` must report the deadlock of ranks 0 and 1 and ranks
 * 2.. as blocked by it. Plain MPI (run under mpisnap-run); at least 2 ranks.
 */
#include <mpi.h>

int main(int argc, char **argv)
{
    int rank, size, x = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank < 2) {
        int other = 1 - rank;
        MPI_Recv(&x, 1, MPI_INT, other, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(&x, 1, MPI_INT, other, 7, MPI_COMM_WORLD);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
