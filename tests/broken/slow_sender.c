/*
 * slow_sender.c - a CORRECT program that looks hung for a while: rank 1 waits in
 * MPI_Recv for 3.5 s while rank 0 computes (polling with MPI_Iprobe, as codes that
 * check for control messages do, so it takes part in a snapshot without a blocking
 * call), then rank 0 sends and both finish. Under a 2 s hang watchdog a snapshot is
 * taken while rank 1 waits; `waits` must report no deadlock and name rank 0, which is
 * not in MPI, as what rank 1 waits for. Plain MPI; exactly 2 ranks.
 */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, flag;
    double x = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2) {
        if (rank == 0) fprintf(stderr, "slow_sender: run with 2 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (rank == 0) {
        double t0 = MPI_Wtime();
        while (MPI_Wtime() - t0 < 3.5) {
            for (int i = 1; i < 100000; i++) /* the "computation" */
                x += 1.0 / ((double)i * i);
            MPI_Iprobe(MPI_ANY_SOURCE, 99, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        }
        MPI_Send(&x, 1, MPI_DOUBLE, 1, 3, MPI_COMM_WORLD);
    } else {
        MPI_Recv(&x, 1, MPI_DOUBLE, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("slow_sender: received %.6f\n", x);
    }
    MPI_Finalize();
    return 0;
}
