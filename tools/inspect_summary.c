/*
 * inspect_summary.c - `summary` (the job, one row per rank, where the ranks are) and
 * `stacks` (ranks grouped by call and call stack) of mpisnap-inspect.
 *
 * Grouping is what STAT does for hung jobs: ranks with the same MPI call and the same
 * call stack are one line, "ranks 0-511, 513-999 (999): MPI_Barrier <- main+0x42 <-
 * ...", so that a thousand ranks in the same place read as one line and the odd one
 * out stands out. Frames are compared by the names inspect_sym.c gives them
 * ("wait_here (dlg.c:42)"), which are the same in every process of the job.
 */
#define _POSIX_C_SOURCE 200809L

#include "inspect_stacks.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *utc_time(double t, char *buf, size_t len)
{
    time_t s = (time_t)t;
    struct tm tm;
    if (!isfinite(t) || t < 0 || t > 1e11 || !gmtime_r(&s, &tm)) {
        snprintf(buf, len, "%g", t);
        return buf;
    }
    size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03d UTC", (int)((t - (double)s) * 1000));
    return buf;
}

/* ---- grouping by call and stack ---- */

/* Every named frame of a recorded stack, innermost first (inlined frames included). */
static void put_stack(FILE *out, const sf_rank *k)
{
    for (uint32_t i = 0; i < k->nstack; i++) {
        const sym_frame *fr;
        size_t n = sym_resolve(k->stack[i], &fr);
        for (size_t x = 0; x < n; x++) {
            fputs(" <- ", out);
            sym_put(out, &fr[x]);
        }
    }
}

/* "MPI_Barrier <- main+0x42 <- __libc_start_main+0x85", or "(no blocking MPI call) <- ..."
 * for a rank recorded in a non-blocking call or between calls. */
static char *where_key(const sf_rank *k)
{
    text t;
    char call[SF_NAME_MAX];
    if (text_open(&t) < 0) return NULL;
    fputs(k->call[0] ? clean(k->call, call, sizeof call) : "(no blocking MPI call)", t.f);
    put_stack(t.f, k);
    return text_close(&t);
}

struct where {
    char *key;
    int32_t rank;
};

static int cmp_where(const void *a, const void *b)
{
    const struct where *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

/* Ranks grouped: w[] sorted so that each group is a run, starts[g]..starts[g+1], the
 * largest group first (ties: lowest rank first), ranks ascending within a group. */
typedef struct groups {
    struct where *w;
    int32_t n;
    uint32_t *starts; /* [ngroups + 1] */
    uint32_t ngroups;
} groups;

static void groups_free(groups *gs)
{
    for (int32_t i = 0; gs->w && i < gs->n; i++) free(gs->w[i].key);
    free(gs->w);
    free(gs->starts);
}

static uint32_t gsize(const groups *gs, uint32_t g) { return gs->starts[g + 1] - gs->starts[g]; }

struct run {
    uint32_t start, n;
    int32_t first;
};

static int cmp_run(const void *a, const void *b)
{
    const struct run *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

/* Puts the runs of equal keys of gs->w (sorted by key) in run order. */
static int order_runs(groups *gs)
{
    struct run *runs = malloc(((size_t)gs->n + 1) * sizeof *runs);
    struct where *sorted = malloc(((size_t)gs->n + 1) * sizeof *sorted);
    uint32_t nr = 0, at = 0;
    if (!runs || !sorted) {
        free(runs);
        free(sorted);
        return -1;
    }
    for (int32_t i = 0; i < gs->n; i++) {
        if (i == 0 || strcmp(gs->w[i].key, gs->w[i - 1].key) != 0)
            runs[nr++] = (struct run){(uint32_t)i, 0, gs->w[i].rank};
        runs[nr - 1].n++;
    }
    qsort(runs, nr, sizeof *runs, cmp_run);
    for (uint32_t g = 0; g < nr; g++) {
        gs->starts[g] = at;
        memcpy(sorted + at, gs->w + runs[g].start, runs[g].n * sizeof *sorted);
        at += runs[g].n;
    }
    gs->starts[nr] = at;
    gs->ngroups = nr;
    memcpy(gs->w, sorted, (size_t)gs->n * sizeof *sorted);
    free(runs);
    free(sorted);
    return 0;
}

/* The groups of f. Returns 0, or -1 when out of memory. */
static int group_ranks(sf_file *f, groups *gs)
{
    int32_t n = sf_job_info(f)->nranks;
    *gs = (groups){calloc((size_t)n, sizeof *gs->w), n, calloc((size_t)n + 1, sizeof(uint32_t)), 0};
    int rc = gs->w && gs->starts ? 0 : -1;
    for (int32_t r = 0; rc == 0 && r < n; r++) {
        gs->w[r] = (struct where){where_key(sf_get_rank(f, r, NULL, 0)), r};
        rc = gs->w[r].key ? 0 : -1;
    }
    if (rc == 0) {
        qsort(gs->w, (size_t)n, sizeof *gs->w, cmp_where);
        rc = order_runs(gs);
    }
    if (rc < 0) groups_free(gs);
    return rc;
}

/* The ranks of group g, sorted (they are: runs are sorted by rank). */
static int32_t *group_members(const groups *gs, uint32_t g)
{
    uint32_t n = gsize(gs, g);
    int32_t *v = malloc((n ? n : 1) * sizeof *v);
    for (uint32_t i = 0; v && i < n; i++) v[i] = gs->w[gs->starts[g] + i].rank;
    return v;
}

static void print_groups(sf_file *f, const char *indent)
{
    groups gs;
    if (group_ranks(f, &gs) < 0) {
        printf("%s(out of memory)\n", indent);
        return;
    }
    for (uint32_t g = 0; g < gs.ngroups; g++) {
        int32_t *v = group_members(&gs, g);
        if (!v) break;
        fputs(indent, stdout);
        put_rank_noun(stdout, v, gsize(&gs, g));
        printf(" (%u): %s\n", gsize(&gs, g), gs.w[gs.starts[g]].key);
        free(v);
    }
    groups_free(&gs);
}

void stacks_text(const char *path, sf_file *f)
{
    printf("%s: %d ranks, grouped by call and call stack (innermost first)\n", path, sf_job_info(f)->nranks);
    print_groups(f, "  ");
    sym_notes_text(stdout);
}

void stacks_json(const char *path, sf_file *f, json *j)
{
    groups gs;
    int ok = group_ranks(f, &gs) == 0;
    json_begin_object(j);
    json_kstring(j, "file", path);
    json_key(j, "groups");
    json_begin_array(j);
    for (uint32_t g = 0; ok && g < gs.ngroups; g++) {
        const sf_rank *k = sf_get_rank(f, gs.w[gs.starts[g]].rank, NULL, 0);
        int32_t *v = group_members(&gs, g);
        json_begin_object(j);
        json_kuint(j, "count", gsize(&gs, g));
        json_key(j, "ranks");
        json_i32_array(j, v ? v : &k->rank, v ? gsize(&gs, g) : 0);
        json_kstring(j, "call", k->call);
        json_key(j, "stack");
        json_begin_array(j);
        for (uint32_t i = 0; i < k->nstack; i++) {
            const sym_frame *fr;
            size_t n = sym_resolve(k->stack[i], &fr);
            for (size_t x = 0; x < n; x++) sym_json(j, &fr[x]);
        }
        json_end_array(j);
        json_end_object(j);
        free(v);
    }
    json_end_array(j);
    json_key(j, "notes");
    sym_notes_json(j);
    if (!ok) json_kstring(j, "error", "out of memory");
    json_end_object(j);
    if (ok) groups_free(&gs);
}

/* ---- summary ---- */

static const char *algo_name(const char *algo)
{
    return strcmp(algo, "cl") == 0 ? "cl (Chandy-Lamport)" : strcmp(algo, "ly") == 0 ? "ly (Lai-Yang)" : algo;
}

/* One row of the rank table, formatted once per pass (widths, then printing). */
struct row {
    char hostpid[SF_TEXT_MAX + 16];
    char trigger[SF_NAME_MAX];
    char call[SF_NAME_MAX + 32];
    char transit[48];
    char regions[256];
};

/* Appends s to buf, or "..." when s does not fit; returns 0 when s fit. */
static int append(char *buf, size_t len, const char *s)
{
    size_t at = strlen(buf);
    int fits = at + strlen(s) + 4 < len;
    snprintf(buf + at, len - at, "%s", fits ? s : "...");
    return fits ? 0 : -1;
}

static void format_row(const sf_rank *r, struct row *w)
{
    char a[SF_TEXT_MAX], nm[SF_NAME_MAX], b[32];
    snprintf(w->hostpid, sizeof w->hostpid, "%s:%d", clean(r->host, a, sizeof a), r->pid);
    clean(r->trigger, w->trigger, sizeof w->trigger);
    if (r->call[0])
        snprintf(w->call, sizeof w->call, "%s (%.1f s)", clean(r->call, nm, sizeof nm), r->call_seconds);
    else
        snprintf(w->call, sizeof w->call, "-");
    if (r->nmsgs)
        snprintf(w->transit, sizeof w->transit, "%" PRIu32 " (%s)", r->nmsgs, human_bytes(msg_bytes(r), b, sizeof b));
    else
        snprintf(w->transit, sizeof w->transit, "0");
    w->regions[0] = '\0';
    for (uint32_t i = 0; i < r->nregions; i++) {
        char item[SF_NAME_MAX + 48];
        snprintf(item, sizeof item, "%s%s (%s)", i ? ", " : "", clean(r->regions[i].name, nm, sizeof nm),
                 human_bytes(r->regions[i].bytes, b, sizeof b));
        if (append(w->regions, sizeof w->regions, item) < 0) break;
    }
    if (!r->nregions) snprintf(w->regions, sizeof w->regions, "-");
}

static int width(int cur, const char *s)
{
    int n = (int)strlen(s);
    return n > cur ? n : cur;
}

static void print_rank_table(sf_file *f)
{
    int32_t n = sf_job_info(f)->nranks;
    int wh = 8, wt = 7, wc = 16, wx = 10;
    struct row w;
    for (int32_t r = 0; r < n; r++) {
        format_row(sf_get_rank(f, r, NULL, 0), &w);
        wh = width(wh, w.hostpid);
        wt = width(wt, w.trigger);
        wc = width(wc, w.call);
        wx = width(wx, w.transit);
    }
    printf("\n  %4s  %-*s  %-*s  %-*s  %8s  %8s  %-*s  %s\n", "rank", wh, "host:pid", wt, "trigger", wc,
           "call in progress", "sent", "received", wx, "in transit", "regions");
    for (int32_t r = 0; r < n; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        format_row(k, &w);
        printf("  %4d%s %-*s  %-*s  %-*s  %8" PRIu64 "  %8" PRIu64 "  %-*s  %s\n", r, k->initiator ? "*" : " ", wh,
               w.hostpid, wt, w.trigger, wc, w.call, sum_u64(k->sent, n), sum_u64(k->recvd, n), wx, w.transit,
               w.regions);
    }
}

static void print_conservation(sf_file *f)
{
    const sf_job *jb = sf_job_info(f);
    char err[1024], a[SF_NAME_MAX];
    int64_t bal, moving;
    if (!jb->conserve_region[0]) return;
    int rc = sf_conservation(f, &bal, &moving, err, sizeof err);
    printf("  conserved   '%s': ", clean(jb->conserve_region, a, sizeof a));
    if (rc <= 0) {
        printf("%s%s\n", rc < 0 ? "cannot be computed: " : "", err);
        return;
    }
    int64_t total = (int64_t)((uint64_t)bal + (uint64_t)moving);
    printf("balances %" PRId64 " + in transit %" PRId64 " = %" PRId64 ", declared %" PRId64 ": %s\n", bal, moving,
           total, jb->conserve_total, total == jb->conserve_total ? "conserved" : "VIOLATED");
}

void summary_text(const char *path, sf_file *f)
{
    const sf_job *jb = sf_job_info(f);
    char a[SF_TEXT_MAX], t[64];
    uint32_t nini;
    const int32_t *ini = sf_initiators(f, &nini);
    uint64_t nmsgs = 0, bytes = 0;
    printf("%s: snapshot %" PRIu64 " of %s\n", path, jb->id, clean(jb->program, a, sizeof a));
    printf("  algorithm   %s\n", algo_name(clean(jb->algo, a, sizeof a)));
    printf("  ranks       %d\n", jb->nranks);
    printf("  initiators  %s", nini ? "" : "none");
    for (uint32_t i = 0; i < nini; i++) printf("%s%d", i ? ", " : "", ini[i]);
    printf("  (marked * below)\n");
    printf("  recorded    %s, complete %.3f s later\n", utc_time(jb->t_start, t, sizeof t), jb->t_end - jb->t_start);
    printf("  library     mpisnap %s, file format %d\n", clean(jb->library_version, a, sizeof a), jb->format_version);
    printf("  job         %s\n", clean(jb->job_key, a, sizeof a));
    print_rank_table(f);
    for (int32_t r = 0; r < jb->nranks; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        nmsgs += k->nmsgs;
        bytes += msg_bytes(k);
    }
    printf("\n  in transit  %" PRIu64 " message%s, %" PRIu64 " bytes\n", nmsgs, plural(nmsgs), bytes);
    print_conservation(f);
    printf("\n  where the ranks are (grouped by call and call stack, innermost first):\n");
    print_groups(f, "    ");
    sym_notes_text(stdout);
}

static void rank_json(json *j, const sf_rank *k, int32_t n)
{
    json_begin_object(j);
    json_kint(j, "rank", k->rank);
    json_kstring(j, "host", k->host);
    json_kint(j, "pid", k->pid);
    json_kbool(j, "initiator", k->initiator);
    json_kdouble(j, "t_record", k->t_record);
    json_kstring(j, "trigger", k->trigger);
    json_kstring(j, "call", k->call);
    json_kstring(j, "call_args", k->call_args);
    json_kdouble(j, "call_seconds", k->call_seconds);
    json_kuint(j, "sent_total", sum_u64(k->sent, n));
    json_kuint(j, "recvd_total", sum_u64(k->recvd, n));
    json_key(j, "sent");
    json_uint_array(j, k->sent, (uint64_t)n);
    json_key(j, "recvd");
    json_uint_array(j, k->recvd, (uint64_t)n);
    json_kuint(j, "in_transit_messages", k->nmsgs);
    json_kuint(j, "in_transit_bytes", msg_bytes(k));
    json_key(j, "requests");
    json_begin_array(j);
    for (uint32_t i = 0; i < k->nrequests; i++) {
        const sf_request *q = &k->requests[i];
        json_begin_object(j);
        json_kstring(j, "kind", q->kind);
        json_kint(j, "peer", q->peer);
        json_kint(j, "tag", q->tag);
        json_kint(j, "comm", q->comm);
        json_kint(j, "count", q->count);
        json_kbool(j, "awaited", q->awaited);
        json_kstring(j, "datatype", q->datatype);
        json_end_object(j);
    }
    json_end_array(j);
    json_key(j, "regions");
    json_begin_array(j);
    for (uint32_t i = 0; i < k->nregions; i++) {
        json_begin_object(j);
        json_kstring(j, "name", k->regions[i].name);
        json_kstring(j, "type", k->regions[i].type);
        json_kuint(j, "count", k->regions[i].count);
        json_kuint(j, "bytes", k->regions[i].bytes);
        char sum[20]; /* as xxhsum -H3 prints it: 16 hex digits */
        snprintf(sum, sizeof sum, "%016llx", (unsigned long long)k->regions[i].checksum);
        json_kstring(j, "xxh3", sum);
        json_end_object(j);
    }
    json_end_array(j);
    json_key(j, "stack");
    json_begin_array(j);
    for (uint32_t i = 0; i < k->nstack; i++) json_string(j, k->stack[i]);
    json_end_array(j);
    json_key(j, "comms");
    json_begin_array(j);
    for (uint32_t i = 0; i < k->ncomms; i++) {
        json_begin_object(j);
        json_kint(j, "id", k->comms[i].id);
        json_kint(j, "size", k->comms[i].size);
        json_key(j, "world_ranks");
        json_i32_array(j, k->comms[i].world, (uint64_t)k->comms[i].size);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

static void conservation_json(json *j, sf_file *f)
{
    const sf_job *jb = sf_job_info(f);
    char err[1024];
    int64_t bal, moving;
    json_key(j, "conservation");
    if (!jb->conserve_region[0]) {
        json_null(j);
        return;
    }
    int rc = sf_conservation(f, &bal, &moving, err, sizeof err);
    int64_t total = (int64_t)((uint64_t)bal + (uint64_t)moving);
    json_begin_object(j);
    json_kstring(j, "region", jb->conserve_region);
    json_kint(j, "offset", jb->conserve_offset);
    json_kint(j, "expected", jb->conserve_total);
    if (rc < 0) {
        json_kstring(j, "error", err);
    } else if (rc == 0) {
        json_kstring(j, "not_verified", err);
    } else {
        json_kint(j, "balances", bal);
        json_kint(j, "in_transit", moving);
        json_kint(j, "total", total);
        json_kbool(j, "conserved", total == jb->conserve_total);
    }
    json_end_object(j);
}

void summary_json(const char *path, sf_file *f, json *j)
{
    const sf_job *jb = sf_job_info(f);
    uint32_t nini;
    const int32_t *ini = sf_initiators(f, &nini);
    uint64_t nmsgs = 0, bytes = 0;
    json_begin_object(j);
    json_kstring(j, "file", path);
    json_kint(j, "format_version", jb->format_version);
    json_kuint(j, "snapshot_id", jb->id);
    json_kstring(j, "algorithm", jb->algo);
    json_kint(j, "nranks", jb->nranks);
    json_key(j, "initiators");
    json_begin_array(j);
    for (uint32_t i = 0; i < nini; i++) json_int(j, ini[i]);
    json_end_array(j);
    json_kdouble(j, "t_start", jb->t_start);
    json_kdouble(j, "t_end", jb->t_end);
    json_kdouble(j, "duration", jb->t_end - jb->t_start);
    json_kstring(j, "program", jb->program);
    json_kstring(j, "library_version", jb->library_version);
    json_kstring(j, "job_key", jb->job_key);
    json_key(j, "ranks");
    json_begin_array(j);
    for (int32_t r = 0; r < jb->nranks; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        rank_json(j, k, jb->nranks);
        nmsgs += k->nmsgs;
        bytes += msg_bytes(k);
    }
    json_end_array(j);
    json_kuint(j, "in_transit_messages", nmsgs);
    json_kuint(j, "in_transit_bytes", bytes);
    conservation_json(j, f);
    json_end_object(j);
}
