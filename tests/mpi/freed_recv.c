/*
 * freed_recv.c - a receive the application frees while it is pending must still be
 * finished by the library while the rank blocks elsewhere.
 *
 * Rank 1 posts Irecv(tag 1) and frees the request at once (legal: the buffer is read
 * after a later call proves the message arrived), then blocks in Recv(tag 2). Rank 0
 * sends tag 1 with MPI_Ssend, which completes only when the library on rank 1 hands
 * the message over (the acknowledgement of a synchronous send), then sends tag 2. A
 * blocked call that waits in MPI_Waitany without running the library's progress never
 * finishes the freed receive: Ssend never returns and the job hangs (CTest's timeout).
 * Prints "freed_recv: got 7 9" on rank 1 when both values arrived.
 */
#include <mpi.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, a = 7, b = 0, c = 9, d = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 1) {
        MPI_Request q;
        MPI_Irecv(&b, 1, MPI_INT, 0, 1, MPI_COMM_WORLD, &q);
        MPI_Request_free(&q);
        MPI_Recv(&d, 1, MPI_INT, 0, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("freed_recv: got %d %d\n", b, d);
    } else if (rank == 0) {
        usleep(200000); /* rank 1 is blocked in MPI_Recv by now */
        MPI_Ssend(&a, 1, MPI_INT, 1, 1, MPI_COMM_WORLD);
        MPI_Send(&c, 1, MPI_INT, 1, 2, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
}
