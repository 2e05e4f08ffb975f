/*
 * snapcost.c - one snapshot and nothing else, to count what completing a snapshot
 * costs in messages (bench/snapcost.sh runs it under Open MPI's message monitoring) and,
 * with --report, in time and memory (bench/scale.sh).
 * With "snap", rank 0 initiates one snapshot and every rank polls until it is complete;
 * without, the same program takes none. Both end with the same barrier and finalize.
 *   snapcost snap [K]|none [--region KIB] [--report]
 * "snap K" takes K snapshots one after the other (their times, from the log, for
 * bench/snapcost.sh's time to complete); --report times them all together.
 * --region KIB: every rank protects KIB KiB (so the file holds some state per rank).
 * --report: rank 0 prints one line: the time from its request to the snapshot complete
 * on rank 0 (the file committed), and each rank's peak memory growth while it took part
 * (VmHWM after minus VmRSS before, the peak reset first through /proc/self/clear_refs):
 * "snapcost: ranks N ms T rss_kib_collector C rss_kib_other_max M rss_kib_other_mean A".
 */
#include <mpi.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field of /proc/self/status in KiB, -1 if unknown. */
static long status_kib(const char *field)
{
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') v = strtol(line + n + 1, NULL, 10);
    if (f) fclose(f);
    return v;
}

static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) fputs("5", f), fclose(f);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, flag, snaps = 0, report = 0;
    long region_kib = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "snap")) {
            snaps = 1;
            if (i + 1 < argc && argv[i + 1][0] >= '1' && argv[i + 1][0] <= '9') snaps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--report"))
            report = 1;
        else if (!strcmp(argv[i], "--region") && i + 1 < argc)
            region_kib = atol(argv[++i]);
    }
    char *state = NULL;
    if (region_kib > 0) {
        state = malloc((size_t)region_kib << 10);
        memset(state, rank + 1, (size_t)region_kib << 10);
        mpisnap_protect("state", state, (int)(region_kib << 10), MPI_BYTE);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    reset_peak();
    long rss0 = status_kib("VmRSS");
    double t0 = MPI_Wtime();
    for (int k = 1; k <= snaps; k++) {
        if (rank == 0) mpisnap_request();
        while (mpisnap_last_snapshot() < k) /* any MPI call serves the snapshot */
            MPI_Iprobe(MPI_ANY_SOURCE, 0, MPI_COMM_SELF, &flag, MPI_STATUS_IGNORE);
    }
    double ms = 1e3 * (MPI_Wtime() - t0);
    long grow = status_kib("VmHWM") - rss0;
    MPI_Barrier(MPI_COMM_WORLD);
    if (report) {
        long *all = rank == 0 ? malloc((size_t)size * sizeof *all) : NULL;
        MPI_Gather(&grow, 1, MPI_LONG, all, 1, MPI_LONG, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            long max = 0;
            double sum = 0;
            for (int r = 1; r < size; r++) sum += (double)all[r], max = all[r] > max ? all[r] : max;
            printf("snapcost: ranks %d ms %.2f rss_kib_collector %ld rss_kib_other_max %ld rss_kib_other_mean %.0f\n",
                   size, ms, all[0], max, size > 1 ? sum / (size - 1) : 0.0);
            free(all);
        }
    }
    MPI_Finalize();
    free(state);
    return 0;
}
