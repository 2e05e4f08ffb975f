/*
 * inspect_waits.c - builds the wait-for graph of a snapshot and finds its deadlocks
 * (the model is described in inspect_waits.h).
 *
 * What a rank waits on comes from its recorded call and arguments ("peer=%d tag=%d
 * comm=%d count=%d ...", peer being a rank of that communicator), the requests that
 * call waits on (`awaited`), the communicator tables (member i of communicator c is
 * world rank world[i]), and the messages in transit into each rank. Ids 0 and 1 are
 * MPI_COMM_WORLD and MPI_COMM_SELF even when a rank recorded no table (older files);
 * any other communicator missing from a rank's table is "not recorded".
 *
 * The analysis never reports a deadlock it cannot prove from the snapshot: whatever
 * the snapshot does not describe (an unknown call, a request or communicator that was
 * not recorded) is assumed to complete, and a receive with a matching message in
 * transit completes even if another receive might take that message first.
 */
#define _POSIX_C_SOURCE 200809L

#include "inspect_waits.h"
#include "inspect.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ANY  (-1) /* MPI_ANY_SOURCE, MPI_ANY_TAG, as recorded */
#define NONE (-2) /* no peer or tag (MPI_PROC_NULL is -2 too) */

enum kind {
    K_IDLE,    /* not in MPI */
    K_FREE,    /* a call that waits on no rank */
    K_OTHER,   /* a call without a wait-for rule, or without its arguments */
    K_RECV,    /* waits for a message from peer (or any member) */
    K_SEND,    /* waits for peer to take its message */
    K_WAITALL, /* AND over its awaited requests */
    K_WAITANY, /* OR over its awaited requests */
    K_COLL,    /* a collective on comm */
    K_WORLD    /* MPI_Finalize, mpisnap_wait_all: the library's collective on every rank */
};

/* Calls with a rule of their own; other calls with no peer and no tag on a
 * communicator are collectives (Barrier, Allreduce, Comm_split...). MPI_Sendrecv is
 * taken as its receive: its send may be buffered, and its two requests are not told
 * apart in the file. MPI_Finalize and mpisnap_wait_all end in the library's own
 * collective over every rank, so a rank there waits for every rank not there yet. */
static const struct {
    const char *name;
    enum kind kind;
} rules[] = {
    {"MPI_Recv", K_RECV},
    {"MPI_Probe", K_RECV},
    {"MPI_Mprobe", K_RECV},
    {"MPI_Sendrecv", K_RECV},
    {"MPI_Sendrecv_replace", K_RECV},
    {"MPI_Send", K_SEND},
    {"MPI_Ssend", K_SEND},
    {"MPI_Rsend", K_SEND},
    {"MPI_Wait", K_WAITALL},
    {"MPI_Waitall", K_WAITALL},
    {"MPI_Waitany", K_WAITANY},
    {"MPI_Waitsome", K_WAITANY},
    {"MPI_Finalize", K_WORLD},
    {"mpisnap_wait_all", K_WORLD},
    {"MPI_Mrecv", K_FREE},
    {"MPI_Bsend", K_FREE},
};

typedef struct call_info {
    enum kind kind;
    int32_t peer, tag, comm, count;
} call_info;

typedef struct ctx {
    int32_t n;
    uint64_t eager;    /* standard sends of at most this many bytes are buffered by MPI */
    const sf_rank **k; /* [n] */
    call_info *ci;     /* [n] */
    int32_t *identity; /* [n]: identity[i] == i, MPI_COMM_WORLD's members by default */
    wf_graph *g;
    int nomem;
} ctx;

/* ---- reading the record ---- */

/* The integer after "key=" in args (at its start or after a space). */
static int parse_arg(const char *args, const char *key, int32_t *v)
{
    size_t klen = strlen(key);
    for (const char *p = args; (p = strstr(p, key)) != NULL; p += klen) {
        if ((p != args && p[-1] != ' ') || p[klen] != '=') continue;
        char *end;
        errno = 0;
        long x = strtol(p + klen + 1, &end, 10);
        if (errno || end == p + klen + 1 || (*end && *end != ' ') || x < INT32_MIN || x > INT32_MAX) return -1;
        *v = (int32_t)x;
        return 0;
    }
    return -1;
}

static call_info classify(const sf_rank *k)
{
    call_info ci = {K_OTHER, NONE, NONE, -1, 0};
    if (!k->call[0]) {
        ci.kind = K_IDLE;
        return ci;
    }
    int args = parse_arg(k->call_args, "peer", &ci.peer) == 0 && parse_arg(k->call_args, "tag", &ci.tag) == 0 &&
               parse_arg(k->call_args, "comm", &ci.comm) == 0;
    if (parse_arg(k->call_args, "count", &ci.count) < 0) ci.count = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(k->call, rules[i].name) == 0) ci.kind = rules[i].kind;
    if (ci.kind == K_OTHER && args && ci.peer == NONE && ci.tag == NONE && ci.comm >= 0) ci.kind = K_COLL;
    if (!args && (ci.kind == K_RECV || ci.kind == K_SEND)) ci.kind = K_OTHER;
    return ci;
}

/* Communicator id as rank r recorded it; without a table, world and self. */
static const int32_t *members(const ctx *c, int32_t r, int32_t id, int32_t *size)
{
    const sf_rank *k = c->k[r];
    for (uint32_t i = 0; i < k->ncomms; i++)
        if (k->comms[i].id == id) {
            *size = k->comms[i].size;
            return k->comms[i].world;
        }
    if (id == 0 || id == 1) {
        *size = id == 0 ? c->n : 1;
        return id == 0 ? c->identity : &c->identity[r];
    }
    return NULL;
}

static int32_t index_of(const int32_t *v, int32_t n, int32_t x)
{
    for (int32_t i = 0; i < n; i++)
        if (v[i] == x) return i;
    return -1;
}

static int tag_matches(int32_t want, int32_t tag) { return want == ANY || want == tag; }

/* The first message in transit into k that a receive (comm, src as a rank of comm, tag)
 * would match, or NULL. */
static const sf_msg *in_transit(const sf_rank *k, int32_t comm, int32_t src, int32_t tag)
{
    for (uint32_t i = 0; i < k->nmsgs; i++) {
        const sf_msg *m = &k->msgs[i];
        if (m->comm == comm && (src == ANY || m->src_comm == src) && tag_matches(tag, m->tag)) return m;
    }
    return NULL;
}

/* A receive that waits although messages are in transit into its rank: the first one
 * from the source it names (or any source) on its communicator, whose tag differs, or
 * else one with its source and tag on another communicator. A wrong tag or
 * communicator is a common cause of a hang; w->hint says what sits there unmatched. */
static void near_miss(wf_node *w, const sf_rank *k, int32_t comm, int32_t src, int32_t tag)
{
    char cm[16];
    for (uint32_t i = 0; !w->hint[0] && i < k->nmsgs; i++) {
        const sf_msg *m = &k->msgs[i];
        if (m->comm == comm && (src == ANY || m->src_comm == src))
            snprintf(w->hint, sizeof w->hint, "in transit from rank %d: tag %d, not matched", m->src, m->tag);
    }
    for (uint32_t i = 0; !w->hint[0] && i < k->nmsgs; i++) {
        const sf_msg *m = &k->msgs[i];
        if (m->comm != comm && (src == ANY || m->src_comm == src) && tag_matches(tag, m->tag))
            snprintf(w->hint, sizeof w->hint,
                     "in transit from rank %d: on communicator %s, "
                     "not matched",
                     m->src, comm_name(m->comm, cm, sizeof cm));
    }
}

/* The last message from world rank src (comm, tag) in transit into k, or NULL: the
 * newest such send, as messages of one channel and tag are delivered in order. */
static const sf_msg *sent_in_transit(const sf_rank *k, int32_t src, int32_t comm, int32_t tag)
{
    const sf_msg *last = NULL;
    for (uint32_t i = 0; i < k->nmsgs; i++)
        if (k->msgs[i].src == src && k->msgs[i].comm == comm && k->msgs[i].tag == tag) last = &k->msgs[i];
    return last;
}

/* The collectives rank r had entered on communicator id, or 0 when not counted. */
static uint64_t colls_of(const ctx *c, int32_t r, int32_t id)
{
    for (uint32_t i = 0; i < c->k[r]->ncomms; i++)
        if (c->k[r]->comms[i].id == id) return c->k[r]->comms[i].colls;
    return 0;
}

enum dir { DIR_RECV, DIR_SEND, DIR_SSEND, DIR_NOWAIT, DIR_UNKNOWN };

/* A request's direction from its kind; matched receives (a message already matched by
 * a probe) and buffered sends wait for no one. */
static enum dir request_dir(const char *kind)
{
    static const struct {
        const char *kind;
        enum dir dir;
    } kinds[] = {
        {"Irecv", DIR_RECV},     {"Recv_init", DIR_RECV},  {"Isend", DIR_SEND},        {"Irsend", DIR_SEND},
        {"Send_init", DIR_SEND}, {"Rsend_init", DIR_SEND}, {"Issend", DIR_SSEND},      {"Ssend_init", DIR_SSEND},
        {"Imrecv", DIR_NOWAIT},  {"Ibsend", DIR_NOWAIT},   {"Bsend_init", DIR_NOWAIT},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i].kind) == 0) return kinds[i].dir;
    return DIR_UNKNOWN;
}

/* Has world rank d a receive posted that a message (comm, from its rank src, tag)
 * matches: the blocking receive it is in, or any pending receive request? */
static int receive_posted(const ctx *c, int32_t d, int32_t comm, int32_t src, int32_t tag)
{
    const call_info *ci = &c->ci[d];
    if (ci->kind == K_RECV && ci->comm == comm && (ci->peer == ANY || ci->peer == src) && tag_matches(ci->tag, tag))
        return 1;
    const sf_rank *k = c->k[d];
    for (uint32_t i = 0; i < k->nrequests; i++) {
        const sf_request *q = &k->requests[i];
        if (request_dir(q->kind) == DIR_RECV && q->comm == comm && (q->peer == ANY || q->peer == src) &&
            tag_matches(q->tag, tag))
            return 1;
    }
    return 0;
}

/* ---- items ---- */

/* Appends an item on ranks[n] (copied, sorted, duplicates dropped). */
static void add_item(ctx *c, wf_node *w, const int32_t *ranks, uint32_t n, wf_done done, int32_t peer, uint64_t bytes)
{
    wf_item *items = realloc(w->items, (w->nitems + 1) * sizeof *items);
    int32_t *copy = malloc((n ? n : 1) * sizeof *copy);
    if (items) w->items = items;
    if (!items || !copy) {
        free(copy);
        c->nomem = 1;
        return;
    }
    if (n) memcpy(copy, ranks, n * sizeof *copy);
    qsort(copy, n, sizeof *copy, cmp_i32);
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (m == 0 || copy[m - 1] != copy[i]) copy[m++] = copy[i];
    w->items[w->nitems++] = (wf_item){copy, m, done, peer, bytes};
}

static void add_done(ctx *c, wf_node *w, wf_done done, int32_t peer) { add_item(c, w, NULL, 0, done, peer, 0); }

static void add_wait(ctx *c, wf_node *w, const int32_t *ranks, uint32_t n) { add_item(c, w, ranks, n, WD_NONE, -1, 0); }

/* Something the snapshot does not describe: assumed to complete, and said why. */
static void add_unknown(ctx *c, wf_node *w, const char *fmt, ...)
{
    if (!w->note[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->note, sizeof w->note, fmt, ap);
        va_end(ap);
    }
    add_done(c, w, WD_UNKNOWN, -1);
}

/* A receive at w's rank from src (a rank of comm, or ANY) with tag. */
static void recv_item(ctx *c, wf_node *w, int32_t comm, int32_t src, int32_t tag)
{
    int32_t r = w->rank, size;
    const sf_msg *m;
    const int32_t *mem = members(c, r, comm, &size);
    if (src == NONE) return add_done(c, w, WD_NOWAIT, -1);
    if ((m = in_transit(c->k[r], comm, src, tag))) return add_done(c, w, WD_TRANSIT, m->src);
    if (!mem) return add_unknown(c, w, "communicator %d is not recorded", comm);
    if (src < ANY || src >= size) return add_unknown(c, w, "source %d is not in communicator %d", src, comm);
    near_miss(w, c->k[r], comm, src, tag);
    if (src != ANY) return add_wait(c, w, &mem[src], 1);
    /* MPI_ANY_SOURCE: any other member; alone in its communicator, it waits on itself */
    int32_t *others = malloc((size_t)size * sizeof *others);
    uint32_t n = 0;
    if (!others) {
        c->nomem = 1;
        return;
    }
    for (int32_t i = 0; i < size; i++)
        if (mem[i] != r) others[n++] = mem[i];
    add_wait(c, w, n ? others : &r, n ? n : 1);
    free(others);
}

/* A send from w's rank to dest (a rank of comm) with tag, synchronous or standard.
 * Its message was counted as sent before the rank recorded (mpisnap records a send
 * after posting it), so if it is not in transit the destination has it. A standard
 * send of a small message is taken as buffered by MPI (the eager protocol): waiting
 * for its destination would report programs that rely on it, as most do. */
static void send_item(ctx *c, wf_node *w, int32_t comm, int32_t dest, int32_t tag, int sync)
{
    int32_t r = w->rank, size;
    const int32_t *mem = members(c, r, comm, &size);
    if (dest == NONE) return add_done(c, w, WD_NOWAIT, -1);
    if (!mem) return add_unknown(c, w, "communicator %d is not recorded", comm);
    int32_t me = index_of(mem, size, r);
    if (dest < 0 || dest >= size || me < 0)
        return add_unknown(c, w, "destination %d is not in communicator %d", dest, comm);
    int32_t d = mem[dest];
    const sf_msg *m = sent_in_transit(c->k[d], r, comm, tag);
    if (!m) return add_done(c, w, WD_RECEIVED, d);
    if (receive_posted(c, d, comm, me, tag)) return add_done(c, w, WD_POSTED, d);
    if (!sync && m->bytes <= c->eager) return add_item(c, w, NULL, 0, WD_BUFFERED, d, m->bytes);
    add_wait(c, w, &d, 1);
}

static int cmp_request(const void *a, const void *b)
{
    const sf_request *x = *(const sf_request *const *)a, *y = *(const sf_request *const *)b;
    if (x->comm != y->comm) return x->comm < y->comm ? -1 : 1;
    if (x->peer != y->peer) return x->peer < y->peer ? -1 : 1;
    if (x->tag != y->tag) return x->tag < y->tag ? -1 : 1;
    return strcmp(x->kind, y->kind);
}

/* The requests k's call waits on, in (communicator, peer, tag) order (the file's order
 * is the library's table order, which means nothing); *n of them. NULL when out of
 * memory; the caller frees the array. */
static const sf_request **sorted_awaited(const sf_rank *k, uint32_t *n)
{
    const sf_request **v = malloc((k->nrequests ? k->nrequests : 1) * sizeof *v);
    *n = 0;
    for (uint32_t i = 0; v && i < k->nrequests; i++)
        if (k->requests[i].awaited) v[(*n)++] = &k->requests[i];
    if (v) qsort(v, *n, sizeof *v, cmp_request);
    return v;
}

static void request_items(ctx *c, wf_node *w)
{
    uint32_t n;
    const sf_request **v = sorted_awaited(c->k[w->rank], &n);
    if (!v) {
        c->nomem = 1;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const sf_request *q = v[i];
        char kind[SF_NAME_MAX];
        switch (request_dir(q->kind)) {
        case DIR_RECV: recv_item(c, w, q->comm, q->peer, q->tag); break;
        case DIR_SEND:
        case DIR_SSEND: send_item(c, w, q->comm, q->peer, q->tag, request_dir(q->kind) == DIR_SSEND); break;
        case DIR_NOWAIT: add_done(c, w, WD_NOWAIT, -1); break;
        case DIR_UNKNOWN:
            add_unknown(c, w, "no wait-for rule for %s requests", clean(q->kind, kind, sizeof kind));
            break;
        }
    }
    free(v);
    int32_t count = c->ci[w->rank].count;
    if ((int64_t)n < count)
        add_unknown(c, w, "%d of its %d requests %s not recorded", count - (int32_t)n, count,
                    count - (int32_t)n == 1 ? "is" : "are");
}

/* Has member m arrived in the collective that rank r is in (and maybe left it: a
 * collective can complete at some members before others)? With collective counts, m
 * arrived when it had entered as many collectives on the communicator as r; without,
 * when it is in a collective on it. */
static int arrived(const ctx *c, int32_t r, int32_t m)
{
    const call_info *mine = &c->ci[r], *o = &c->ci[m];
    if (mine->kind == K_WORLD) return o->kind == K_WORLD;
    uint64_t mine_n = colls_of(c, r, mine->comm);
    if (mine_n > 0) return colls_of(c, m, mine->comm) >= mine_n;
    return o->kind == K_COLL && o->comm == mine->comm;
}

/* Is m in the very collective r is in (same communicator, same count)? */
static int in_same(const ctx *c, int32_t r, int32_t m)
{
    const call_info *mine = &c->ci[r], *o = &c->ci[m];
    return o->kind == K_COLL && o->comm == mine->comm && colls_of(c, m, mine->comm) == colls_of(c, r, mine->comm);
}

/* One item per member that has not arrived; when all have, the members must be in the
 * same collective (else the program is wrong and MPI's behaviour undefined). */
static void collective_items(ctx *c, wf_node *w)
{
    int32_t r = w->rank, size;
    int32_t comm = c->ci[r].kind == K_WORLD ? 0 : c->ci[r].comm;
    const int32_t *mem = members(c, r, comm, &size);
    if (!mem) return add_unknown(c, w, "communicator %d is not recorded", comm);
    int all = 1;
    for (int32_t i = 0; i < size; i++)
        if (mem[i] != r && !arrived(c, r, mem[i])) {
            add_wait(c, w, &mem[i], 1);
            all = 0;
        }
    for (int32_t i = 0; all && c->ci[r].kind == K_COLL && i < size; i++)
        if (in_same(c, r, mem[i]) && strcmp(c->k[mem[i]]->call, c->k[r]->call) != 0) {
            char a[SF_NAME_MAX];
            return add_unknown(c, w, "rank %d is in %s on the same communicator", mem[i],
                               clean(c->k[mem[i]]->call, a, sizeof a));
        }
}

/* ---- nodes ---- */

static const char *peer_text(int32_t v, char *buf, size_t len)
{
    if (v == ANY) return "ANY";
    if (v == NONE) return "none";
    snprintf(buf, len, "%d", v);
    return buf;
}

/* "Irecv(src=1, tag=2, comm=WORLD)", or "MPI_Recv(...)" for the call itself. */
static void put_op(FILE *out, const char *name, int send, int32_t peer, int32_t tag, int32_t comm)
{
    char p[16], t[16], cm[16];
    fprintf(out, "%s(%s=%s, tag=%s, comm=%s)", name, send ? "dest" : "src", peer_text(peer, p, sizeof p),
            peer_text(tag, t, sizeof t), comm_name(comm, cm, sizeof cm));
}

/* "MPI_Waitany(Irecv(src=1, tag=1, comm=WORLD), ..., 5 more)": the first three awaited
 * requests in sorted_awaited's order. */
static void describe_requests(FILE *out, const sf_rank *k, const char *call)
{
    uint32_t n;
    const sf_request **v = sorted_awaited(k, &n);
    fprintf(out, "%s(", call);
    for (uint32_t i = 0; i < n && i < 3; i++) {
        char kind[SF_NAME_MAX];
        enum dir d = request_dir(v[i]->kind);
        fputs(i ? ", " : "", out);
        put_op(out, clean(v[i]->kind, kind, sizeof kind), d == DIR_SEND || d == DIR_SSEND, v[i]->peer, v[i]->tag,
               v[i]->comm);
    }
    if (n > 3) fprintf(out, ", %u more", n - 3);
    fputs(")", out);
    free(v);
}

static void describe(const ctx *c, wf_node *w)
{
    const call_info *ci = &c->ci[w->rank];
    char cm[16];
    FILE *out = fmemopen(w->desc, sizeof w->desc, "w");
    if (!out) {
        w->desc[0] = '\0';
        return;
    }
    setvbuf(out, NULL, _IONBF, 0);
    switch (ci->kind) {
    case K_IDLE: fputs("(not in MPI)", out); break;
    case K_RECV:
    case K_SEND: put_op(out, w->call, ci->kind == K_SEND, ci->peer, ci->tag, ci->comm); break;
    case K_WAITALL:
    case K_WAITANY: describe_requests(out, c->k[w->rank], w->call); break;
    case K_COLL: fprintf(out, "%s(comm=%s)", w->call, comm_name(ci->comm, cm, sizeof cm)); break;
    case K_WORLD:
    case K_FREE:
    case K_OTHER: fprintf(out, "%s()", w->call); break;
    }
    fclose(out);
    w->desc[sizeof w->desc - 1] = '\0';
}

static wf_state initial_state(const wf_node *w)
{
    uint32_t pending = 0, unknown = 0, done = 0;
    for (uint32_t i = 0; i < w->nitems; i++) {
        wf_done d = w->items[i].done;
        pending += d == WD_NONE;
        unknown += d == WD_UNKNOWN;
        done += d != WD_NONE && d != WD_UNKNOWN;
    }
    if (w->any) return done || w->nitems == 0 ? WS_COMPLETES : unknown ? WS_UNKNOWN : WS_WAITING;
    return pending ? WS_WAITING : unknown ? WS_UNKNOWN : WS_COMPLETES;
}

/* Why a node completes: its first satisfied item. */
static void completion_note(wf_node *w)
{
    for (uint32_t i = 0; i < w->nitems; i++) {
        const wf_item *it = &w->items[i];
        switch (it->done) {
        case WD_TRANSIT: snprintf(w->note, sizeof w->note, "message in transit from rank %d", it->peer); return;
        case WD_POSTED: snprintf(w->note, sizeof w->note, "rank %d has a matching receive posted", it->peer); return;
        case WD_RECEIVED: snprintf(w->note, sizeof w->note, "rank %d has received the message", it->peer); return;
        case WD_BUFFERED:
            snprintf(w->note, sizeof w->note,
                     "a standard send of %llu bytes to rank %d, "
                     "taken as buffered by MPI",
                     (unsigned long long)it->bytes, it->peer);
            return;
        case WD_NOWAIT: snprintf(w->note, sizeof w->note, "it waits for no rank"); return;
        case WD_NONE:
        case WD_UNKNOWN: break;
        }
    }
    snprintf(w->note, sizeof w->note, "every member has arrived");
}

static void build_node(ctx *c, int32_t r)
{
    wf_node *w = &c->g->nodes[r];
    const call_info *ci = &c->ci[r];
    w->rank = r;
    w->deadlock = -1;
    clean(c->k[r]->call, w->call, sizeof w->call);
    describe(c, w);
    switch (ci->kind) {
    case K_IDLE: w->state = WS_IDLE; return;
    case K_FREE:
        w->state = WS_FREE;
        snprintf(w->note, sizeof w->note, "it waits for no rank");
        return;
    case K_OTHER:
        w->state = WS_UNKNOWN;
        snprintf(w->note, sizeof w->note, "no wait-for rule for this call or its arguments");
        return;
    case K_RECV: recv_item(c, w, ci->comm, ci->peer, ci->tag); break;
    case K_SEND: send_item(c, w, ci->comm, ci->peer, ci->tag, strcmp(w->call, "MPI_Ssend") == 0); break;
    case K_WAITANY:
        w->any = 1;
        request_items(c, w);
        break;
    case K_WAITALL: request_items(c, w); break;
    case K_COLL:
    case K_WORLD:
        w->collective = 1;
        collective_items(c, w);
        break;
    }
    w->state = initial_state(w);
    if (w->state == WS_COMPLETES) completion_note(w);
}

wf_graph *wf_build(sf_file *f, uint64_t eager)
{
    int32_t n = sf_job_info(f)->nranks;
    ctx c = {n,
             eager,
             calloc((size_t)n, sizeof *c.k),
             calloc((size_t)n, sizeof *c.ci),
             calloc((size_t)n, sizeof *c.identity),
             calloc(1, sizeof *c.g),
             0};
    if (c.g) c.g->n = n;
    if (c.g && !(c.g->nodes = calloc((size_t)n, sizeof *c.g->nodes))) c.nomem = 1;
    c.nomem |= !c.k || !c.ci || !c.identity || !c.g;
    for (int32_t r = 0; !c.nomem && r < n; r++) {
        c.k[r] = sf_get_rank(f, r, NULL, 0);
        c.ci[r] = classify(c.k[r]);
        c.identity[r] = r;
    }
    for (int32_t r = 0; !c.nomem && r < n; r++) build_node(&c, r);
    if (!c.nomem && wf_analyse(c.g) < 0) c.nomem = 1;
    free(c.k);
    free(c.ci);
    free(c.identity);
    if (c.nomem) {
        wf_free(c.g);
        return NULL;
    }
    return c.g;
}

void wf_free(wf_graph *g)
{
    if (!g) return;
    for (int32_t r = 0; g->nodes && r < g->n; r++) {
        for (uint32_t i = 0; i < g->nodes[r].nitems; i++) free(g->nodes[r].items[i].ranks);
        free(g->nodes[r].items);
    }
    for (uint32_t i = 0; i < g->ndeadlocks; i++) {
        free(g->deadlocks[i].ranks);
        free(g->deadlocks[i].cycle);
    }
    free(g->deadlocks);
    free(g->nodes);
    free(g);
}
