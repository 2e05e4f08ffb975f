/*
 * inspect_tree.c - `stacks --tree`: every rank's stack merged into one call-prefix
 * tree, as STAT's 2D tree: the outermost frame at the top, the MPI call in progress at
 * the leaves, and on each edge the number of ranks that went that way and their list,
 * compressed ("0-3,7,9-12"). Ranks with the same whole path form an equivalence class;
 * each class has a colour, and an edge whose ranks are exactly one class is drawn in
 * its colour, so that at a thousand ranks the few places the job is in read at a
 * glance. Frames are the names inspect_sym.c gives (function and file:line), so a
 * thousand processes of one position-independent binary share their nodes.
 */
#define _GNU_SOURCE

#include "inspect_stacks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEXT_RANGES 8 /* rank ranges shown on a line of text before "..." */
#define DOT_RANGES  4 /* ... and in a picture's label */

/* Class colours (ColorBrewer "Set3"/"Paired", light enough for black text). */
static const char *const palette[] = {"#8dd3c7", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#bebada",
                                      "#fccde5", "#ffffb3", "#bc80bd", "#ccebc5", "#ffed6f", "#a6cee3"};
#define NCOLORS (sizeof palette / sizeof palette[0])

struct build {
    call_tree *t;
    uint32_t cap;
    uint32_t *last_child; /* per node: its last child, to append in order */
    int32_t *end_class;   /* per node: class of the ranks whose path ends here, -1 */
    uint32_t *nend;       /* per node: how many ranks end here */
};

static int add_rank_to(tree_node *n, int32_t rank)
{
    if ((n->nranks & (n->nranks - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
        int32_t *v = realloc(n->ranks, (n->nranks ? 2 * (size_t)n->nranks : 1) * sizeof *v);
        if (!v) return -1;
        n->ranks = v;
    }
    n->ranks[n->nranks++] = rank;
    return 0;
}

/* The child of p labelled label, made if missing. Returns its index or 0 (no memory). */
static uint32_t child(struct build *b, uint32_t p, const char *label)
{
    call_tree *t = b->t;
    for (uint32_t c = t->nodes[p].first_child; c; c = t->nodes[c].next_sibling)
        if (strcmp(t->nodes[c].label, label) == 0) return c;
    if (t->nnodes == b->cap) {
        uint32_t cap = b->cap * 2;
        tree_node *v = realloc(t->nodes, cap * sizeof *v);
        uint32_t *l = realloc(b->last_child, cap * sizeof *l);
        if (v) t->nodes = v;
        if (l) b->last_child = l;
        if (!v || !l) return 0;
        b->cap = cap;
    }
    uint32_t c = t->nnodes++;
    t->nodes[c] = (tree_node){strdup(label), NULL, 0, -1, p, 0, 0};
    b->last_child[c] = 0;
    if (!t->nodes[c].label) return 0;
    if (b->last_child[p])
        t->nodes[b->last_child[p]].next_sibling = c;
    else
        t->nodes[p].first_child = c;
    b->last_child[p] = c;
    return c;
}

/* The labels of rank k's path, outermost first, the call last, into a NULL-ended
 * array of strings (freed by the caller). */
static char **path_of(const sf_rank *k, size_t *n)
{
    size_t cap = 8, len = 0;
    char **v = malloc(cap * sizeof *v);
    for (uint32_t i = k->nstack; v && i-- > 0;) {
        const sym_frame *fr;
        size_t m = sym_resolve(k->stack[i], &fr);
        for (size_t x = m; v && x-- > 0;) {
            text t;
            if (len + 2 > cap) {
                char **w = realloc(v, (cap *= 2) * sizeof *v);
                if (!w) break;
                v = w;
            }
            if (text_open(&t) < 0) break;
            sym_put(t.f, &fr[x]);
            v[len++] = text_close(&t);
        }
    }
    if (v) {
        char call[SF_NAME_MAX];
        v[len++] = strdup(k->call[0] ? clean(k->call, call, sizeof call) : "(not in MPI)");
    }
    *n = len;
    return v;
}

struct cls {
    uint32_t node, n;
    int32_t first;
};

static int cmp_cls(const void *a, const void *b)
{
    const struct cls *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

/* Numbers the classes (largest first) and gives every node whose ranks are exactly
 * one class that class. */
static int classify(struct build *b)
{
    call_tree *t = b->t;
    struct cls *c = malloc((t->nnodes + 1) * sizeof *c);
    char *multi = calloc(t->nnodes + 1, 1);
    uint32_t nc = 0;
    if (!c || !multi) {
        free(c);
        free(multi);
        return -1;
    }
    for (uint32_t i = 0; i < t->nnodes; i++)
        if (b->nend[i]) c[nc++] = (struct cls){i, b->nend[i], b->end_class[i]};
    qsort(c, nc, sizeof *c, cmp_cls);
    for (uint32_t k = 0; k < nc; k++) t->nodes[c[k].node].cls = (int32_t)k;
    t->nclasses = nc;
    /* children have larger indices than their parent: merge bottom-up */
    for (uint32_t i = t->nnodes; i-- > 1;) {
        tree_node *p = &t->nodes[t->nodes[i].parent];
        if (multi[i] || t->nodes[i].cls < 0)
            multi[t->nodes[i].parent] = 1;
        else if (p->cls < 0)
            p->cls = t->nodes[i].cls;
        else if (p->cls != t->nodes[i].cls)
            multi[t->nodes[i].parent] = 1;
    }
    for (uint32_t i = 0; i < t->nnodes; i++)
        if (multi[i]) t->nodes[i].cls = -1;
    free(c);
    free(multi);
    return 0;
}

int tree_build(sf_file *f, call_tree *t)
{
    int32_t n = sf_job_info(f)->nranks;
    struct build b = {t, 64, malloc(64 * sizeof(uint32_t)), NULL, NULL};
    *t = (call_tree){malloc(64 * sizeof(tree_node)), 1, 0, n};
    int rc = t->nodes && b.last_child ? 0 : -1;
    if (rc == 0) {
        t->nodes[0] = (tree_node){strdup(""), NULL, 0, -1, 0, 0, 0};
        b.last_child[0] = 0;
    }
    int32_t *leaf = malloc(((size_t)n + 1) * sizeof *leaf);
    rc = rc == 0 && leaf ? 0 : -1;
    for (int32_t r = 0; rc == 0 && r < n; r++) {
        size_t len = 0;
        char **path = path_of(sf_get_rank(f, r, NULL, 0), &len);
        uint32_t at = 0;
        rc = path && add_rank_to(&t->nodes[0], r) == 0 ? 0 : -1;
        for (size_t i = 0; rc == 0 && i < len; i++) {
            at = path[i] ? child(&b, at, path[i]) : 0;
            rc = at && add_rank_to(&t->nodes[at], r) == 0 ? 0 : -1;
        }
        leaf[r] = (int32_t)at;
        for (size_t i = 0; path && i < len; i++) free(path[i]);
        free(path);
    }
    b.nend = rc == 0 ? calloc(t->nnodes, sizeof *b.nend) : NULL;
    b.end_class = rc == 0 ? malloc(t->nnodes * sizeof *b.end_class) : NULL;
    rc = rc == 0 && b.nend && b.end_class ? 0 : -1;
    for (int32_t r = n; rc == 0 && r-- > 0;) /* first rank of each class: lowest */
        b.nend[leaf[r]]++, b.end_class[leaf[r]] = r;
    if (rc == 0) rc = classify(&b);
    free(leaf);
    free(b.last_child);
    free(b.nend);
    free(b.end_class);
    if (rc < 0) tree_free(t);
    return rc;
}

void tree_free(call_tree *t)
{
    for (uint32_t i = 0; t->nodes && i < t->nnodes; i++) {
        free(t->nodes[i].label);
        free(t->nodes[i].ranks);
    }
    free(t->nodes);
    *t = (call_tree){0};
}

/* ---- text and JSON ---- */

static void text_node(FILE *out, const call_tree *t, uint32_t i, char *prefix, size_t plen, int last)
{
    const tree_node *n = &t->nodes[i];
    char buf[SF_TEXT_MAX * 4];
    fprintf(out, "%.*s%s%u [", (int)plen, prefix, last ? "`- " : "|- ", n->nranks);
    put_ranks_compact(out, n->ranks, n->nranks, TEXT_RANGES);
    fprintf(out, "] %s", clean(n->label, buf, sizeof buf));
    if (!n->first_child && n->cls >= 0) fprintf(out, "  (class %d)", n->cls + 1);
    fputc('\n', out);
    if (plen + 4 > 4 * 256) /* deeper than 256 levels: the rest flush left */
        plen = 0;
    memcpy(prefix + plen, last ? "   " : "|  ", 3);
    for (uint32_t c = n->first_child; c; c = t->nodes[c].next_sibling)
        text_node(out, t, c, prefix, plen + 3, t->nodes[c].next_sibling == 0);
}

void tree_text(FILE *out, const char *path, const call_tree *t)
{
    char prefix[4 * 256 + 8];
    fprintf(out,
            "%s: %d rank%s, %u class%s (ranks with the same call path); outermost "
            "frame first, each line: ranks through it [their list]\n",
            path, t->nranks, plural((uint64_t)t->nranks), t->nclasses, t->nclasses == 1 ? "" : "es");
    for (uint32_t c = t->nodes[0].first_child; c; c = t->nodes[c].next_sibling)
        text_node(out, t, c, prefix, 0, t->nodes[c].next_sibling == 0);
    sym_notes_text(out);
}

static char *ranks_string(const tree_node *n, size_t max)
{
    text t;
    if (text_open(&t) < 0) return NULL;
    put_ranks_compact(t.f, n->ranks, n->nranks, max);
    return text_close(&t);
}

/* One node and, after it, its subtree (preorder), as flat objects: the JSON writer
 * nests only JSON_MAX_DEPTH levels, and a stack is deeper than that. */
static void json_node(json *j, const call_tree *t, uint32_t i, int depth)
{
    const tree_node *n = &t->nodes[i];
    char *r = ranks_string(n, 0);
    json_begin_object(j);
    json_kuint(j, "id", i);
    json_kuint(j, "parent", n->parent);
    json_kint(j, "depth", depth);
    json_kstring(j, "frame", n->label);
    json_kuint(j, "count", n->nranks);
    json_kstring(j, "ranks", r ? r : "");
    json_kint(j, "class", n->cls >= 0 ? n->cls + 1 : 0);
    json_kbool(j, "leaf", n->first_child == 0);
    json_end_object(j);
    free(r);
    for (uint32_t c = n->first_child; c; c = t->nodes[c].next_sibling) json_node(j, t, c, depth + 1);
}

void tree_json(json *j, const char *path, const call_tree *t)
{
    json_begin_object(j);
    json_kstring(j, "file", path);
    json_kint(j, "nranks", t->nranks);
    json_kuint(j, "classes", t->nclasses);
    json_key(j, "nodes");
    json_begin_array(j);
    for (uint32_t c = t->nodes[0].first_child; c; c = t->nodes[c].next_sibling) json_node(j, t, c, 1);
    json_end_array(j);
    json_key(j, "notes");
    sym_notes_json(j);
    json_end_object(j);
}

/* ---- pictures ---- */

static const char *class_color(int32_t cls) { return cls >= 0 ? palette[(uint32_t)cls % NCOLORS] : "black"; }

int tree_dot(FILE *out, const call_tree *t)
{
    fputs("digraph calltree {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", "
          "fillcolor=white, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", "
          "fontsize=9, penwidth=2];\n",
          out);
    fprintf(out,
            "  label=\"call-prefix tree: %d ranks, %u classes (ranks with the same path "
            "share a colour); edges: ranks through them\";\n  labelloc=t;\n",
            t->nranks, t->nclasses);
    for (uint32_t i = 1; i < t->nnodes; i++) {
        const tree_node *n = &t->nodes[i];
        fprintf(out, "  n%u [label=\"", i);
        dot_escape(out, n->label);
        if (!n->first_child && n->cls >= 0) fprintf(out, "\\nclass %d", n->cls + 1);
        fprintf(out, "\"%s%s%s];\n", n->cls >= 0 ? ", fillcolor=\"" : "", n->cls >= 0 ? class_color(n->cls) : "",
                n->cls >= 0 ? "\"" : "");
        if (n->parent == 0) continue;
        char *r = ranks_string(n, DOT_RANGES);
        if (!r) return -1;
        fprintf(out, "  n%u -> n%u [label=\"%u: [%s]\", color=\"%s\"];\n", n->parent, i, n->nranks, r,
                class_color(n->cls));
        free(r);
    }
    fputs("}\n", out);
    return ferror(out) ? -1 : 0;
}

int tree_svg(FILE *out, const call_tree *t)
{
    char *dot = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&dot, &len);
    if (!mem) return EXIT_REFUSED;
    int rc = tree_dot(mem, t);
    if (fclose(mem) != 0 || rc < 0) {
        free(dot);
        fputs("mpisnap-inspect: out of memory\n", stderr);
        return EXIT_REFUSED;
    }
    rc = svg_from_dot(dot, len, out);
    free(dot);
    return rc;
}
