/*
 * inspect_waits_out.c - `mpisnap-inspect waits`: prints the wait-for graph built by
 * inspect_waits.c as text (deadlocks first, then every rank in a blocking call, then a
 * one-line verdict), JSON (nodes, AND/OR edges, deadlock sets) or Graphviz.
 *
 * Ranks whose lines would read the same (same call, same arguments, same ranks waited
 * for) are printed as one line, "ranks 0-511, 513-999 MPI_Barrier(comm=WORLD) wait
 * for rank 512 (not arrived)", so that a thousand ranks in one place take one line,
 * in the text and in the picture alike.
 */
#define _POSIX_C_SOURCE 200809L

#include "inspect.h"
#include "inspect_waits.h"

#include <stdlib.h>
#include <string.h>

/* What is printed about each rank after its description, and its grouping key. */
typedef struct report {
    const char *path;
    wf_graph *g;
    char **tail; /* [n] "for rank 5", "would complete: ...", NULL for ranks not shown */
    char **key;  /* [n] description + tail: ranks with equal keys share a line */
} report;

typedef struct group {
    int32_t *ranks; /* sorted */
    uint32_t n;
    uint32_t first; /* position of its first rank in the list that was grouped */
} group;

/* The ranks w's pending items name, sorted and distinct, in *out (caller frees). */
static uint32_t pending_ranks(const wf_node *w, int singles_only, int32_t **out)
{
    size_t total = 0;
    for (uint32_t i = 0; i < w->nitems; i++) total += w->items[i].done == WD_NONE ? w->items[i].n : 0;
    int32_t *v = malloc((total ? total : 1) * sizeof *v);
    uint32_t n = 0;
    for (uint32_t i = 0; v && i < w->nitems; i++) {
        const wf_item *it = &w->items[i];
        if (it->done == WD_NONE && (!singles_only || it->n == 1)) {
            memcpy(v + n, it->ranks, it->n * sizeof *v);
            n += it->n;
        }
    }
    if (v) qsort(v, n, sizeof *v, cmp_i32);
    uint32_t m = 0;
    for (uint32_t i = 0; v && i < n; i++)
        if (m == 0 || v[m - 1] != v[i]) v[m++] = v[i];
    *out = v;
    return v ? m : 0;
}

/* "for rank 5", "for any of ranks 0, 1, 3", "for all of ranks 1, 2 and any of ranks
 * 4-7", "for ranks 0, 4 (not arrived)", plus "(not in MPI: computing?)" when the one
 * rank waited for is not in MPI. */
static int put_targets(FILE *out, const wf_graph *g, const wf_node *w)
{
    int32_t *all, *singles;
    uint32_t nall = pending_ranks(w, 0, &all), nsingles = pending_ranks(w, 1, &singles);
    int rc = all && singles ? 0 : -1;
    if (rc == 0 && (w->collective || w->any)) {
        fputs(w->collective || nall == 1 ? "for " : "for any of ", out);
        put_rank_noun(out, all, nall);
        fputs(w->collective ? " (not arrived)" : "", out);
    } else if (rc == 0) {
        fprintf(out, "for %s", nsingles > 1 ? "all of " : "");
        if (nsingles) put_rank_noun(out, singles, nsingles);
        for (uint32_t i = 0, first = nsingles == 0; i < w->nitems; i++) {
            const wf_item *it = &w->items[i];
            if (it->done != WD_NONE || it->n == 1) continue;
            fputs(first ? "any of " : " and any of ", out);
            put_rank_noun(out, it->ranks, it->n);
            first = 0;
        }
    }
    if (rc == 0 && nall == 1 && g->nodes[all[0]].state == WS_IDLE) fputs(" (not in MPI: computing?)", out);
    if (rc == 0 && w->hint[0]) fprintf(out, " (%s)", w->hint);
    free(all);
    free(singles);
    return rc;
}

/* Is rank r shown: in a blocking call, or waited for by a pending item? */
static int shown(const wf_graph *g, int32_t r, const uint8_t *targeted)
{
    return g->nodes[r].state >= WS_UNKNOWN || targeted[r];
}

static int make_tail(report *rp, int32_t r)
{
    const wf_node *w = &rp->g->nodes[r];
    text t;
    if (text_open(&t) < 0) return -1;
    switch (w->state) {
    case WS_IDLE:
    case WS_FREE: fputs("is not blocked", t.f); break;
    case WS_UNKNOWN: fprintf(t.f, "not analysed: %s", w->note); break;
    case WS_COMPLETES: fprintf(t.f, "would complete: %s", w->note); break;
    case WS_WAITING:
    case WS_DEADLOCK:
    case WS_STUCK:
        if (put_targets(t.f, rp->g, w) < 0) {
            free(text_close(&t));
            return -1;
        }
        fputs(w->state == WS_STUCK ? "; blocked by the deadlock" : "", t.f);
        break;
    }
    rp->tail[r] = text_close(&t);
    size_t len = rp->tail[r] ? strlen(w->desc) + strlen(rp->tail[r]) + 2 : 0;
    rp->key[r] = len ? malloc(len) : NULL;
    if (!rp->key[r]) return -1;
    snprintf(rp->key[r], len, "%s\n%s", w->desc, rp->tail[r]);
    return 0;
}

static void report_free(report *rp)
{
    for (int32_t r = 0; r < rp->g->n; r++) {
        free(rp->tail ? rp->tail[r] : NULL);
        free(rp->key ? rp->key[r] : NULL);
    }
    free(rp->tail);
    free(rp->key);
}

static int report_init(report *rp, const char *path, wf_graph *g)
{
    size_t n = (size_t)g->n;
    uint8_t *targeted = calloc(n, 1);
    *rp = (report){path, g, calloc(n, sizeof(char *)), calloc(n, sizeof(char *))};
    int rc = targeted && rp->tail && rp->key ? 0 : -1;
    for (int32_t r = 0; rc == 0 && r < g->n; r++)
        for (uint32_t i = 0; i < g->nodes[r].nitems; i++) {
            const wf_item *it = &g->nodes[r].items[i];
            for (uint32_t k = 0; it->done == WD_NONE && k < it->n; k++) targeted[it->ranks[k]] = 1;
        }
    for (int32_t r = 0; rc == 0 && r < g->n; r++)
        if (shown(g, r, targeted)) rc = make_tail(rp, r);
    free(targeted);
    if (rc < 0) report_free(rp);
    return rc;
}

/* ---- grouping ---- */

struct keyed {
    const char *key;
    uint32_t order;
    int32_t rank;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int cmp_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

static void groups_free(group *gs, uint32_t n)
{
    for (uint32_t i = 0; gs && i < n; i++) free(gs[i].ranks);
    free(gs);
}

/* Groups ranks[n] by key; groups come in the order of their first rank in ranks[],
 * each group's ranks sorted. Returns the number of groups (0 when out of memory). */
static uint32_t group_by_key(const report *rp, const int32_t *ranks, uint32_t n, group **out)
{
    struct keyed *v = malloc((n ? n : 1) * sizeof *v);
    group *gs = calloc(n ? n : 1, sizeof *gs);
    uint32_t ng = 0;
    *out = NULL;
    if (!v || !gs) {
        free(v);
        free(gs);
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) v[i] = (struct keyed){rp->key[ranks[i]], i, ranks[i]};
    qsort(v, n, sizeof *v, cmp_keyed);
    int ok = 1;
    for (uint32_t i = 0, j; ok && i < n; i = j) {
        for (j = i; j < n && strcmp(v[j].key, v[i].key) == 0; j++)
            ;
        gs[ng] = (group){malloc((j - i) * sizeof(int32_t)), j - i, v[i].order};
        ok = gs[ng].ranks != NULL;
        for (uint32_t k = i; ok && k < j; k++) gs[ng].ranks[k - i] = v[k].rank;
        if (ok) qsort(gs[ng++].ranks, j - i, sizeof(int32_t), cmp_i32);
    }
    free(v);
    if (!ok) {
        groups_free(gs, ng);
        return 0;
    }
    qsort(gs, ng, sizeof *gs, cmp_group);
    *out = gs;
    return ng;
}

/* ---- text ---- */

/* "ranks 2, 3 MPI_Barrier(comm=WORLD) wait for ranks 0, 1 (not arrived)" */
static void put_line(FILE *out, const report *rp, const group *gr)
{
    const wf_node *w = &rp->g->nodes[gr->ranks[0]];
    put_rank_noun(out, gr->ranks, gr->n);
    fprintf(out, " %s ", w->desc);
    if (w->state >= WS_WAITING) fputs(gr->n == 1 ? "waits " : "wait ", out);
    fputs(rp->tail[gr->ranks[0]], out);
}

static int in_sorted(const int32_t *v, uint32_t n, int32_t x) { return bsearch(&x, v, n, sizeof x, cmp_i32) != NULL; }

/* One deadlock: its cycle in wait order, then its other members. */
static int print_deadlock(FILE *out, const report *rp, const wf_deadlock *d)
{
    int32_t *order = malloc(d->n * sizeof *order), *cyc = malloc(d->ncycle * sizeof *cyc);
    group *gs = NULL;
    uint32_t k = d->ncycle, ng = 0;
    if (order && cyc) {
        memcpy(order, d->cycle, d->ncycle * sizeof *order);
        memcpy(cyc, d->cycle, d->ncycle * sizeof *cyc);
        qsort(cyc, d->ncycle, sizeof *cyc, cmp_i32);
        for (uint32_t i = 0; i < d->n; i++)
            if (!in_sorted(cyc, d->ncycle, d->ranks[i])) order[k++] = d->ranks[i];
        ng = group_by_key(rp, order, k, &gs);
    }
    for (uint32_t i = 0; gs && i < ng; i++) {
        fputs(i ? ",\n          " : "deadlock: ", out);
        put_line(out, rp, &gs[i]);
    }
    if (gs) fputc('\n', out);
    groups_free(gs, ng);
    free(order);
    free(cyc);
    return gs ? 0 : -1;
}

/* Every rank in a blocking call that is not in a deadlock, one line per group. */
static int print_blocked(FILE *out, const report *rp)
{
    const wf_graph *g = rp->g;
    int32_t *v = malloc((size_t)g->n * sizeof *v);
    uint32_t n = 0, ng = 0;
    group *gs = NULL;
    for (int32_t r = 0; v && r < g->n; r++)
        if (g->nodes[r].state >= WS_UNKNOWN && g->nodes[r].state != WS_DEADLOCK) v[n++] = r;
    if (v) ng = group_by_key(rp, v, n, &gs);
    for (uint32_t i = 0; gs && i < ng; i++) {
        put_line(out, rp, &gs[i]);
        fputc('\n', out);
    }
    groups_free(gs, ng);
    free(v);
    return gs ? 0 : -1;
}

/* The ranks in state s into v[] (room for every rank); for s == WS_IDLE, only the idle
 * ranks that a waiting rank waits for (the likely culprits of a hang). */
static uint32_t ranks_in(const wf_graph *g, wf_state s, int32_t *v)
{
    uint32_t n = 0;
    for (int32_t r = 0; r < g->n; r++) v[r] = s != WS_IDLE && g->nodes[r].state == s;
    for (int32_t r = 0; s == WS_IDLE && r < g->n; r++)
        for (uint32_t i = 0; g->nodes[r].state == WS_WAITING && i < g->nodes[r].nitems; i++) {
            const wf_item *it = &g->nodes[r].items[i];
            for (uint32_t k = 0; it->done == WD_NONE && k < it->n; k++)
                v[it->ranks[k]] |= g->nodes[it->ranks[k]].state == WS_IDLE;
        }
    for (int32_t r = 0; r < g->n; r++) /* compact in place: n <= r */
        if (v[r]) v[n++] = r;
    return n;
}

static void print_verdict(FILE *out, const report *rp, int32_t *v)
{
    const wf_graph *g = rp->g;
    uint32_t n;
    fprintf(out, "%s: ", rp->path);
    for (uint32_t i = 0; i < g->ndeadlocks; i++) {
        fprintf(out, "%sdeadlock among ", i ? "; " : "");
        put_rank_noun(out, g->deadlocks[i].ranks, g->deadlocks[i].n);
    }
    if (g->ndeadlocks && (n = ranks_in(g, WS_STUCK, v)) > 0) {
        fputs("; ", out);
        put_rank_noun(out, v, n);
        fprintf(out, " blocked by %s", g->ndeadlocks == 1 ? "it" : "them");
    }
    if (!g->ndeadlocks) {
        n = ranks_in(g, WS_WAITING, v);
        if (n)
            fprintf(out, "no deadlock: %u rank%s blocked, all can progress", n, plural(n));
        else
            fputs("no deadlock: no rank is blocked", out);
    }
    if ((n = ranks_in(g, WS_COMPLETES, v)) > 0) fprintf(out, "; %u more in calls that will complete", n);
    if ((n = ranks_in(g, WS_IDLE, v)) > 0) {
        fputs("; waited for while not in MPI (computing?): ", out);
        put_ranks(out, v, n);
    }
    fputc('\n', out);
}

static int waits_text(FILE *out, const report *rp)
{
    int32_t *v = malloc((size_t)rp->g->n * sizeof *v);
    int rc = v ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < rp->g->ndeadlocks; i++) rc = print_deadlock(out, rp, &rp->g->deadlocks[i]);
    if (rc == 0) rc = print_blocked(out, rp);
    if (rc == 0) print_verdict(out, rp, v);
    free(v);
    return rc;
}

/* ---- JSON ---- */

static const char *state_name(wf_state s)
{
    static const char *const names[] = {"not_in_mpi", "not_waiting", "not_analysed",       "will_complete",
                                        "waiting",    "deadlocked",  "blocked_by_deadlock"};
    return names[s];
}

static void json_ranks_in(json *j, const char *key, const wf_graph *g, wf_state s, int32_t *v)
{
    json_key(j, key);
    json_i32_array(j, v, ranks_in(g, s, v));
}

/* "AND" when the rank needs every rank it waits for, "OR" when one is enough, "AND-OR"
 * when it needs one of each of several sets. */
static const char *semantics(const wf_node *w)
{
    uint32_t pending = 0, multi = 0;
    for (uint32_t i = 0; i < w->nitems; i++) {
        pending += w->items[i].done == WD_NONE;
        multi += w->items[i].done == WD_NONE && w->items[i].n > 1;
    }
    if (w->any || (pending == 1 && multi == 1)) return "OR";
    return multi ? "AND-OR" : "AND";
}

static int node_json(json *j, const report *rp, const wf_node *w)
{
    int32_t *targets;
    uint32_t n = pending_ranks(w, 0, &targets);
    if (!targets) return -1;
    json_begin_object(j);
    json_kint(j, "rank", w->rank);
    json_kstring(j, "state", state_name(w->state));
    json_kstring(j, "call", w->call);
    json_kstring(j, "description", w->desc);
    json_kstring(j, "semantics", semantics(w));
    json_kbool(j, "collective", w->collective);
    json_key(j, "waits_for");
    json_i32_array(j, targets, n);
    json_kstring(j, "text", rp->tail[w->rank] ? rp->tail[w->rank] : "");
    json_end_object(j);
    free(targets);
    return 0;
}

static void edges_json(json *j, const wf_graph *g)
{
    json_key(j, "edges");
    json_begin_array(j);
    for (int32_t r = 0; r < g->n; r++) {
        int32_t *targets;
        uint32_t n = pending_ranks(&g->nodes[r], 0, &targets);
        for (uint32_t i = 0; targets && i < n; i++) {
            int or_edge = 0;
            wf_waits_on(&g->nodes[r], targets[i], &or_edge);
            json_begin_object(j);
            json_kint(j, "from", r);
            json_kint(j, "to", targets[i]);
            json_kstring(j, "type", or_edge ? "OR" : "AND");
            json_kstring(j, "call", g->nodes[r].call);
            json_end_object(j);
        }
        free(targets);
    }
    json_end_array(j);
}

static int waits_json(const report *rp, json *j)
{
    const wf_graph *g = rp->g;
    int32_t *v = malloc((size_t)g->n * sizeof *v);
    int rc = v ? 0 : -1;
    if (rc < 0) return -1;
    json_begin_object(j);
    json_kstring(j, "file", rp->path);
    json_kbool(j, "deadlock", g->ndeadlocks > 0);
    uint32_t n = 0;
    for (int32_t r = 0; r < g->n; r++)
        if (g->nodes[r].state == WS_DEADLOCK || g->nodes[r].state == WS_STUCK) v[n++] = r;
    json_key(j, "deadlocked");
    json_i32_array(j, v, n);
    json_key(j, "deadlocks");
    json_begin_array(j);
    for (uint32_t i = 0; i < g->ndeadlocks; i++) {
        json_begin_object(j);
        json_key(j, "ranks");
        json_i32_array(j, g->deadlocks[i].ranks, g->deadlocks[i].n);
        json_key(j, "cycle");
        json_i32_array(j, g->deadlocks[i].cycle, g->deadlocks[i].ncycle);
        json_end_object(j);
    }
    json_end_array(j);
    json_ranks_in(j, "blocked_by_deadlock", g, WS_STUCK, v);
    json_ranks_in(j, "waiting", g, WS_WAITING, v);
    json_ranks_in(j, "will_complete", g, WS_COMPLETES, v);
    json_ranks_in(j, "not_analysed", g, WS_UNKNOWN, v);
    json_ranks_in(j, "waited_for_not_in_mpi", g, WS_IDLE, v);
    json_key(j, "nodes");
    json_begin_array(j);
    for (int32_t r = 0; rc == 0 && r < g->n; r++) rc = node_json(j, rp, &g->nodes[r]);
    json_end_array(j);
    edges_json(j, g);
    json_end_object(j);
    free(v);
    return rc;
}

/* ---- Graphviz ---- */

static const struct {
    const char *fill, *meaning;
} states[] = {
    [WS_IDLE] = {"white", "not in MPI (computing?), waited for"},
    [WS_FREE] = {"white", "in an MPI call that waits for no one"},
    [WS_UNKNOWN] = {"#eeeeee", "in a blocking call the snapshot does not describe"},
    [WS_COMPLETES] = {"#d9ead3", "in a blocking call that will complete"},
    [WS_WAITING] = {"#cfe2f3", "waiting, can progress"},
    [WS_DEADLOCK] = {"#f4a6a6", "deadlocked (red border, red edges: the cycle)"},
    [WS_STUCK] = {"#f9cb9c", "blocked by a deadlock"},
};

static const char *state_color(wf_state s) { return states[s].fill; }

const char *waits_legend(int s, const char **meaning)
{
    if (s < 0 || (size_t)s >= sizeof states / sizeof states[0]) return NULL;
    *meaning = states[s].meaning;
    return states[s].fill;
}

/* A group's node: its ranks (cut when very long), its call, and the verdict. */
static void dot_node(FILE *out, const report *rp, const group *gr, uint32_t id)
{
    const wf_node *w = &rp->g->nodes[gr->ranks[0]];
    text t;
    char *ranks = NULL;
    if (text_open(&t) == 0) {
        put_rank_noun(t.f, gr->ranks, gr->n);
        ranks = text_close(&t);
    }
    if (ranks && strlen(ranks) > 60) snprintf(ranks + 50, 11, " ... (%u)", gr->n);
    fprintf(out, "  g%u [label=\"%s\\n", id, ranks ? ranks : "?");
    dot_escape(out, w->state == WS_IDLE ? "not in MPI" : w->desc);
    if (w->state == WS_COMPLETES || w->state == WS_UNKNOWN) {
        fputs("\\n", out);
        dot_escape(out, rp->tail[w->rank]);
    }
    fprintf(out, "\", fillcolor=\"%s\"%s];\n", state_color(w->state),
            w->state == WS_DEADLOCK ? ", color=red, penwidth=2" : "");
    free(ranks);
}

struct dedge {
    uint32_t from, to; /* groups */
    int32_t rank;      /* a waiting rank of `from`, for the label */
    int or_edge;
};

struct dedges {
    struct dedge *v;
    size_t n, cap;
};

static int cmp_dedge(const void *a, const void *b)
{
    const struct dedge *x = a, *y = b;
    if (x->from != y->from) return x->from < y->from ? -1 : 1;
    return (x->to > y->to) - (x->to < y->to);
}

static int push_edge(struct dedges *es, struct dedge e)
{
    if (es->n == es->cap) {
        size_t cap = es->cap ? 2 * es->cap : 64;
        struct dedge *v = realloc(es->v, cap * sizeof *v);
        if (!v) return -1;
        es->v = v;
        es->cap = cap;
    }
    es->v[es->n++] = e;
    return 0;
}

/* Edges between groups, one per pair of groups, labelled with the waiting call; OR
 * edges (one of several alternatives) dashed. */
static int dot_edges(FILE *out, const report *rp, const uint32_t *gid)
{
    const wf_graph *g = rp->g;
    struct dedges es = {NULL, 0, 0};
    int rc = 0;
    for (int32_t r = 0; rc == 0 && r < g->n; r++) {
        int32_t *targets;
        uint32_t nt = pending_ranks(&g->nodes[r], 0, &targets);
        rc = targets ? 0 : -1;
        for (uint32_t i = 0; rc == 0 && i < nt; i++) {
            struct dedge e = {gid[r], gid[targets[i]], r, 0};
            wf_waits_on(&g->nodes[r], targets[i], &e.or_edge);
            rc = push_edge(&es, e);
        }
        free(targets);
    }
    if (rc == 0 && es.n) qsort(es.v, es.n, sizeof *es.v, cmp_dedge);
    for (size_t i = 0; rc == 0 && i < es.n; i++) {
        const struct dedge *e = &es.v[i];
        if (i && e->from == e[-1].from && e->to == e[-1].to) continue;
        const wf_node *w = &g->nodes[e->rank];
        fprintf(out, "  g%u -> g%u [label=\"", e->from, e->to);
        dot_escape(out, short_call(w->call));
        fprintf(out, "%s\"%s];\n", e->or_edge ? " (or)" : "",
                e->or_edge                ? ", style=dashed"
                : w->state == WS_DEADLOCK ? ", color=red"
                                          : "");
    }
    free(es.v);
    return rc;
}

/* The graph of every rank that is in a blocking call or waited for, one node per
 * group of ranks printed alike; deadlocked ranks in red. The Graphviz text (the
 * caller frees it), NULL when out of memory. */
static char *waits_dot(const report *rp)
{
    const wf_graph *g = rp->g;
    int32_t *v = malloc((size_t)g->n * sizeof *v);
    uint32_t *gid = calloc((size_t)g->n, sizeof *gid);
    uint32_t n = 0, ng = 0;
    group *gs = NULL;
    text t = {NULL, NULL, 0};
    for (int32_t r = 0; v && r < g->n; r++)
        if (rp->tail[r]) v[n++] = r;
    if (v && gid) ng = group_by_key(rp, v, n, &gs);
    int rc = gs && text_open(&t) == 0 ? 0 : -1;
    if (rc == 0) {
        fprintf(t.f, "digraph waits {\n  graph [rankdir=LR, labelloc=t, fontname=Helvetica, "
                     "fontsize=12, label=\"");
        dot_escape(t.f, rp->path);
        fprintf(t.f,
                ": %s\"];\n  node [shape=box, style=\"rounded,filled\", "
                "fontname=Helvetica, fontsize=9];\n  edge [fontname=Helvetica, fontsize=8];\n",
                g->ndeadlocks ? "deadlock (red)" : "no deadlock");
        for (uint32_t i = 0; i < ng; i++) {
            for (uint32_t k = 0; k < gs[i].n; k++) gid[gs[i].ranks[k]] = i;
            dot_node(t.f, rp, &gs[i], i);
        }
        rc = dot_edges(t.f, rp, gid);
        fputs("}\n", t.f);
    }
    char *dot = t.f ? text_close(&t) : NULL;
    if (rc != 0) {
        free(dot);
        dot = NULL;
    }
    groups_free(gs, ng);
    free(v);
    free(gid);
    return dot;
}

/* The picture to stdout: Graphviz text or SVG. */
static int waits_picture(const report *rp, enum output o)
{
    char *dot = waits_dot(rp);
    int rc = dot ? emit_graph(dot, strlen(dot), o) : -1;
    free(dot);
    return rc;
}

int waits_run(const char *path, sf_file *f, enum output o, uint64_t eager, json *j)
{
    wf_graph *g = wf_build(f, eager);
    report rp;
    int rc = g && report_init(&rp, path, g) == 0 ? 0 : -1;
    if (rc == 0) {
        if (o == OUT_DOT || o == OUT_SVG)
            rc = waits_picture(&rp, o);
        else
            rc = o == OUT_JSON ? waits_json(&rp, j) : waits_text(stdout, &rp);
        report_free(&rp);
    }
    if (rc < 0)
        fprintf(stderr, "mpisnap-inspect: %s: out of memory\n", path);
    else if (rc == 0 && g->ndeadlocks)
        rc = EXIT_DEADLOCK;
    wf_free(g);
    return rc < 0 ? EXIT_REFUSED : rc;
}

int waits_parts(const char *path, sf_file *f, uint64_t eager, char **text_out, char **dot)
{
    wf_graph *g = wf_build(f, eager);
    report rp;
    text t = {NULL, NULL, 0};
    *text_out = *dot = NULL;
    int rc = g && report_init(&rp, path, g) == 0 ? 0 : -1;
    if (rc == 0) {
        if (text_open(&t) == 0) {
            rc = waits_text(t.f, &rp);
            *text_out = text_close(&t);
        }
        *dot = waits_dot(&rp);
        report_free(&rp);
    }
    if (rc < 0 || !*text_out || !*dot) {
        free(*text_out);
        free(*dot);
        *text_out = *dot = NULL;
        rc = EXIT_REFUSED;
    } else if (g->ndeadlocks) {
        rc = EXIT_DEADLOCK;
    }
    wf_free(g);
    return rc;
}
