/*
 * selfpair.c - N times: an 8-byte MPI_Send to itself, then the MPI_Recv of it. A single
 * rank, so nothing waits: under callgrind (bench/floor.sh --instr) the difference of two
 * runs of different N divided by the difference of N is the instructions one send and
 * one receive cost, a measure the machine's noise does not touch.
 */
#include <mpi.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int n = argc > 1 ? atoi(argv[1]) : 1000, me;
    char b[8] = {0};
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    for (int i = 0; i < n; i++) {
        MPI_Send(b, 8, MPI_BYTE, me, 0, MPI_COMM_WORLD);
        MPI_Recv(b, 8, MPI_BYTE, me, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    MPI_Finalize();
    return 0;
}
