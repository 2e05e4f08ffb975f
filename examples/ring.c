/*
 * ring.c - a token ring, the smallest mpisnap example.
 *
 * Rank 0 starts an int64 token at 0; every rank in turn receives it from its left
 * neighbour, increments it and passes it to its right neighbour. After --rounds rounds
 * the token has made rounds * nranks hops, which rank 0 prints and checks. Each rank's
 * count of hops is registered with mpisnap_protect("hops"), so a snapshot shows where
 * the token is: on the wire between two ranks, or held by one.
 *
 * The invariant the snapshot library relies on: `hops` counts the hop before the token
 * is sent on, and the token's value is only used after the receive returns. With one
 * rank the token goes to itself (MPI_Isend, then MPI_Recv, then MPI_Wait).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "mpisnap.h"

enum { TAG_TOKEN = 1, MAX_ROUNDS = 1000000000 };

static void usage(void)
{
    printf("usage: ring [options]\n"
           "Pass an int64 token around all ranks; each rank increments it once per round.\n"
           "  --rounds N   rounds of the ring (default 1000, max %d)\n"
           "  --help       print this help and exit\n"
           "The last line is `ring: token T after N rounds`, T = N * nranks; if T or the\n"
           "hop counts are wrong, a MISMATCH line follows and the exit status is 1.\n",
           MAX_ROUNDS);
}

/* Parse argv into *rounds. Returns 0 to run, 1 for --help, -1 on error (err filled). */
static int parse_args(int argc, char **argv, long *rounds, char *err, size_t errlen)
{
    *rounds = 1000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) return 1;
        if (strcmp(argv[i], "--rounds")) {
            snprintf(err, errlen, "ring: unknown option '%s' (see --help)", argv[i]);
            return -1;
        }
        if (++i == argc) {
            snprintf(err, errlen, "ring: --rounds needs a value (see --help)");
            return -1;
        }
        char *end;
        errno = 0;
        long v = strtol(argv[i], &end, 10);
        if (argv[i][0] < '0' || argv[i][0] > '9' || errno || *end || v > MAX_ROUNDS) {
            snprintf(err, errlen, "ring: bad value '%s' for --rounds: expected an integer in 0..%d", argv[i],
                     MAX_ROUNDS);
            return -1;
        }
        *rounds = v;
    }
    return 0;
}

/* Block until the token arrives from `left`. */
static void recv_token(int64_t *token, int left)
{
    MPI_Recv(token, 1, MPI_INT64_T, left, TAG_TOKEN, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* One rank alone: the token goes to itself. A blocking send to oneself could wait for
 * its own receive, so the send is non-blocking and completed after the receive. */
static void pass_to_self(int64_t *token)
{
    int64_t out = *token;
    MPI_Request req;
    MPI_Isend(&out, 1, MPI_INT64_T, 0, TAG_TOKEN, MPI_COMM_WORLD, &req);
    recv_token(token, 0);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
}

/*
 * Run the ring for `rounds` rounds. Rank 0 makes the first hop of each round and gets
 * the token back at the end of it; the others receive, hop and send. Returns the token
 * as this rank last held it.
 */
static int64_t run_ring(long rounds, int rank, int nranks, int64_t *hops)
{
    int left = (rank - 1 + nranks) % nranks, right = (rank + 1) % nranks;
    int64_t token = 0;
    for (long r = 0; r < rounds; r++) {
        if (rank != 0) recv_token(&token, left);
        token++;
        (*hops)++; /* counted before the token leaves this rank */
        if (nranks == 1) {
            pass_to_self(&token);
            continue;
        }
        MPI_Send(&token, 1, MPI_INT64_T, right, TAG_TOKEN, MPI_COMM_WORLD);
        if (rank == 0) recv_token(&token, left);
    }
    return token;
}

int main(int argc, char **argv)
{
    static int64_t hops; /* protected: must outlive every MPI call */
    int rank, nranks, status = 0;
    long rounds;
    char err[160];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    int rc = parse_args(argc, argv, &rounds, err, sizeof err);
    if (rc != 0) {
        if (rank == 0 && rc > 0) usage();
        if (rank == 0 && rc < 0) fprintf(stderr, "%s\n", err);
        MPI_Finalize();
        return rc > 0 ? 0 : 2;
    }
    rc = mpisnap_protect("hops", &hops, 1, MPI_INT64_T);
    if (rc != MPISNAP_OK) {
        fprintf(stderr, "ring[%d]: mpisnap_protect: %s\n", rank, mpisnap_strerror(rc));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    int64_t token = run_ring(rounds, rank, nranks, &hops), all_hops = 0;
    MPI_Reduce(&hops, &all_hops, 1, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        int64_t expected = (int64_t)rounds * nranks;
        printf("ring: token %lld after %ld rounds\n", (long long)token, rounds);
        if (token != expected || all_hops != expected) {
            printf("ring: MISMATCH: expected token %lld; the ranks counted %lld hops\n", (long long)expected,
                   (long long)all_hops);
            status = 1;
        }
    }
    mpisnap_unprotect("hops");
    MPI_Finalize();
    return status;
}
