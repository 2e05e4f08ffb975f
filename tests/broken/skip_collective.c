/*
 * skip_collective.c - deliberately broken: every rank but 2 enters MPI_Barrier; rank 2
 * instead waits for a message from any rank (MPI_ANY_SOURCE) that nobody sends. The
 * ranks in the barrier wait for rank 2 (not arrived) and rank 2 for any of them: a
 * deadlock of every rank, with rank 2 as the one that skipped the collective. Plain
 * MPI; at least 3 ranks.
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, x = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 3) {
        if (rank == 0) fprintf(stderr, "skip_collective: run with at least 3 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (rank == 2) MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
