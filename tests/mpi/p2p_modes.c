/*
 * p2p_modes.c - the point-to-point paths bank does not take, each checked for content
 * and status while snapshots are taken: persistent requests (Startall/Waitall),
 * Sendrecv_replace, Ibsend + Waitsome, MPI_PROC_NULL, a large non-contiguous vector
 * (the in-place path) with Waitany, Mprobe/Mrecv, zero-byte Ssend,
 * Request_get_status, and messages drained by a snapshot before the application
 * receives them (then probed, received through Irecv and a persistent receive, in
 * MPI's order). Exits 1 with a message on the first wrong value.
 */
#include <mpi.h>
#include <mpisnap.h>
#include <stdio.h>
#include <stdlib.h>

static int rank, n, right, left;

#define CHECK(cond, ...)                              \
    do {                                              \
        if (!(cond)) {                                \
            fprintf(stderr, "p2p_modes[%d]: ", rank); \
            fprintf(stderr, __VA_ARGS__);             \
            fprintf(stderr, "\n");                    \
            MPI_Abort(MPI_COMM_WORLD, 1);             \
        }                                             \
    } while (0)

static void count_is(MPI_Status *st, MPI_Datatype dt, int want, const char *what)
{
    int c = -1;
    MPI_Get_count(st, dt, &c);
    CHECK(c == want, "%s: MPI_Get_count %d, expected %d", what, c, want);
}

static void persistent_round(int r, MPI_Request pr[2], long *out, long *in)
{
    *out = r * 1000L + rank;
    MPI_Startall(2, pr);
    MPI_Status st[2];
    MPI_Waitall(2, pr, st);
    CHECK(*in == r * 1000L + left, "persistent: got %ld", *in);
    count_is(&st[1], MPI_LONG, 1, "persistent");
}

static void large_vector(int r)
{
    enum { N = 20000 }; /* 160 KB of doubles, every other one: 80 KB */
    double *s = malloc(2 * N * sizeof *s), *d = calloc(2 * N, sizeof *d);
    MPI_Datatype vec;
    MPI_Type_vector(N, 1, 2, MPI_DOUBLE, &vec);
    MPI_Type_commit(&vec);
    for (int i = 0; i < 2 * N; i++) s[i] = r + rank + i * 0.5;
    MPI_Request q[2];
    MPI_Irecv(d, 1, vec, left, 7, MPI_COMM_WORLD, &q[0]);
    MPI_Isend(s, 1, vec, right, 7, MPI_COMM_WORLD, &q[1]);
    for (int k = 0; k < 2; k++) {
        int idx;
        MPI_Status st;
        MPI_Waitany(2, q, &idx, &st);
        if (idx == 0) count_is(&st, vec, 1, "vector");
    }
    for (int i = 0; i < 2 * N; i++)
        CHECK(d[i] == (i % 2 ? 0.0 : r + left + i * 0.5), "vector element %d is %g", i, d[i]);
    MPI_Type_free(&vec);
    free(s);
    free(d);
}

static void misc_round(int r)
{
    /* Sendrecv_replace around the ring */
    long v = r * 10L + rank;
    MPI_Status st;
    MPI_Sendrecv_replace(&v, 1, MPI_LONG, right, 3, left, 3, MPI_COMM_WORLD, &st);
    CHECK(v == r * 10L + left && st.MPI_SOURCE == left, "Sendrecv_replace: %ld from %d", v, st.MPI_SOURCE);
    /* Ibsend + Waitsome */
    long b = -r, got = 0;
    MPI_Request q[2];
    MPI_Irecv(&got, 1, MPI_LONG, left, 4, MPI_COMM_WORLD, &q[0]);
    MPI_Ibsend(&b, 1, MPI_LONG, right, 4, MPI_COMM_WORLD, &q[1]);
    int done = 0;
    while (done < 2) {
        int outc, idx[2];
        MPI_Status sts[2];
        MPI_Waitsome(2, q, &outc, idx, sts);
        done += outc;
    }
    CHECK(got == -r, "Ibsend: %ld", got);
    /* MPI_PROC_NULL */
    MPI_Send(&b, 1, MPI_LONG, MPI_PROC_NULL, 0, MPI_COMM_WORLD);
    MPI_Recv(&got, 1, MPI_LONG, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st);
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL, "PROC_NULL source %d", st.MPI_SOURCE);
    /* zero bytes, synchronous; Mprobe + Mrecv; Request_get_status */
    MPI_Request zr;
    MPI_Issend(NULL, 0, MPI_INT, right, 5, MPI_COMM_WORLD, &zr);
    MPI_Message m;
    MPI_Mprobe(left, 5, MPI_COMM_WORLD, &m, &st);
    count_is(&st, MPI_INT, 0, "Mprobe zero-byte");
    MPI_Mrecv(NULL, 0, MPI_INT, &m, &st);
    MPI_Wait(&zr, MPI_STATUS_IGNORE);
    int flag = 0;
    MPI_Irecv(&got, 1, MPI_LONG, left, 6, MPI_COMM_WORLD, &q[0]);
    MPI_Send(&v, 1, MPI_LONG, right, 6, MPI_COMM_WORLD);
    while (!flag) MPI_Request_get_status(q[0], &flag, &st);
    count_is(&st, MPI_LONG, 1, "Request_get_status");
    CHECK(got == r * 10L + ((left - 1 + n) % n), "get_status value %ld", got);
    MPI_Wait(&q[0], MPI_STATUS_IGNORE);
}

/* Messages sent before a snapshot and received only after it completed: the snapshot
 * must drain them, then hand them back in order through probe, Irecv and a persistent
 * receive. Tags 20 and 21 are sent in that order; tag 21 is asked for first. */
static void drained_round(int r)
{
    long a = 100L * r + rank, b = 100L * r + rank + 50, c = -(100L * r + rank);
    MPI_Request s[3];
    MPI_Isend(&a, 1, MPI_LONG, right, 20, MPI_COMM_WORLD, &s[0]);
    MPI_Isend(&b, 1, MPI_LONG, right, 21, MPI_COMM_WORLD, &s[1]);
    MPI_Isend(&c, 1, MPI_LONG, right, 20, MPI_COMM_WORLD, &s[2]);
    if (rank == 0) mpisnap_request();
    mpisnap_wait_all(); /* collective: the snapshot completes in here */
    long x = 0;
    MPI_Status st;
    int flag = 0;
    MPI_Iprobe(left, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    CHECK(flag && st.MPI_TAG == 20, "Iprobe after drain: flag %d tag %d (expected the oldest, 20)", flag, st.MPI_TAG);
    count_is(&st, MPI_LONG, 1, "Iprobe after drain");
    MPI_Request q;
    MPI_Irecv(&x, 1, MPI_LONG, left, 21, MPI_COMM_WORLD, &q);
    MPI_Wait(&q, &st);
    CHECK(x == 100L * r + left + 50 && st.MPI_TAG == 21, "drained tag 21: %ld", x);
    MPI_Request pr;
    MPI_Recv_init(&x, 1, MPI_LONG, left, 20, MPI_COMM_WORLD, &pr);
    long want[2] = {100L * r + left, -(100L * r + left)};
    for (int k = 0; k < 2; k++) {
        MPI_Start(&pr);
        MPI_Wait(&pr, &st);
        CHECK(x == want[k], "drained tag 20 #%d: %ld, expected %ld", k, x, want[k]);
        count_is(&st, MPI_LONG, 1, "persistent after drain");
    }
    MPI_Request_free(&pr);
    MPI_Waitall(3, s, MPI_STATUSES_IGNORE);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 30;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    right = (rank + 1) % n, left = (rank - 1 + n) % n;
    int bsize = 16 * (int)(sizeof(long) + MPI_BSEND_OVERHEAD);
    void *bbuf = malloc(bsize);
    MPI_Buffer_attach(bbuf, bsize);
    long out, in;
    MPI_Request pr[2];
    MPI_Send_init(&out, 1, MPI_LONG, right, 1, MPI_COMM_WORLD, &pr[0]);
    MPI_Recv_init(&in, 1, MPI_LONG, left, 1, MPI_COMM_WORLD, &pr[1]);
    for (int r = 0; r < rounds; r++) {
        if (r % 10 == 3 && (rank == 0 || rank == n - 1)) mpisnap_request();
        persistent_round(r, pr, &out, &in);
        large_vector(r);
        misc_round(r);
        if (r % 10 == 5) drained_round(r);
    }
    MPI_Request_free(&pr[0]);
    MPI_Request_free(&pr[1]);
    MPI_Buffer_detach(&bbuf, &bsize);
    free(bbuf);
    long snaps = mpisnap_wait_all();
    if (rank == 0) printf("p2p_modes: %d ranks, %d rounds, %ld snapshots\np2p_modes: OK\n", n, rounds, snaps);
    MPI_Finalize();
    return 0;
}
