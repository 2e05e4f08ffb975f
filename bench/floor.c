/*
 * floor.c - what the least a snapshot library could do per message costs, step by step
 * (bench/floor.sh). Compiled four times into preloadable interposers of MPI_Send and
 * MPI_Recv, each level adding one thing every message of a snapshotting library must
 * go through, none of which mpisnap can leave out:
 *
 *   LEVEL 1  interposition alone: MPI_Send and MPI_Recv call PMPI_Send and PMPI_Recv.
 *   LEVEL 2  + the bookkeeping a snapshot reads: the communicator's entry (rank ->
 *            world rank), a per-peer message counter, the call in progress.
 *   LEVEL 3  + a receive the library can interrupt (to serve a snapshot while the
 *            application is blocked): a persistent receive started and waited on in
 *            MPI_Wait, which can be cancelled, instead of MPI_Recv, which cannot.
 *   LEVEL 4  + the sender's epoch on every message: an 8-byte header copied in front
 *            of the payload into a scratch buffer, and out of it on receipt.
 *
 * Only what bench/pingpong.c exercises is handled: contiguous payloads up to 4 KiB on
 * one communicator. It is a measuring instrument, not a library.
 */
#include <mpi.h>
#include <stdint.h>
#include <string.h>

#ifndef LEVEL
#error "compile with -DLEVEL=1..4"
#endif

#if LEVEL >= 2
static struct {
    MPI_Comm comm;
    int size, world[64];
} comm_entry;
static uint64_t sent[64], recvd[64];
static struct {
    const char *call;
    int peer, tag;
    MPI_Comm comm;
    unsigned seq;
} in_call;

static int world_of(MPI_Comm comm, int rank)
{
    if (comm_entry.comm != comm) { /* one entry: the benchmark uses one communicator */
        MPI_Group g, wg;
        PMPI_Comm_group(comm, &g);
        PMPI_Comm_group(MPI_COMM_WORLD, &wg);
        PMPI_Comm_size(comm, &comm_entry.size);
        int ranks[64];
        for (int i = 0; i < comm_entry.size && i < 64; i++) ranks[i] = i;
        PMPI_Group_translate_ranks(g, comm_entry.size < 64 ? comm_entry.size : 64, ranks, wg, comm_entry.world);
        PMPI_Group_free(&g);
        PMPI_Group_free(&wg);
        comm_entry.comm = comm;
    }
    return comm_entry.world[rank & 63];
}

static void enter(const char *call, int peer, int tag, MPI_Comm comm)
{
    in_call.call = call, in_call.peer = peer, in_call.tag = tag, in_call.comm = comm;
    in_call.seq++;
}
#endif

#if LEVEL >= 3
static struct {
    int count, src, tag;
    MPI_Comm comm;
    void *buf;
    MPI_Request req;
    int valid;
} cached;

/* A persistent receive, kept while the arguments repeat. */
static MPI_Request *recv_request(void *buf, int count, int src, int tag, MPI_Comm comm)
{
    if (!cached.valid || cached.buf != buf || cached.count != count || cached.src != src || cached.tag != tag ||
        cached.comm != comm) {
        if (cached.valid) PMPI_Request_free(&cached.req);
        PMPI_Recv_init(buf, count, MPI_BYTE, src, tag, comm, &cached.req);
        cached.valid = 1;
        cached.buf = buf, cached.count = count, cached.src = src, cached.tag = tag, cached.comm = comm;
    }
    return &cached.req;
}
#endif

#if LEVEL >= 4
typedef struct {
    uint32_t epoch, seq;
} header;
static uint32_t epoch;
static unsigned char sbuf[8 + 4096], rbuf[8 + 4096];
#endif

int MPI_Send(const void *buf, int count, MPI_Datatype dt, int dest, int tag, MPI_Comm comm)
{
#if LEVEL == 1
    return PMPI_Send(buf, count, dt, dest, tag, comm);
#else
    enter("Send", dest, tag, comm);
    int w = world_of(comm, dest);
#if LEVEL < 4
    sent[w]++;
    int rc = PMPI_Send(buf, count, dt, dest, tag, comm);
#else
    int size;
    PMPI_Type_size(dt, &size);
    header h = {epoch, (uint32_t)sent[w]++};
    memcpy(sbuf, &h, sizeof h);
    memcpy(sbuf + sizeof h, buf, (size_t)count * (size_t)size);
    int rc = PMPI_Send(sbuf, (int)sizeof h + count * size, MPI_BYTE, dest, tag, comm);
#endif
    in_call.call = NULL;
    return rc;
#endif
}

int MPI_Recv(void *buf, int count, MPI_Datatype dt, int src, int tag, MPI_Comm comm, MPI_Status *st)
{
#if LEVEL == 1
    return PMPI_Recv(buf, count, dt, src, tag, comm, st);
#else
    enter("Recv", src, tag, comm);
    MPI_Status s;
#if LEVEL == 2
    int rc = PMPI_Recv(buf, count, dt, src, tag, comm, &s);
#elif LEVEL == 3
    int size;
    PMPI_Type_size(dt, &size);
    MPI_Request *r = recv_request(buf, count * size, src, tag, comm);
    PMPI_Start(r);
    int rc = PMPI_Wait(r, &s);
#else
    int size;
    PMPI_Type_size(dt, &size);
    MPI_Request *r = recv_request(rbuf, (int)sizeof(header) + count * size, src, tag, comm);
    PMPI_Start(r);
    int rc = PMPI_Wait(r, &s);
    header h;
    memcpy(&h, rbuf, sizeof h);
    int got = 0;
    PMPI_Get_count(&s, MPI_BYTE, &got);
    if (h.epoch > epoch) epoch = h.epoch; /* (a library would record its state here) */
    memcpy(buf, rbuf + sizeof h, (size_t)got - sizeof h);
#ifdef OPEN_MPI
    s._ucount -= sizeof h; /* the application's count: payload only */
#endif
#endif
    recvd[world_of(comm, s.MPI_SOURCE)]++;
    if (st != MPI_STATUS_IGNORE) *st = s;
    in_call.call = NULL;
    return rc;
#endif
}

#if LEVEL >= 3
int MPI_Finalize(void)
{
    if (cached.valid) PMPI_Request_free(&cached.req);
    return PMPI_Finalize();
}
#endif
