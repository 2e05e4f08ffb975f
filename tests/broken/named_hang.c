/*
 * named_hang.c - a hung MPI program built with -g and never linked with mpisnap, for
 * the named-stacks, call-prefix tree and progress tests (named_stacks.sh). The lines
 * where ranks wait carry a marker comment "MARK:name"; the tests find the expected
 * file:line with grep, so editing this file does not break them.
 *
 *   named_hang DIR [pingpong]       (DIR: ignored, names this job's processes)
 *
 * - rank 3 waits in MPI_Recv inside inlined_wait(), which is always inlined into
 *   main: its stack has an inlined frame;
 * - ranks 4 and up wait in MPI_Barrier, which ranks 0-3 never reach;
 * - without "pingpong", ranks 0-2 wait in MPI_Recv inside wait_for_partner(), for a
 *   message nobody sends; with it, only rank 2 does, while ranks 0 and 1 exchange
 *   messages in pingpong() forever (they progress, the others do not).
 * At least 4 ranks.
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static volatile int sink; /* keeps the receives from being tail calls */

__attribute__((noinline)) static void wait_for_partner(void)
{
    int x = 0;
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE); /* MARK:wait */
    sink = x;
}

static inline __attribute__((always_inline)) void inlined_wait(void)
{
    int x = 0;
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 98, MPI_COMM_WORLD, MPI_STATUS_IGNORE); /* MARK:inlined */
    sink = x;
}

__attribute__((noinline)) static void pingpong(int rank)
{
    int x = 0, other = 1 - rank;
    for (;;) {
        if (rank == 0) {
            MPI_Send(&x, 1, MPI_INT, other, 5, MPI_COMM_WORLD);
            MPI_Recv(&x, 1, MPI_INT, other, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&x, 1, MPI_INT, other, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            x++;
            MPI_Send(&x, 1, MPI_INT, other, 5, MPI_COMM_WORLD);
        }
        sink = x;
    }
}

int main(int argc, char **argv)
{
    int rank, size, pp = argc > 2 && strcmp(argv[2], "pingpong") == 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 4) {
        if (rank == 0) fprintf(stderr, "named_hang: run with at least 4 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (rank < 2 && pp)
        pingpong(rank);
    else if (rank < 3)
        wait_for_partner(); /* MARK:call_wait */
    else if (rank == 3)
        inlined_wait();          /* MARK:call_inlined */
    MPI_Barrier(MPI_COMM_WORLD); /* MARK:barrier */
    MPI_Finalize();
    return 0;
}
