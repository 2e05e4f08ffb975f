/*
 * inspect_deadlock.c - the analysis of a wait-for graph (inspect_waits.h): which ranks
 * can progress, and the deadlocks among those that cannot.
 *
 * A rank can progress when it is not waiting, or when its pending items (AND: all of
 * them, OR: one) name a rank that can progress. What remains cannot progress whatever
 * happens next. Its strongly connected components that hold a cycle are the deadlocks
 * (with one cycle through each, for the report); the other ranks wait on one. Both
 * passes are linear in the number of edges, and iterative, so a million ranks blocked
 * in one collective neither take quadratic time nor overflow the stack.
 */
#include "inspect_waits.h"

#include <stdlib.h>
#include <string.h>

int wf_waits_on(const wf_node *node, int32_t t, int *or_edge)
{
    for (uint32_t i = 0; i < node->nitems; i++) {
        const wf_item *it = &node->items[i];
        if (it->done == WD_NONE && bsearch(&t, it->ranks, it->n, sizeof t, cmp_i32)) {
            if (or_edge) *or_edge = node->any || it->n > 1;
            return 1;
        }
    }
    return 0;
}

/* Reverse edges: for each rank t, the pending items that name it, as indexes into the
 * list of every item of every node (node by node); owner[] maps an item to its node. */
typedef struct reverse {
    size_t *start; /* [n + 1]: t's items are item[start[t] .. start[t + 1]] */
    size_t *item;
    int32_t *owner;
} reverse;

static void reverse_free(reverse *rv)
{
    free(rv->start);
    free(rv->item);
    free(rv->owner);
}

static int reverse_build(const wf_graph *g, reverse *rv)
{
    size_t nitems = 0, nedges = 0, id = 0;
    for (int32_t r = 0; r < g->n; r++)
        for (uint32_t i = 0; i < g->nodes[r].nitems; i++, nitems++)
            nedges += g->nodes[r].items[i].done == WD_NONE ? g->nodes[r].items[i].n : 0;
    *rv = (reverse){calloc((size_t)g->n + 1, sizeof *rv->start), malloc((nedges + 1) * sizeof *rv->item),
                    malloc((nitems + 1) * sizeof *rv->owner)};
    if (!rv->start || !rv->item || !rv->owner) {
        reverse_free(rv);
        return -1;
    }
    for (int32_t r = 0; r < g->n; r++) /* count, then prefix sums */
        for (uint32_t i = 0; i < g->nodes[r].nitems; i++) {
            const wf_item *it = &g->nodes[r].items[i];
            for (uint32_t k = 0; it->done == WD_NONE && k < it->n; k++) rv->start[it->ranks[k] + 1]++;
        }
    for (int32_t t = 0; t < g->n; t++) rv->start[t + 1] += rv->start[t];
    for (int32_t r = 0; r < g->n; r++) /* fill: each start moves to the next one's */
        for (uint32_t i = 0; i < g->nodes[r].nitems; i++, id++) {
            const wf_item *it = &g->nodes[r].items[i];
            rv->owner[id] = r;
            for (uint32_t k = 0; it->done == WD_NONE && k < it->n; k++) rv->item[rv->start[it->ranks[k]]++] = id;
        }
    for (int32_t t = g->n; t > 0; t--) rv->start[t] = rv->start[t - 1];
    rv->start[0] = 0;
    return 0;
}

/* Marks in can[] every rank that can progress, in time linear in the edges: a rank
 * that can progress satisfies the pending items that name it; a waiting node is freed
 * when all its AND items, or one of its OR items, are. */
static int mark_progress(const wf_graph *g, uint8_t *can)
{
    reverse rv;
    size_t nitems = 0, head = 0, tail = 0;
    for (int32_t r = 0; r < g->n; r++) nitems += g->nodes[r].nitems;
    int32_t *queue = malloc(((size_t)g->n + 1) * sizeof *queue);
    uint32_t *need = calloc((size_t)g->n + 1, sizeof *need);
    uint8_t *sat = calloc(nitems + 1, 1);
    int rc = queue && need && sat && reverse_build(g, &rv) == 0 ? 0 : -1;
    for (int32_t r = 0; rc == 0 && r < g->n; r++) {
        const wf_node *w = &g->nodes[r];
        for (uint32_t i = 0; i < w->nitems; i++) need[r] += w->items[i].done == WD_NONE;
        need[r] = w->any ? 1 : need[r];
        can[r] = w->state != WS_WAITING;
        if (can[r]) queue[tail++] = r;
    }
    while (rc == 0 && head < tail) {
        int32_t t = queue[head++];
        for (size_t e = rv.start[t]; e < rv.start[t + 1]; e++) {
            size_t item = rv.item[e];
            int32_t r = rv.owner[item];
            if (sat[item] || can[r]) continue;
            sat[item] = 1;
            if (--need[r] == 0) {
                can[r] = 1;
                queue[tail++] = r;
            }
        }
    }
    if (rc == 0) reverse_free(&rv);
    free(queue);
    free(need);
    free(sat);
    return rc;
}

/* The next successor of v after position (*item, *pos) among ranks that cannot
 * progress, or -1; advances the position. */
static int32_t next_stuck(const wf_node *v, const uint8_t *can, uint32_t *item, uint32_t *pos)
{
    for (; *item < v->nitems; (*item)++, *pos = 0) {
        const wf_item *it = &v->items[*item];
        while (it->done == WD_NONE && *pos < it->n) {
            int32_t w = it->ranks[(*pos)++];
            if (!can[w]) return w;
        }
    }
    return -1;
}

/* One cycle through deadlock d (a strongly connected component of comp[] == id): from
 * its lowest rank, follow the first successor inside it until a rank repeats. */
static int find_cycle(const wf_graph *g, const uint8_t *can, const int32_t *comp, int32_t id, wf_deadlock *d,
                      int32_t *seen)
{
    int32_t *walk = malloc((size_t)d->n * sizeof *walk);
    uint32_t len = 0;
    int32_t v = d->ranks[0];
    if (!walk) return -1;
    while (seen[v] < 0) {
        seen[v] = (int32_t)len;
        walk[len++] = v;
        uint32_t item = 0, pos = 0;
        int32_t w;
        while ((w = next_stuck(&g->nodes[v], can, &item, &pos)) >= 0 && comp[w] != id)
            ;
        v = w; /* a member of a non-trivial component always has a successor inside it */
    }
    d->ncycle = len - (uint32_t)seen[v];
    d->cycle = malloc(d->ncycle * sizeof *d->cycle);
    if (d->cycle) memcpy(d->cycle, walk + seen[v], d->ncycle * sizeof *walk);
    for (uint32_t i = 0; i < len; i++) seen[walk[i]] = -1;
    free(walk);
    return d->cycle ? 0 : -1;
}

/* Records the component popped from Tarjan's stack (members[k..]) as a deadlock when it
 * holds a cycle: more than one rank, or one that waits on itself. */
static int add_component(wf_graph *g, const uint8_t *can, int32_t *comp, int32_t id, const int32_t *members, uint32_t k,
                         int32_t *seen)
{
    wf_node *first = &g->nodes[members[0]];
    if (k == 1 && !wf_waits_on(first, first->rank, NULL)) return 0;
    wf_deadlock *ds = realloc(g->deadlocks, (g->ndeadlocks + 1) * sizeof *ds);
    if (!ds) return -1;
    g->deadlocks = ds;
    wf_deadlock *d = &ds[g->ndeadlocks];
    *d = (wf_deadlock){malloc(k * sizeof *d->ranks), k, NULL, 0};
    if (!d->ranks) return -1;
    memcpy(d->ranks, members, k * sizeof *members);
    qsort(d->ranks, k, sizeof *d->ranks, cmp_i32);
    for (uint32_t i = 0; i < k; i++) g->nodes[members[i]].deadlock = (int32_t)g->ndeadlocks;
    g->ndeadlocks++;
    return find_cycle(g, can, comp, id, d, seen);
}

/* Tarjan's strongly connected components over the ranks that cannot progress,
 * iteratively (a million ranks would overflow a recursive walk). */
struct tarjan {
    int32_t *index, *low, *stack, *comp, *seen;
    uint8_t *on;
    struct frame {
        int32_t v;
        uint32_t item, pos;
    } * frames;
    int32_t next, sp, ncomp;
};

static int pop_component(wf_graph *g, const uint8_t *can, struct tarjan *t, int32_t v)
{
    int32_t top = t->sp, w;
    do {
        w = t->stack[--t->sp];
        t->on[w] = 0;
        t->comp[w] = t->ncomp;
    } while (w != v);
    return add_component(g, can, t->comp, t->ncomp++, t->stack + t->sp, (uint32_t)(top - t->sp), t->seen);
}

static int tarjan_from(wf_graph *g, const uint8_t *can, struct tarjan *t, int32_t root)
{
    int32_t depth = 0;
    t->frames[depth++] = (struct frame){root, 0, 0};
    t->index[root] = t->low[root] = t->next++;
    t->stack[t->sp++] = root, t->on[root] = 1;
    while (depth > 0) {
        struct frame *fr = &t->frames[depth - 1];
        int32_t v = fr->v, w = next_stuck(&g->nodes[v], can, &fr->item, &fr->pos);
        if (w >= 0 && t->index[w] < 0) {
            t->index[w] = t->low[w] = t->next++;
            t->stack[t->sp++] = w, t->on[w] = 1;
            t->frames[depth++] = (struct frame){w, 0, 0};
        } else if (w >= 0) {
            if (t->on[w] && t->index[w] < t->low[v]) t->low[v] = t->index[w];
        } else {
            if (t->low[v] == t->index[v] && pop_component(g, can, t, v) < 0) return -1;
            if (--depth > 0 && t->low[v] < t->low[t->frames[depth - 1].v]) t->low[t->frames[depth - 1].v] = t->low[v];
        }
    }
    return 0;
}

/* Ranks that cannot progress become WS_DEADLOCK (on a cycle) or WS_STUCK. */
static int find_deadlocks(wf_graph *g, const uint8_t *can)
{
    size_t n = (size_t)g->n;
    struct tarjan t = {malloc(n * sizeof(int32_t)),
                       malloc(n * sizeof(int32_t)),
                       malloc(n * sizeof(int32_t)),
                       malloc(n * sizeof(int32_t)),
                       malloc(n * sizeof(int32_t)),
                       calloc(n, 1),
                       malloc(n * sizeof *t.frames),
                       0,
                       0,
                       0};
    int rc = t.index && t.low && t.stack && t.comp && t.seen && t.on && t.frames ? 0 : -1;
    for (size_t r = 0; rc == 0 && r < n; r++) t.index[r] = t.seen[r] = t.comp[r] = -1;
    for (int32_t r = 0; rc == 0 && r < g->n; r++)
        if (!can[r] && t.index[r] < 0) rc = tarjan_from(g, can, &t, r);
    for (int32_t r = 0; rc == 0 && r < g->n; r++)
        if (!can[r]) g->nodes[r].state = g->nodes[r].deadlock >= 0 ? WS_DEADLOCK : WS_STUCK;
    free(t.index);
    free(t.low);
    free(t.stack);
    free(t.comp);
    free(t.seen);
    free(t.on);
    free(t.frames);
    return rc;
}

int wf_analyse(wf_graph *g)
{
    uint8_t *can = calloc(g->n ? (size_t)g->n : 1, 1);
    int rc = can && mark_progress(g, can) == 0 && find_deadlocks(g, can) == 0 ? 0 : -1;
    free(can);
    return rc;
}
