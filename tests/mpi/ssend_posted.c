/*
 * ssend_posted.c - a synchronous send completes once the receive the application posted
 * has matched it (MPI-3.1 §3.4), not only when the receiver waits for that receive.
 * Two patterns that complete in MPI and hung under mpisnap before it acknowledged
 * synchronous messages at the match:
 *   ring:    every rank posts MPI_Irecv from its left, MPI_Ssend()s to its right, and
 *            only then waits (MPI_Issend + MPI_Wait in odd rounds);
 *   blocked: rank 0 posts MPI_Irecv(tag 1) from rank 1, then blocks in MPI_Recv(tag 2)
 *            from rank 1, which sends tag 2 only after its MPI_Ssend(tag 1) completed.
 * Prints "ssend_posted: done N" with the sum of all values received.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, rounds = argc > 1 ? atoi(argv[1]) : 100;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int left = (rank + size - 1) % size, right = (rank + 1) % size;
    long sum = 0;
    for (int r = 0; r < rounds; r++) {
        int out = rank * 1000 + r, in = -1;
        MPI_Request rq, sq;
        MPI_Irecv(&in, 1, MPI_INT, left, 0, MPI_COMM_WORLD, &rq);
        if (r % 2) {
            MPI_Issend(&out, 1, MPI_INT, right, 0, MPI_COMM_WORLD, &sq);
            MPI_Wait(&sq, MPI_STATUS_IGNORE);
        } else {
            MPI_Ssend(&out, 1, MPI_INT, right, 0, MPI_COMM_WORLD);
        }
        MPI_Wait(&rq, MPI_STATUS_IGNORE);
        if (in != left * 1000 + r) {
            fprintf(stderr, "ssend_posted: rank %d round %d got %d from %d\n", rank, r, in, left);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        sum += in;
        if (size >= 2 && rank < 2) { /* blocked */
            int a = r, b = -r, x = -1, y = -1;
            if (rank == 0) {
                MPI_Irecv(&x, 1, MPI_INT, 1, 1, MPI_COMM_WORLD, &rq);
                MPI_Recv(&y, 1, MPI_INT, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Wait(&rq, MPI_STATUS_IGNORE);
                if (x != r || y != -r) {
                    fprintf(stderr, "ssend_posted: round %d got %d %d\n", r, x, y);
                    MPI_Abort(MPI_COMM_WORLD, 1);
                }
                sum += x - y;
            } else {
                MPI_Ssend(&a, 1, MPI_INT, 0, 1, MPI_COMM_WORLD);
                MPI_Send(&b, 1, MPI_INT, 0, 2, MPI_COMM_WORLD);
            }
        }
    }
    long total = 0;
    MPI_Reduce(&sum, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("ssend_posted: done %ld\n", total);
    MPI_Finalize();
    return 0;
}
