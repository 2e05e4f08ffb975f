/*
 * pmpi_init.c - a program that initialises MPI behind mpisnap's back (PMPI_Init), as a
 * binding mpisnap does not cover would: the job must say, in one line, that it takes
 * no snapshot and why, and SIGUSR1 (which would end a process without a handler) must
 * not kill it.
 *
 *     pmpi_init [--signal]          then MPI calls mpisnap interposes: told at the first
 *     pmpi_init --pmpi [--signal]   then PMPI calls only: nothing interposed, told at exit
 * --signal: every rank raises SIGUSR1 (without mpisnap loaded, that ends the process).
 */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    int only_pmpi = 0, signal_self = 0;
    for (int i = 1; i < argc; i++) {
        only_pmpi |= !strcmp(argv[i], "--pmpi");
        signal_self |= !strcmp(argv[i], "--signal");
    }
    PMPI_Init(&argc, &argv);
    int rank, size;
    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &size);
    if (signal_self) raise(SIGUSR1);
    long sum = 0;
    for (int i = 0; i < 200; i++) {
        int out = rank * 1000 + i, in = -1;
        int to = (rank + 1) % size, from = (rank + size - 1) % size;
        if (only_pmpi)
            PMPI_Sendrecv(&out, 1, MPI_INT, to, 5, &in, 1, MPI_INT, from, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        else
            MPI_Sendrecv(&out, 1, MPI_INT, to, 5, &in, 1, MPI_INT, from, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        sum += in;
    }
    long total = 0;
    PMPI_Reduce(&sum, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("pmpi_init: done %ld\n", total);
    PMPI_Finalize();
    return 0;
}
