/*
 * pingpong.c - one-way latency and bandwidth between ranks 0 and 1, for the overhead
 * comparison of bench/overhead.sh (the same binary runs with and without mpisnap
 * preloaded, alternately). Prints one line per size: "size_bytes usec_one_way MB_per_s",
 * the median of --reps repetitions of --iters round trips. --size N measures only N bytes,
 * --sizes A,B,... those sizes (up to 16, each at most 1 MiB).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int iters = 2000, reps = 7;
    long sizes[16] = {8, 1024, 65536, 1048576};
    size_t nsizes = 4;
    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--iters"))
            iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps"))
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--size"))
            sizes[0] = atol(argv[++i]), nsizes = 1;
        else if (!strcmp(argv[i], "--sizes")) { /* a comma-separated list of up to 16 */
            char *p = argv[++i], *end;
            for (nsizes = 0; nsizes < 16; p = end + 1) {
                sizes[nsizes++] = strtol(p, &end, 10);
                if (end == p || (*end && *end != ',')) {
                    fprintf(stderr, "pingpong: --sizes %s: expected sizes in bytes separated by commas\n", argv[i]);
                    return 2;
                }
                if (!*end) break;
            }
        }
    }
    for (size_t s = 0; s < nsizes; s++)
        if (sizes[s] < 0 || sizes[s] > 1 << 20) {
            fprintf(stderr, "pingpong: size %ld: expected 0 to 1048576 bytes\n", sizes[s]);
            return 2;
        }
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char *buf = calloc(1, 1 << 20);
    double *t = calloc((size_t)reps, sizeof *t);
    for (size_t s = 0; s < nsizes; s++) {
        int n = sizes[s] >= 65536 ? iters / 10 + 1 : iters;
        for (int r = 0; r < reps; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            for (int i = 0; i < n; i++) {
                if (rank == 0) {
                    MPI_Send(buf, (int)sizes[s], MPI_BYTE, 1, 0, MPI_COMM_WORLD);
                    MPI_Recv(buf, (int)sizes[s], MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                } else if (rank == 1) {
                    MPI_Recv(buf, (int)sizes[s], MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                    MPI_Send(buf, (int)sizes[s], MPI_BYTE, 0, 0, MPI_COMM_WORLD);
                }
            }
            t[r] = (MPI_Wtime() - t0) / (2.0 * n);
        }
        qsort(t, (size_t)reps, sizeof *t, cmp);
        double med = t[reps / 2];
        if (rank == 0) printf("%ld %.4f %.1f\n", sizes[s], med * 1e6, (double)sizes[s] / med / 1e6);
    }
    free(buf);
    free(t);
    MPI_Finalize();
    return 0;
}
