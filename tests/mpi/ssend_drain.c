/*
 * ssend_drain.c - a snapshot must not complete a synchronous send. Rank 0 MPI_Ssend()s
 * to rank 1 (in round 2, MPI_Issend + MPI_Test); while it waits, rank 1 initiates a
 * snapshot and serves it for 300 ms without receiving: the message was sent before the
 * snapshot, so it is in transit and the library drains it. MPI semantics: the
 * synchronous send completes only once the receive is posted, which rank 1 does after
 * the 300 ms. Checked with the wall clock of the one machine both ranks run on.
 */
#include <mpi.h>
#include <mpisnap.h>
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, bad = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int round = 0; round < 2; round++) {
        double t = 0, other = 0;
        long v = 42 + round;
        if (rank == 0) {
            if (round == 0) {
                MPI_Ssend(&v, 1, MPI_LONG, 1, 5, MPI_COMM_WORLD);
            } else {
                MPI_Request r;
                int flag = 0;
                MPI_Issend(&v, 1, MPI_LONG, 1, 5, MPI_COMM_WORLD, &r);
                while (!flag) MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
            }
            t = now(); /* the send has completed */
        } else if (rank == 1) {
            int flag;
            for (double t0 = now(); now() - t0 < 0.05;) /* let rank 0 block in its send */
                MPI_Iprobe(MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
            mpisnap_request();
            for (double t0 = now(); now() - t0 < 0.3;) /* serve the snapshot, receive nothing */
                MPI_Iprobe(MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
            t = now(); /* the receive is posted now */
            MPI_Recv(&v, 1, MPI_LONG, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (v != 42 + round) bad = 1;
        }
        if (rank == 0) MPI_Recv(&other, 1, MPI_DOUBLE, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rank == 1) MPI_Send(&t, 1, MPI_DOUBLE, 0, 7, MPI_COMM_WORLD);
        if (rank == 0 && t < other) {
            fprintf(stderr, "ssend_drain: the %s completed %.3f s BEFORE the receive was posted\n",
                    round ? "MPI_Issend" : "MPI_Ssend", other - t);
            bad = 1;
        }
        mpisnap_wait_all();
    }
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("ssend_drain: %ld snapshots\nssend_drain: %s\n", mpisnap_last_snapshot(), any ? "FAILED" : "OK");
    MPI_Finalize();
    return any;
}
