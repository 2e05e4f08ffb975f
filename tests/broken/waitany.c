/*
 * waitany.c - deliberately broken: rank 0 posts receives from ranks 1 and 2 and waits
 * for any of them (MPI_Waitany) before the barrier; ranks 1 and 2 send only after the
 * barrier. Rank 0 waits for any of 1, 2 (OR), they wait for rank 0 (not arrived): a
 * deadlock under OR semantics (a knot: every alternative of rank 0 is itself blocked
 * on rank 0). Plain MPI; exactly 3 ranks.
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, in[2] = {0, 0}, x = 3, which;
    MPI_Request reqs[2];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 3) {
        if (rank == 0) fprintf(stderr, "waitany: run with 3 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (rank == 0) {
        MPI_Irecv(&in[0], 1, MPI_INT, 1, 1, MPI_COMM_WORLD, &reqs[0]);
        MPI_Irecv(&in[1], 1, MPI_INT, 2, 2, MPI_COMM_WORLD, &reqs[1]);
        MPI_Waitany(2, reqs, &which, MPI_STATUS_IGNORE);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Wait(&reqs[1 - which], MPI_STATUS_IGNORE);
    } else {
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Send(&x, 1, MPI_INT, 0, rank, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
}
