/*
 * preload_app.c - an MPI program built WITHOUT mpisnap, for the LD_PRELOAD tests.
 * Each rank exchanges messages with every other rank for a number of rounds (Isend to
 * all, receives with MPI_ANY_SOURCE and a per-round tag, an Allreduce per round) and
 * prints a checksum that does not depend on timing. With --signal-self, rank 1 (or 0)
 * sends itself SIGUSR1 half-way, which mpisnap turns into a snapshot.
 */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int rounds = 200, signal_self = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--signal-self"))
            signal_self = 1;
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
    }
    MPI_Init(&argc, &argv);
    int rank, n;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    long long sum = 0;
    MPI_Request reqs[64];
    long long out[64], in;
    for (int r = 0; r < rounds; r++) {
        int k = 0;
        for (int j = 0; j < n && k < 64; j++) {
            if (j == rank) continue;
            out[k] = (long long)rank * 1000003 + r * 31 + j;
            MPI_Isend(&out[k], 1, MPI_LONG_LONG, j, r % 7, MPI_COMM_WORLD, &reqs[k]);
            k++;
        }
        for (int j = 0; j < k; j++) {
            MPI_Status st;
            MPI_Recv(&in, 1, MPI_LONG_LONG, MPI_ANY_SOURCE, r % 7, MPI_COMM_WORLD, &st);
            sum += in % 1000 + st.MPI_SOURCE;
        }
        MPI_Waitall(k, reqs, MPI_STATUSES_IGNORE);
        if (signal_self && r == rounds / 2 && rank == (n > 1 ? 1 : 0)) kill(getpid(), SIGUSR1);
        long long t = sum;
        MPI_Allreduce(&t, &sum, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
        sum %= 1000000007;
    }
    if (rank == 0) printf("preload_app: %d ranks, %d rounds\nchecksum: %lld\n", n, rounds, sum);
    MPI_Finalize();
    return 0;
}
