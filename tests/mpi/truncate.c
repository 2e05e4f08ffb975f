/*
 * truncate.c - a blocking receive that truncates, with MPI_ERRORS_RETURN: the
 * application gets MPI_ERR_TRUNCATE and the part of the message that fits, exactly as
 * without mpisnap, and the library still counts the message, so the snapshots taken
 * afterwards close their channels (run_check.sh checks every file) and later receives
 * of the same shape work (the library's cached receive of that shape failed).
 *
 * Rank 0 sends, ROUNDS times: two ints {10r, 10r+1} then one int 10r+2, on tag 5 of a
 * duplicate of MPI_COMM_WORLD, and asks for a snapshot every round. Rank 1 receives one
 * int (truncated: 10r, MPI_ERR_TRUNCATE), then one int (10r+2, success), and checks the
 * status of both. Prints "truncate: ok N" on rank 1 after N rounds.
 */
#include <mpi.h>
#include <mpisnap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, rounds = 20, bad = 0;
    MPI_Comm comm;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    for (int r = 0; r < rounds; r++) {
        if (rank == 0) {
            int two[2] = {10 * r, 10 * r + 1}, one = 10 * r + 2;
            MPI_Send(two, 2, MPI_INT, 1, 5, comm);
            MPI_Send(&one, 1, MPI_INT, 1, 5, comm);
            mpisnap_request();
        } else if (rank == 1) {
            int x = -1, y = -1, n = -1, cls = -1;
            MPI_Status st;
            int rc = MPI_Recv(&x, 1, MPI_INT, 0, 5, comm, &st);
            MPI_Error_class(rc, &cls);
            if (cls != MPI_ERR_TRUNCATE || x != 10 * r) {
                printf("truncate: round %d: first receive returned class %d and %d (want MPI_ERR_TRUNCATE and %d)\n", r,
                       cls, x, 10 * r);
                bad++;
            }
            rc = MPI_Recv(&y, 1, MPI_INT, 0, 5, comm, &st);
            MPI_Get_count(&st, MPI_INT, &n);
            if (rc != MPI_SUCCESS || y != 10 * r + 2 || n != 1 || st.MPI_SOURCE != 0 || st.MPI_TAG != 5) {
                printf("truncate: round %d: second receive returned %d, %d, count %d, source %d, tag %d\n", r, rc, y, n,
                       st.MPI_SOURCE, st.MPI_TAG);
                bad++;
            }
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
    long done = mpisnap_wait_all();
    if (rank == 1 && !bad) printf("truncate: ok %d (%ld snapshots)\n", rounds, done);
    MPI_Comm_free(&comm);
    MPI_Finalize();
    return bad != 0;
}
