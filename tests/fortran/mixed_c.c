/*
 * mixed_c.c - the C half of mixed_main.f90: a Fortran main program (use mpi) hands its
 * INTEGER communicator and request handles to these routines, which convert them with
 * MPI_Comm_f2c / MPI_Request_f2c and communicate on the same communicator, with the same
 * tags, interleaved with the Fortran side; C creates a communicator (MPI_Comm_dup) and a
 * request of its own and hands them back with MPI_Comm_c2f / MPI_Request_c2f.
 * Every value, source, tag and count is checked; a mismatch prints "MISMATCH ..." and
 * aborts. The values are mixed_val(), the same function as val() in mixed_main.f90.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { BIGC = 5000, MAXL = 8 };

static MPI_Comm ccomm = MPI_COMM_NULL; /* C's own communicator, a dup of Fortran's */
static int wrank = -1;
static int64_t csum;              /* what C received, for the checksum */
static int bbuf[MAXL], big[BIGC]; /* send buffers of C's nonblocking sends */

/* The k-th value rank src sends with tag in round r (k is offset by 100 and 200 for the
 * second and third tag-5 messages). */
int mixed_val(int r, int src, int tag, int k)
{
    return (int)(((int64_t)r * 1000003 + (int64_t)src * 10007 + (int64_t)tag * 101 + (int64_t)k * 7 + 12345) %
                 2147483647);
}

#define FAIL(r, ...)                                                                \
    do {                                                                            \
        fprintf(stderr, "MISMATCH [world rank %d] mixed_c round %d: ", wrank, (r)); \
        fprintf(stderr, __VA_ARGS__);                                               \
        fprintf(stderr, "\n");                                                      \
        fflush(stderr);                                                             \
        MPI_Abort(MPI_COMM_WORLD, 1);                                               \
    } while (0)

static void ring(MPI_Comm c, int *me, int *right, int *left)
{
    int np;
    MPI_Comm_rank(c, me);
    MPI_Comm_size(c, &np);
    *right = (*me + 1) % np;
    *left = (*me - 1 + np) % np;
}

static void check(int r, const int *buf, const MPI_Status *st, int src, int tag, int k0, int n, const char *what)
{
    int cnt = -1;
    MPI_Get_count(st, MPI_INT, &cnt);
    if (st->MPI_SOURCE != src) FAIL(r, "%s: MPI_SOURCE %d, expected %d", what, st->MPI_SOURCE, src);
    if (st->MPI_TAG != tag) FAIL(r, "%s: MPI_TAG %d, expected %d", what, st->MPI_TAG, tag);
    if (cnt != n) FAIL(r, "%s: MPI_Get_count %d, expected %d", what, cnt, n);
    for (int k = 0; k < n; k++) {
        int want = mixed_val(r, src, tag, k0 + k + 1);
        if (buf[k] != want) FAIL(r, "%s: value %d is %d, expected %d", what, k + 1, buf[k], want);
        csum += buf[k];
    }
}

/* Fortran: call c_setup(fcomm, fortran's rank in it, ccomm) */
void mixed_c_setup(const MPI_Fint *fcomm, const MPI_Fint *frank, MPI_Fint *ccomm_f)
{
    MPI_Comm c = MPI_Comm_f2c(*fcomm);
    int me, right, left;
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    ring(c, &me, &right, &left);
    if (me != *frank)
        FAIL(-1, "MPI_Comm_rank of MPI_Comm_f2c(%d) is %d, Fortran says %d", (int)*fcomm, me, (int)*frank);
    MPI_Comm_dup(c, &ccomm);
    *ccomm_f = MPI_Comm_c2f(ccomm);
}

/* Start of a round: C sends 20 KB to the left (tag 7), received in Fortran at the end of
 * the round; Fortran waits for this request (*req7). */
void mixed_c_round_start(const MPI_Fint *fcomm, const int *r, MPI_Fint *req7)
{
    MPI_Comm c = MPI_Comm_f2c(*fcomm);
    int me, right, left;
    ring(c, &me, &right, &left);
    for (int k = 0; k < BIGC; k++) big[k] = mixed_val(*r, me, 7, k + 1);
    MPI_Request q;
    MPI_Isend(big, BIGC, MPI_INT, left, 7, c, &q);
    *req7 = MPI_Request_c2f(q);
}

/* The second of three tag-5 messages to the right: Fortran sent the first and sends the
 * third; the receiver takes the first and third in C, the second in Fortran. */
void mixed_c_send_mid(const MPI_Fint *fcomm, const int *r, MPI_Fint *req5)
{
    MPI_Comm c = MPI_Comm_f2c(*fcomm);
    int me, right, left;
    ring(c, &me, &right, &left);
    for (int k = 0; k < 4; k++) bbuf[k] = mixed_val(*r, me, 5, 100 + k + 1);
    MPI_Request q;
    MPI_Isend(bbuf, 4, MPI_INT, right, 5, c, &q);
    *req5 = MPI_Request_c2f(q);
}

/* Receive Fortran's tag-5 message number seq (0: 3 values, 2: 5 values) from the left. */
void mixed_c_recv_tag5(const MPI_Fint *fcomm, const int *r, const int *seq)
{
    MPI_Comm c = MPI_Comm_f2c(*fcomm);
    int me, right, left, buf[MAXL] = {0};
    ring(c, &me, &right, &left);
    MPI_Status st;
    if (*seq == 0) {
        MPI_Recv(buf, MAXL, MPI_INT, left, 5, c, &st);
        check(*r, buf, &st, left, 5, 0, 3, "C receives Fortran's first tag-5 message (Recv)");
    } else {
        MPI_Request q;
        MPI_Irecv(buf, MAXL, MPI_INT, MPI_ANY_SOURCE, 5, c, &q);
        MPI_Wait(&q, &st);
        check(*r, buf, &st, left, 5, 200, 5, "C receives Fortran's third tag-5 message (Irecv ANY_SOURCE)");
    }
}

/* Collectives on Fortran's communicator from C, and a message Fortran sent on C's. */
void mixed_c_middle(const MPI_Fint *fcomm, const int *r)
{
    MPI_Comm c = MPI_Comm_f2c(*fcomm);
    int me, right, left, np;
    ring(c, &me, &right, &left);
    MPI_Comm_size(c, &np);
    int x = *r + me, sum = -1;
    MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, c);
    if (sum != np * *r + np * (np - 1) / 2) FAIL(*r, "C Allreduce on Fortran's communicator: %d", sum);
    csum += sum;
    int cme, cright, cleft, buf[MAXL] = {0};
    ring(ccomm, &cme, &cright, &cleft);
    MPI_Status st;
    MPI_Recv(buf, MAXL, MPI_INT, cleft, 8, ccomm, &st);
    check(*r, buf, &st, cleft, 8, 0, 6, "C receives on its communicator what Fortran sent on it");
}

/* End of the round: receive Fortran's tag-6 message, wait for Fortran's request of it
 * (*req6, set to MPI_REQUEST_NULL's Fortran handle). */
void mixed_c_round_end(const MPI_Fint *fcomm, const int *r, MPI_Fint *req6)
{
    MPI_Comm c = MPI_Comm_f2c(*fcomm);
    int me, right, left, buf[MAXL] = {0};
    ring(c, &me, &right, &left);
    MPI_Status st;
    MPI_Recv(buf, MAXL, MPI_INT, left, 6, c, &st);
    check(*r, buf, &st, left, 6, 0, 2, "C receives Fortran's tag-6 message sent at the start of the round");
    MPI_Request q = MPI_Request_f2c(*req6);
    MPI_Wait(&q, MPI_STATUS_IGNORE);
    if (q != MPI_REQUEST_NULL) FAIL(*r, "MPI_Wait on a Fortran request left it non-null");
    *req6 = MPI_Request_c2f(q);
}

int64_t mixed_c_checksum(void) { return csum; }
