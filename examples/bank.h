/*
 * bank.h - what the files of the bank stress test share: the message classes, the plan,
 * the state of a rank, and the functions one file calls in another. The design of the
 * program is at the top of bank.c.
 */
#ifndef BANK_H
#define BANK_H

#include <stddef.h>
#include <stdint.h>

#include <mpi.h>

enum {
    MAX_TRANSFERS = 10000000, /* plans of all ranks are kept: nranks * transfers * 8 bytes */
    SENDRECV_EVERY = 97,      /* class G: transfer i with (i + 1) % 97 == 0, on every rank */
    C_SLOTS = 4,              /* pre-posted receives of class C */
    D_BUDGET = 256,           /* class D: at most this many Rsends (pre-posted Irecvs) per rank */
    SNAP_DELAY_MS =
        300,          /* --snapshot-in-barrier / --snapshot-in-recv: long enough, under load, for the others to block */
    FILL_SEND = 0xA5, /* class F: gap bytes of a sent struct */
    FILL_RECV = 0x5A, /* class F: gap bytes of a receive buffer, must survive */
};

/* Message classes: each has its own (communicator, tag), so receive styles never take
 * each other's messages. */
enum kind {
    K_NONE, /* nothing (a 1-rank job has no one to pay) */
    K_A1,   /* WORLD tag 1: Send, Bsend or Isend; Iprobe + Recv after tag 10 */
    K_A10,  /* WORLD tag 10: same, probed first, so it overtakes earlier tag-1 messages */
    K_B,    /* comm_b tags 3/4: Issend; Improbe(ANY_SOURCE, ANY_TAG) + Mrecv */
    K_C,    /* comm_c tag 5: Isend; pre-posted Irecv(ANY_SOURCE) + Testsome/Waitany */
    K_D,    /* WORLD tag 6: Rsend into Irecvs pre-posted before the first barrier */
    K_E,    /* WORLD tag 7: zero bytes, no money; Iprobe + Recv */
    K_F,    /* WORLD tag 8: non-contiguous struct datatype; Iprobe + Recv */
    K_G,    /* WORLD tag 9: Sendrecv right/left, same transfer indices on every rank */
    K_COUNT
};

enum a_mode { A_SEND, A_BSEND, A_ISEND };

struct kind_info {
    const char *name;
    int tag;     /* class B uses tag and tag + 1 */
    int ordered; /* one receive matches all of a sender's messages: MPI keeps send order */
};

/* Name, tag and ordering of each class, indexed by enum kind (defined in bank_plan.c). */
extern const struct kind_info kinds[K_COUNT];

/* One planned transfer. The plan index is the transfer's sequence number. */
struct xfer {
    int32_t dest;
    int16_t amount; /* 1..1000; 0 for class E */
    uint8_t kind;   /* enum kind */
    uint8_t mode;   /* class A: enum a_mode; class B: added to the tag */
};

/* Class F payload: members at offsets 0, 16, 24, 40 of 48 bytes, so the datatype has
 * holes. The money is the first member, hence at byte 0 of the packed payload. */
struct fmsg {
    int64_t amount;
    unsigned char gap0[8];
    int32_t from;
    unsigned char gap1[4];
    int32_t seq;
    unsigned char gap2[12];
    double stamp;
};
_Static_assert(offsetof(struct fmsg, from) == 16 && offsetof(struct fmsg, seq) == 24 &&
                   offsetof(struct fmsg, stamp) == 40 && sizeof(struct fmsg) == 48,
               "class F layout");

/* Buffer of a non-blocking send: {amount, plan index} or a class F struct. */
union payload {
    int64_t pair[2];
    struct fmsg f;
};

/* Non-blocking sends. The k-th one of the plan sends from slots[k], never reused, so no
 * buffer is touched while its send is pending; the request array stays compact so that
 * testing costs O(pending). */
struct sendpool {
    union payload *slots;
    MPI_Request *req; /* pending sends in [0, active) */
    int *idx;         /* scratch for MPI_Testsome */
    int used, active;
};

/* Pre-posted wildcard receives of one class (C or D), each with its own buffer. */
struct prepost {
    int kind;
    MPI_Comm comm;
    int n;         /* requests in the array */
    long unposted; /* expected messages whose receive is not posted yet */
    MPI_Request *req;
    int64_t (*buf)[2];
    int *idx;
    MPI_Status *st;
};

struct opts {
    long long transfers, seed, initial, request_every, safepoint_every, crash_at;
    int in_barrier, in_recv, quiet;
};

struct bank {
    int rank, nranks;
    struct opts opt;
    int requester;           /* this rank calls mpisnap_request() every --request-every */
    int64_t balance;         /* protected region "balance" */
    MPI_Comm comm_b, comm_c; /* duplicates of WORLD for classes B and C */
    MPI_Datatype ftype;      /* class F */
    struct xfer *plan;       /* rank r's transfer i is plan[r * transfers + i] */
    long expect[K_COUNT];    /* messages of each class still to receive */
    long *cursor;            /* ordered classes: [kind * nranks + src] plan index to scan from */
    unsigned char *seen;     /* unordered classes: one bit per plan entry of every rank */
    int token_due;           /* --snapshot-in-recv: rank 0's extra zero-byte message to come */
    int64_t *predicted;      /* final balance of every rank according to the plans */
    int n_bsend, n_slot;     /* this rank's Bsends and sends from a pool slot */
    long per_kind[K_COUNT];  /* messages of each class in the whole job */
    struct sendpool sends;
    struct prepost c, d;
    int64_t zero; /* buffer of zero-byte messages */
    long next;    /* the next transfer of the main phase (protected in restartable mode) */
};

/* ---- bank.c: helpers ---- */

/* Report a broken expectation and abort the whole job (exit status 1). */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xcalloc(size_t n, size_t size);

/* ---- bank_plan.c: options, the plan, checking received messages ---- */

void usage(void);
int parse_args(int argc, char **argv, struct bank *b, char *err, size_t errlen);
void plan_all(struct bank *b);
void check_count(const MPI_Status *st, MPI_Datatype type, int want, int kind);
void check_money(struct bank *b, int kind, const MPI_Status *st, int64_t amount, int64_t seq);
void check_zero(struct bank *b, const MPI_Status *st);
void check_fmsg(struct bank *b, const struct fmsg *m, const MPI_Status *st);

/* Small accessors of the plan, used by both the checks and the sends. */
static inline const struct xfer *xfer_at(const struct bank *b, int r, long i)
{
    return &b->plan[(size_t)r * (size_t)b->opt.transfers + (size_t)i];
}

static inline int xfer_tag(const struct xfer *x) { return kinds[x->kind].tag + (x->kind == K_B ? x->mode : 0); }

static inline int is_a(const struct xfer *x) { return x->kind == K_A1 || x->kind == K_A10; }

static inline double stamp_of(int from, long seq) { return from + (double)seq / 1024.0; /* exact in a double */ }

/* ---- bank_xfer.c: sending, receiving, restartable mode ---- */

void pool_init(struct sendpool *p, int cap);
void pool_reap(struct sendpool *p, int wait);
void send_transfer(struct bank *b, long i);
void recv_world(struct bank *b, int kind, int src);
void probe_b(struct bank *b, int blocking);
void prepost_init(struct prepost *p, int kind, MPI_Comm comm, long expected, int slots);
void prepost_waitany(struct bank *b, struct prepost *p);
void prepost_waitall(struct bank *b, struct prepost *p);
void receive_pass(struct bank *b);
void protect_state(struct bank *b);
void unprotect_state(void);
void safe_point(struct bank *b);

#endif
