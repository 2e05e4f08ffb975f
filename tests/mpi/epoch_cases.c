/*
 * epoch_cases.c - the cases where classifying a message by epoch matters (issue 3),
 * run under both algorithms. Usage: epoch_cases order|silent|twice
 *
 *  order   rank 0 sends an epoch-0 message on tag 1, then initiates snapshot 1 and sends
 *          three epoch-1 messages on tag 2; rank 1 receives the three tag-2 messages
 *          FIRST, then the old one. Snapshot 1 must hold exactly that old message in
 *          transit 0->1 (tag 1, payload 4242) and nothing else.
 *  silent  ranks 0 and 1 exchange messages and rank 0 initiates; rank 2 never sends or
 *          receives a message (it sleeps, then joins the final barrier): it must still
 *          be part of the snapshot.
 *  twice   rank 0 asks for a snapshot, and asks again while the first is completing
 *          (rank 1 is still computing and has not answered): two snapshots result.
 * Prints "epoch_cases: <case> OK" and checks every value it receives.
 */
#include <mpi.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank;

static void expect(long got, long want, const char *what)
{
    if (got == want) return;
    fprintf(stderr, "epoch_cases[%d]: %s is %ld, expected %ld\n", rank, what, got, want);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static void order_case(void)
{
    long v;
    if (rank == 0) {
        long old = 4242, fresh[3] = {1, 2, 3};
        MPI_Send(&old, 1, MPI_LONG, 1, 1, MPI_COMM_WORLD);
        mpisnap_request(); /* records here: epoch 1 starts */
        for (int i = 0; i < 3; i++) MPI_Send(&fresh[i], 1, MPI_LONG, 1, 2, MPI_COMM_WORLD);
    } else if (rank == 1) {
        usleep(100000); /* let everything arrive first */
        for (int i = 0; i < 3; i++) {
            MPI_Recv(&v, 1, MPI_LONG, 0, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            expect(v, i + 1, "tag-2 message");
        }
        MPI_Recv(&v, 1, MPI_LONG, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        expect(v, 4242, "the old tag-1 message");
    }
}

static void silent_case(void)
{
    long v = rank;
    if (rank == 0) {
        mpisnap_request();
        MPI_Send(&v, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD);
        MPI_Recv(&v, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        expect(v, 1, "reply");
    } else if (rank == 1) {
        MPI_Recv(&v, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        expect(v, 0, "message");
        v = 1;
        MPI_Send(&v, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD);
    } else {
        usleep(200000); /* silent: no message at all */
    }
}

static void twice_case(void)
{
    if (rank == 0) {
        mpisnap_request(); /* snapshot 1: rank 1 is busy, so it cannot complete yet */
        mpisnap_request(); /* served by snapshot 2 */
    } else {
        usleep(200000);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const char *c = argc > 1 ? argv[1] : "";
    if (!strcmp(c, "order"))
        order_case();
    else if (!strcmp(c, "silent"))
        silent_case();
    else if (!strcmp(c, "twice"))
        twice_case();
    else {
        if (rank == 0) fprintf(stderr, "usage: epoch_cases order|silent|twice\n");
        MPI_Finalize();
        return 2;
    }
    MPI_Barrier(MPI_COMM_WORLD);
    long snaps = mpisnap_wait_all();
    if (rank == 0) printf("epoch_cases: %ld snapshots\nepoch_cases: %s OK\n", snaps, c);
    MPI_Finalize();
    return 0;
}
