/*
 * payloads.c - deliberately hangs with typed messages in transit, for the payload
 * values (`mpisnap-inspect messages`), the HTML report and the Python recipe. Plain MPI
 * (run under mpisnap-run's hang watchdog); 3 ranks or more.
 *
 * Rank 1 sends rank 0 six messages: five that rank 0 has posted receives for but never
 * waits on (so they stay in transit, with the receive's datatype: doubles, ints,
 * chars, a struct, a strided vector) and one it never asks for (its datatype is not
 * known: shown as bytes). Then ranks 0 and 1 each receive from the other before
 * sending (a deadlock) while the others wait in a barrier. The values are those
 * check_payloads.py expects; keep both in step.
 */
#include <mpi.h>
#include <stddef.h>

struct rec {
    int a[3];
    double d;
    char c[4];
};

static MPI_Datatype rec_type(void)
{
    MPI_Datatype t, r;
    int len[3] = {3, 1, 4};
    MPI_Aint disp[3] = {offsetof(struct rec, a), offsetof(struct rec, d), offsetof(struct rec, c)};
    MPI_Datatype types[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};
    MPI_Type_create_struct(3, len, disp, types, &t);
    MPI_Type_create_resized(t, 0, sizeof(struct rec), &r);
    MPI_Type_free(&t);
    MPI_Type_commit(&r);
    return r;
}

int main(int argc, char **argv)
{
    int rank, size, x = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Datatype rt = rec_type(), stride2;
    MPI_Type_vector(3, 1, 2, MPI_DOUBLE, &stride2);
    MPI_Type_commit(&stride2);
    double d[5] = {1.5, -2.25, 3.0e10, 0.125, 6.0}, v[5] = {10, 11, 12, 13, 14};
    int n[40];
    for (int i = 0; i < 40; i++) n[i] = 7 * i - 3;
    char s[] = "</td><script>alert('payload')</script> & \"co\"";
    struct rec recs[2] = {{{1, 2, 3}, 0.5, {'a', 'b', 'c', 'd'}}, {{4, 5, 6}, 1.5, {'e', 'f', 'g', 'h'}}};
    long long q[8];
    for (int i = 0; i < 8; i++) q[i] = (i + 1) * 1000000007LL;
    if (rank == 0) {
        static double rd[5], rv[5];
        static int rn[40];
        static char rs[sizeof s];
        static struct rec rr[2];
        MPI_Request r[5];
        MPI_Irecv(rd, 5, MPI_DOUBLE, 1, 1, MPI_COMM_WORLD, &r[0]);
        MPI_Irecv(rn, 40, MPI_INT, 1, 2, MPI_COMM_WORLD, &r[1]);
        MPI_Irecv(rs, (int)sizeof s, MPI_CHAR, 1, 3, MPI_COMM_WORLD, &r[2]);
        MPI_Irecv(rr, 2, rt, 1, 4, MPI_COMM_WORLD, &r[3]);
        MPI_Irecv(rv, 1, stride2, 1, 5, MPI_COMM_WORLD, &r[4]);
    } else if (rank == 1) {
        MPI_Send(d, 5, MPI_DOUBLE, 0, 1, MPI_COMM_WORLD);
        MPI_Send(n, 40, MPI_INT, 0, 2, MPI_COMM_WORLD);
        MPI_Send(s, (int)sizeof s, MPI_CHAR, 0, 3, MPI_COMM_WORLD);
        MPI_Send(recs, 2, rt, 0, 4, MPI_COMM_WORLD);
        MPI_Send(v, 1, stride2, 0, 5, MPI_COMM_WORLD);
        MPI_Send(q, 8, MPI_LONG_LONG, 0, 6, MPI_COMM_WORLD);
    }
    if (rank < 2) { /* the deadlock: each waits for the other first */
        MPI_Recv(&x, 1, MPI_INT, 1 - rank, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(&x, 1, MPI_INT, 1 - rank, 7, MPI_COMM_WORLD);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
