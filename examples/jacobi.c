/*
 * jacobi - a deterministic 2-D Jacobi stencil, the restart example of mpisnap.
 *
 *   mpirun -np 4 jacobi --n 512 --iters 4000
 *
 * The n x n grid (hot top edge, cold elsewhere) is split by rows; each iteration
 * exchanges halo rows with the neighbours and relaxes the interior. The grid and the
 * iteration counter are protected, and mpisnap_safepoint() marks the top of the loop,
 * so a job killed part-way resumes with MPISNAP_RESTART=latest and prints the same
 * checksum, bit for bit. The next iteration's halos are sent with MPI_Bsend at the end
 * of each iteration, before the safe point: at every safe point messages are genuinely
 * in flight, recorded as in-transit, and delivered again after a restart.
 *
 * Its last line is "checksum: <hex>", a hash of the bytes of the final field.
 * --snapshot-every K makes rank 0 request a snapshot every K iterations; --crash-at K
 * kills the last rank with SIGKILL at iteration K (a crash, for the restart tests).
 */
#include <mpi.h>
#include <mpisnap.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct opts {
    int n, iters, snapshot_every, crash_at;
} opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: jacobi [--n N] [--iters K] [--snapshot-every K] [--crash-at K]\n"
               "A deterministic 2-D Jacobi stencil (N x N grid split by rows) that can be restarted\n"
               "from an mpisnap snapshot; its last line is \"checksum: <hex>\".\n"
               "  --n N               grid size (default 256, at least the number of ranks)\n"
               "  --iters K           iterations (default 1000)\n"
               "  --snapshot-every K  rank 0 asks for a snapshot every K iterations (default 0: never)\n"
               "  --crash-at K        the last rank kills itself (SIGKILL) at iteration K (default -1)\n"
               "  --help              this text\n");
}

/* 0 ok, 1 --help, -1 bad (message printed by rank 0). */
static int parse(int argc, char **argv, opts *o, int rank)
{
    *o = (opts){256, 1000, 0, -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return 1;
        int *dst = !strcmp(a, "--n")                ? &o->n
                   : !strcmp(a, "--iters")          ? &o->iters
                   : !strcmp(a, "--snapshot-every") ? &o->snapshot_every
                   : !strcmp(a, "--crash-at")       ? &o->crash_at
                                                    : NULL;
        char *end = NULL;
        long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
        if (!dst || i + 1 >= argc || *end || v < -1 || v > 100000000) {
            if (rank == 0)
                fprintf(stderr, "jacobi: %s %s: unknown option or bad value; see jacobi --help\n", a,
                        i + 1 < argc ? argv[i + 1] : "");
            return -1;
        }
        *dst = (int)v;
        i++;
    }
    return 0;
}

/* FNV-1a over bytes: the checksum must see every bit. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    for (const unsigned char *b = p; n--; b++) h = (h ^ *b) * 1099511628211ull;
    return h;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    opts o;
    int p = parse(argc, argv, &o, rank);
    if (p || o.n < size || o.iters < 0) {
        if (p == 1 && rank == 0) usage(stdout);
        if (!p && rank == 0) fprintf(stderr, "jacobi: --n must be at least the number of ranks (%d)\n", size);
        MPI_Finalize();
        return p == 1 ? 0 : 2;
    }
    int n = o.n, rows = n / size + (rank < n % size), first = rank * (n / size) + (rank < n % size ? rank : n % size);
    int up = rank > 0 ? rank - 1 : MPI_PROC_NULL, down = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
    size_t cells = (size_t)(rows + 2) * (size_t)n;
    double *u = calloc(cells, sizeof *u), *v = calloc(cells, sizeof *v);
    int bsize = 2 * (n * (int)sizeof(double) + MPI_BSEND_OVERHEAD);
    void *bbuf = malloc((size_t)bsize);
    MPI_Buffer_attach(bbuf, bsize);
    int it = 0;
    mpisnap_protect("grid", u, (int)cells, MPI_DOUBLE);
    mpisnap_protect("iter", &it, 1, MPI_INT);
#define ROW(a, r) ((a) + (size_t)(r) * (size_t)n)
    if (!mpisnap_restarted()) { /* a restarted run gets grid, iter and the halos in flight back */
        if (first == 0)
            for (int j = 0; j < n; j++) ROW(u, 1)[j] = 1.0; /* the hot edge */
        MPI_Bsend(ROW(u, 1), n, MPI_DOUBLE, up, 0, MPI_COMM_WORLD);
        MPI_Bsend(ROW(u, rows), n, MPI_DOUBLE, down, 1, MPI_COMM_WORLD);
    }
    for (; it < o.iters; it++) {
        mpisnap_safepoint();
        if (o.crash_at == it && rank == size - 1) raise(SIGKILL);
        if (o.snapshot_every > 0 && rank == 0 && it % o.snapshot_every == o.snapshot_every - 1) mpisnap_request();
        MPI_Recv(ROW(u, 0), n, MPI_DOUBLE, up, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Recv(ROW(u, rows + 1), n, MPI_DOUBLE, down, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 1; i <= rows; i++) {
            int gi = first + i - 1;
            for (int j = 0; j < n; j++) {
                int fixed = gi == 0 || gi == n - 1 || j == 0 || j == n - 1;
                ROW(v, i)
                [j] = fixed ? ROW(u, i)[j]
                            : 0.25 * (ROW(u, i - 1)[j] + ROW(u, i + 1)[j] + ROW(u, i)[j - 1] + ROW(u, i)[j + 1]);
            }
        }
        memcpy(ROW(u, 1), ROW(v, 1), (size_t)rows * (size_t)n * sizeof *u);
        if (it + 1 < o.iters) { /* the next iteration's halos travel before its safe point */
            MPI_Bsend(ROW(u, 1), n, MPI_DOUBLE, up, 0, MPI_COMM_WORLD);
            MPI_Bsend(ROW(u, rows), n, MPI_DOUBLE, down, 1, MPI_COMM_WORLD);
        }
    }
    /* checksum of the whole field, in row order, on rank 0 */
    int *counts = malloc((size_t)size * sizeof *counts), *displs = malloc((size_t)size * sizeof *displs);
    for (int r = 0; r < size; r++) {
        counts[r] = (n / size + (r < n % size)) * n;
        displs[r] = r ? displs[r - 1] + counts[r - 1] : 0;
    }
    double *all = rank == 0 ? malloc((size_t)n * (size_t)n * sizeof *all) : NULL;
    MPI_Gatherv(ROW(u, 1), rows * n, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        uint64_t h = fnv(1469598103934665603ull, all, (size_t)n * (size_t)n * sizeof *all);
        printf("jacobi: %d x %d, %d iterations, %d ranks%s\nchecksum: %016llx\n", n, n, o.iters, size,
               mpisnap_restarted() ? " (restarted)" : "", (unsigned long long)h);
    }
    MPI_Buffer_detach(&bbuf, &bsize);
    free(bbuf), free(u), free(v), free(all), free(counts), free(displs);
    MPI_Finalize();
    return 0;
}
