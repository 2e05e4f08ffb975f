/*
 * bank_xfer.c - how a bank rank moves money: the sends of each message class, the
 * receives (probes, matched probes, pre-posted wildcard receives), and the safe points
 * of restartable mode. See bank.c for the design and the invariant on `balance`.
 */
#include <string.h>

#include <mpi.h>

#include "mpisnap.h"

#include "bank.h"

/* ---- sending ---- */

void pool_init(struct sendpool *p, int cap)
{
    p->slots = xcalloc((size_t)cap, sizeof *p->slots);
    p->req = xcalloc((size_t)cap, sizeof *p->req);
    p->idx = xcalloc((size_t)cap, sizeof *p->idx);
}

/* The buffer for the next non-blocking send; post the send into pool_req(). */
static union payload *pool_next(struct sendpool *p) { return &p->slots[p->used++]; }

static MPI_Request *pool_req(struct sendpool *p) { return &p->req[p->active++]; }

/* Complete pending sends: those that are done (wait = 0) or all of them (wait = 1). */
void pool_reap(struct sendpool *p, int wait)
{
    int out, kept = 0;
    if (p->active == 0) return;
    if (wait)
        MPI_Waitall(p->active, p->req, MPI_STATUSES_IGNORE);
    else
        MPI_Testsome(p->active, p->req, &out, p->idx, MPI_STATUSES_IGNORE);
    for (int k = 0; k < p->active; k++)
        if (p->req[k] != MPI_REQUEST_NULL) p->req[kept++] = p->req[k];
    p->active = kept;
}

static MPI_Comm comm_of(const struct bank *b, int kind)
{
    return kind == K_B ? b->comm_b : kind == K_C ? b->comm_c : MPI_COMM_WORLD;
}

/* Classes A, B, C, D: the payload is {amount, plan index}. */
static void send_pair(struct bank *b, long i, const struct xfer *x)
{
    int64_t m[2] = {x->amount, i};
    int tag = xfer_tag(x);
    b->balance -= x->amount; /* before the send is posted */
    if (x->kind == K_D) {
        MPI_Rsend(m, 2, MPI_INT64_T, x->dest, tag, MPI_COMM_WORLD);
    } else if (is_a(x) && x->mode == A_SEND) {
        MPI_Send(m, 2, MPI_INT64_T, x->dest, tag, MPI_COMM_WORLD);
    } else if (is_a(x) && x->mode == A_BSEND) {
        MPI_Bsend(m, 2, MPI_INT64_T, x->dest, tag, MPI_COMM_WORLD);
    } else {
        union payload *slot = pool_next(&b->sends);
        memcpy(slot->pair, m, sizeof m);
        MPI_Request *req = pool_req(&b->sends);
        if (x->kind == K_B && !b->opt.safepoint_every)
            MPI_Issend(slot->pair, 2, MPI_INT64_T, x->dest, tag, b->comm_b, req);
        else
            MPI_Isend(slot->pair, 2, MPI_INT64_T, x->dest, tag, comm_of(b, x->kind), req);
    }
}

static void send_f(struct bank *b, long i, const struct xfer *x)
{
    struct fmsg *m = &pool_next(&b->sends)->f;
    memset(m, FILL_SEND, sizeof *m);
    m->amount = x->amount;
    m->from = b->rank;
    m->seq = (int32_t)i;
    m->stamp = stamp_of(b->rank, i);
    MPI_Request *req = pool_req(&b->sends);
    b->balance -= x->amount;
    MPI_Isend(m, 1, b->ftype, x->dest, kinds[K_F].tag, MPI_COMM_WORLD, req);
}

/* Class G: pay the right neighbour and be paid by the left one in one call. */
static void send_g(struct bank *b, long i, const struct xfer *x)
{
    int left = (b->rank - 1 + b->nranks) % b->nranks, tag = kinds[K_G].tag;
    int64_t out[2] = {x->amount, i}, in[2];
    MPI_Status st;
    b->balance -= x->amount;
    MPI_Sendrecv(out, 2, MPI_INT64_T, x->dest, tag, in, 2, MPI_INT64_T, left, tag, MPI_COMM_WORLD, &st);
    b->balance += in[0];
    check_count(&st, MPI_INT64_T, 2, K_G);
    check_money(b, K_G, &st, in[0], in[1]);
}

void send_transfer(struct bank *b, long i)
{
    const struct xfer *x = xfer_at(b, b->rank, i);
    switch (x->kind) {
    case K_NONE: break;
    case K_E: MPI_Send(&b->zero, 0, MPI_INT64_T, x->dest, kinds[K_E].tag, MPI_COMM_WORLD); break;
    case K_F: send_f(b, i, x); break;
    case K_G: send_g(b, i, x); break;
    default: send_pair(b, i, x);
    }
}

/* ---- receiving ---- */

/* Receive one message of a WORLD class (A, E, F) from src (MPI_ANY_SOURCE allowed). */
void recv_world(struct bank *b, int kind, int src)
{
    MPI_Status st;
    int tag = kinds[kind].tag;
    if (kind == K_E) {
        MPI_Recv(&b->zero, 0, MPI_INT64_T, src, tag, MPI_COMM_WORLD, &st);
        check_zero(b, &st);
    } else if (kind == K_F) {
        struct fmsg m;
        memset(&m, FILL_RECV, sizeof m);
        MPI_Recv(&m, 1, b->ftype, src, tag, MPI_COMM_WORLD, &st);
        b->balance += m.amount;
        check_fmsg(b, &m, &st);
    } else {
        int64_t m[2];
        MPI_Recv(m, 2, MPI_INT64_T, src, tag, MPI_COMM_WORLD, &st);
        b->balance += m[0];
        check_count(&st, MPI_INT64_T, 2, kind);
        check_money(b, kind, &st, m[0], m[1]);
    }
}

/* Receive what has arrived of a WORLD class: Iprobe(ANY_SOURCE), then Recv from the
 * probed source and tag. */
static void probe_world(struct bank *b, int kind)
{
    while (b->expect[kind] > 0) {
        int flag;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, kinds[kind].tag, MPI_COMM_WORLD, &flag, &st);
        if (!flag) return;
        recv_world(b, kind, st.MPI_SOURCE);
    }
}

/* Class B: matched probe on any tag, then Mrecv. Blocking (Mprobe) in the tail phase. */
void probe_b(struct bank *b, int blocking)
{
    while (b->expect[K_B] > 0) {
        int flag = 1;
        int64_t m[2];
        MPI_Message msg;
        MPI_Status pst, st;
        if (blocking)
            MPI_Mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, b->comm_b, &msg, &pst);
        else
            MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, b->comm_b, &flag, &msg, &pst);
        if (!flag) return;
        MPI_Mrecv(m, 2, MPI_INT64_T, &msg, &st);
        b->balance += m[0];
        if (st.MPI_SOURCE != pst.MPI_SOURCE || st.MPI_TAG != pst.MPI_TAG)
            fail("class B: Mprobe saw (%d, %d) but Mrecv got (%d, %d)", pst.MPI_SOURCE, pst.MPI_TAG, st.MPI_SOURCE,
                 st.MPI_TAG);
        check_count(&st, MPI_INT64_T, 2, K_B);
        check_money(b, K_B, &st, m[0], m[1]);
    }
}

static void prepost_post(struct prepost *p, int k)
{
    p->buf[k][0] = 0; /* stays 0 if the receive is cancelled */
    MPI_Irecv(p->buf[k], 2, MPI_INT64_T, MPI_ANY_SOURCE, kinds[p->kind].tag, p->comm, &p->req[k]);
}

/* Post min(slots, expected) wildcard receives of a class; the rest are posted as these
 * complete. */
void prepost_init(struct prepost *p, int kind, MPI_Comm comm, long expected, int slots)
{
    p->kind = kind;
    p->comm = comm;
    p->n = expected < slots ? (int)expected : slots;
    p->unposted = expected - p->n;
    p->req = xcalloc((size_t)p->n, sizeof *p->req);
    p->buf = xcalloc((size_t)p->n, sizeof *p->buf);
    p->idx = xcalloc((size_t)p->n, sizeof *p->idx);
    p->st = xcalloc((size_t)p->n, sizeof *p->st);
    for (int k = 0; k < p->n; k++) prepost_post(p, k);
}

/*
 * Receives idx[0..count) have completed, st[j] being the status of idx[j]. Credit every
 * amount first (nothing may come between the completing call and the credit), then
 * check each message and re-post its slot while more are expected.
 */
static void prepost_done(struct bank *b, struct prepost *p, int count, const int *idx, const MPI_Status *st)
{
    for (int j = 0; j < count; j++) b->balance += p->buf[idx[j]][0];
    for (int j = 0; j < count; j++) {
        check_count(&st[j], MPI_INT64_T, 2, p->kind);
        check_money(b, p->kind, &st[j], p->buf[idx[j]][0], p->buf[idx[j]][1]);
        if (p->unposted > 0) {
            p->unposted--;
            prepost_post(p, idx[j]);
        }
    }
}

static void prepost_test(struct bank *b, struct prepost *p)
{
    int out;
    if (b->expect[p->kind] == 0) return;
    MPI_Testsome(p->n, p->req, &out, p->idx, p->st);
    if (out != MPI_UNDEFINED && out > 0) prepost_done(b, p, out, p->idx, p->st);
}

/* Tail phase of class C: one MPI_Waitany at a time. */
void prepost_waitany(struct bank *b, struct prepost *p)
{
    while (b->expect[p->kind] > 0) {
        int k;
        MPI_Status st;
        MPI_Waitany(p->n, p->req, &k, &st);
        if (k == MPI_UNDEFINED)
            fail("class %s: no receive left for %ld expected messages", kinds[p->kind].name, b->expect[p->kind]);
        prepost_done(b, p, 1, &k, &st);
    }
}

/* Tail phase of class D: every receive is posted; one MPI_Waitall for the rest. */
void prepost_waitall(struct bank *b, struct prepost *p)
{
    int count = 0;
    if (b->expect[p->kind] == 0) return;
    for (int k = 0; k < p->n; k++)
        if (p->req[k] != MPI_REQUEST_NULL) p->idx[count++] = k;
    MPI_Waitall(p->n, p->req, p->st);
    /* Pack the statuses of the completed ones in idx order; idx[j] >= j, so nothing
     * still to be read is overwritten. */
    for (int j = 0; j < count; j++) p->st[j] = p->st[p->idx[j]];
    prepost_done(b, p, count, p->idx, p->st);
}

/* One non-blocking pass over every class: receive whatever has arrived. */
void receive_pass(struct bank *b)
{
    probe_world(b, K_A10); /* first: tag 10 overtakes earlier tag-1 messages */
    probe_world(b, K_A1);
    probe_b(b, 0);
    prepost_test(b, &b->c);
    prepost_test(b, &b->d);
    probe_world(b, K_E);
    probe_world(b, K_F);
    pool_reap(&b->sends, 0);
}

/* ---- restartable mode ---- */

/* The mutable state, protected so that a restart resumes it at a safe point. */
void protect_state(struct bank *b)
{
    struct {
        const char *name;
        void *p;
        int count;
        MPI_Datatype type;
    } regions[] = {
        {"expect", b->expect, K_COUNT, MPI_LONG},
        {"cursor", b->cursor, K_COUNT * b->nranks, MPI_LONG},
        {"seen", b->seen, (int)(((size_t)b->nranks * (size_t)b->opt.transfers + 7) / 8), MPI_UNSIGNED_CHAR},
        {"next", &b->next, 1, MPI_LONG},
        {"sends.used", &b->sends.used, 1, MPI_INT},
        {"c.unposted", &b->c.unposted, 1, MPI_LONG},
    };
    for (size_t k = 0; k < sizeof regions / sizeof *regions; k++) {
        int rc = mpisnap_protect(regions[k].name, regions[k].p, regions[k].count, regions[k].type);
        if (rc != MPISNAP_OK) fail("mpisnap_protect(%s): %s", regions[k].name, mpisnap_strerror(rc));
    }
}

void unprotect_state(void)
{
    static const char *names[] = {"expect", "cursor", "seen", "next", "sends.used", "c.unposted"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) mpisnap_unprotect(names[k]);
}

/* Take back the pre-posted receives of a class: cancel each; one that completed instead
 * is credited and checked like any other. Its slot is posted again by prepost_repost. */
static void prepost_cancel(struct bank *b, struct prepost *p)
{
    for (int k = 0; k < p->n; k++) {
        if (p->req[k] == MPI_REQUEST_NULL) continue;
        MPI_Status st;
        int cancelled;
        MPI_Cancel(&p->req[k]);
        MPI_Wait(&p->req[k], &st);
        b->balance += p->buf[k][0]; /* 0 if cancelled; credited before any other MPI call */
        MPI_Test_cancelled(&st, &cancelled);
        if (cancelled) {
            p->unposted++;
            continue;
        }
        check_count(&st, MPI_INT64_T, 2, p->kind);
        check_money(b, p->kind, &st, p->buf[k][0], p->buf[k][1]);
    }
}

static void prepost_repost(struct prepost *p)
{
    for (int k = 0; k < p->n && p->unposted > 0; k++)
        if (p->req[k] == MPI_REQUEST_NULL) {
            p->unposted--;
            prepost_post(p, k);
        }
}

/* A safe point: nothing of this rank pending (sends complete, receiving meanwhile so
 * nobody waits on this rank; class C receives cancelled), then mpisnap_safepoint(),
 * which records a pending snapshot here or, in a restarted run, restores the state. */
void safe_point(struct bank *b)
{
    while (b->sends.active > 0) receive_pass(b);
    prepost_cancel(b, &b->c);
    int rc = mpisnap_safepoint();
    if (rc != MPISNAP_OK) fail("mpisnap_safepoint: %s", mpisnap_strerror(rc));
    prepost_repost(&b->c);
}
