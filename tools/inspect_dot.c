/*
 * inspect_dot.c - pictures: `summary --dot/--svg` (the job: ranks and the channels
 * with messages in transit) and the output path shared with `waits --dot/--svg`.
 *
 * The Graphviz text is built in memory and written as is (--dot) or piped through
 * `dot -Tsvg` (--svg), whose SVG goes straight to our stdout. The job picture pins
 * every rank in place (neato with fixed positions, chosen by the `layout` graph
 * attribute, so `dot -Tsvg` on the --dot output draws the same picture): rank r on a
 * circle in rank order up to 96 ranks, in a square grid beyond, so that 64 ranks stay
 * readable (a layered layout of an all-to-all pattern is not) and a rank is always
 * found in the same place. Labels are kept to the rank and its call without "MPI_";
 * strings from the file are escaped for DOT.
 */
#define _POSIX_C_SOURCE 200809L

#include "inspect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void dot_escape(FILE *out, const char *s)
{
    char buf[4096];
    for (const char *p = clean(s, buf, sizeof buf); *p; p++) {
        if (*p == '"' || *p == '\\') fputc('\\', out);
        fputc(*p, out);
    }
}

/* Is Graphviz's `dot` an executable somewhere in PATH? */
static int have_dot(void)
{
    const char *path = getenv("PATH");
    char dir[4096];
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(dir, sizeof dir, "%.*s/dot", (int)n, p);
        if (n > 0 && access(dir, X_OK) == 0) return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

int emit_graph(const char *dot, size_t len, enum output o)
{
    if (o == OUT_DOT) return fwrite(dot, 1, len, stdout) == len ? 0 : EXIT_REFUSED;
    return svg_from_dot(dot, len, stdout);
}

/* Runs `dot -Tsvg` with the graph (in an unlinked temporary file) as its input and a
 * pipe as its output, copied to out. Returns 0 or -1. */
static int run_dot(const char *dot, size_t len, FILE *out)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/mpisnap-dot-XXXXXX", dir && *dir ? dir : "/tmp");
    int in = mkstemp(path), p[2] = {-1, -1}, ok = in >= 0;
    if (in >= 0) unlink(path);
    ok = ok && write(in, dot, len) == (ssize_t)len && lseek(in, 0, SEEK_SET) == 0 && pipe(p) == 0;
    pid_t pid = ok ? fork() : -1;
    if (pid == 0) {
        dup2(in, 0);
        dup2(p[1], 1);
        close(p[0]);
        execlp("dot", "dot", "-Tsvg", (char *)NULL);
        _exit(127);
    }
    if (p[1] >= 0) close(p[1]);
    char buf[65536];
    ssize_t n;
    while (pid > 0 && (n = read(p[0], buf, sizeof buf)) > 0) ok = ok && fwrite(buf, 1, (size_t)n, out) == (size_t)n;
    int st = 0;
    if (pid > 0) waitpid(pid, &st, 0);
    if (p[0] >= 0) close(p[0]);
    if (in >= 0) close(in);
    return pid > 0 && ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int svg_from_dot(const char *dot, size_t len, FILE *out)
{
    if (!have_dot()) {
        fprintf(stderr, "mpisnap-inspect: --svg needs Graphviz's 'dot' program, which is not "
                        "in PATH (install the graphviz package, or use --dot)\n");
        return EXIT_REFUSED;
    }
    if (fflush(out) != 0 || run_dot(dot, len, out) < 0) {
        fprintf(stderr, "mpisnap-inspect: running Graphviz ('dot -Tsvg') failed\n");
        return EXIT_REFUSED;
    }
    return 0;
}

/* ---- the job picture ---- */

static const char *call_color(const char *call)
{
    if (!call[0]) return "white";
    if (strstr(call, "recv") || strstr(call, "Recv") || strstr(call, "Probe")) return "#cfe2f3"; /* receiving */
    if (strstr(call, "send") || strstr(call, "Send")) return "#fff2cc";                          /* sending */
    if (strncmp(call, "MPI_Wait", 8) == 0) return "#d9d2e9"; /* waiting on requests */
    return "#e6e6e6";                                        /* collectives and the rest */
}

struct chan {
    int32_t src;
    uint64_t bytes;
};

static int cmp_chan(const void *a, const void *b)
{
    const struct chan *x = a, *y = b;
    return (x->src > y->src) - (x->src < y->src);
}

/* The channels into k with messages in transit, aggregated by source into v[] (room for
 * k->nmsgs); returns how many. */
static uint32_t channels_into(const sf_rank *k, struct chan *v, uint32_t *count)
{
    struct chan *m = malloc((k->nmsgs ? k->nmsgs : 1) * sizeof *m);
    uint32_t n = 0;
    if (!m) return UINT32_MAX;
    for (uint32_t i = 0; i < k->nmsgs; i++) m[i] = (struct chan){k->msgs[i].src, k->msgs[i].bytes};
    qsort(m, k->nmsgs, sizeof *m, cmp_chan);
    for (uint32_t i = 0, j; i < k->nmsgs; i = j, n++) {
        v[n] = (struct chan){m[i].src, 0};
        for (j = i; j < k->nmsgs && m[j].src == m[i].src; j++) v[n].bytes += m[j].bytes;
        count[n] = j - i;
    }
    free(m);
    return n;
}

/* One edge per channel src -> k with messages in transit: "3 msgs, 24 B", or, when the
 * picture is dense, a thin unlabelled line (node labels then carry the totals). */
static int channel_edges(FILE *out, const sf_rank *k, int dense)
{
    struct chan *v = malloc((k->nmsgs ? k->nmsgs : 1) * sizeof *v);
    uint32_t *count = malloc((k->nmsgs ? k->nmsgs : 1) * sizeof *count);
    uint32_t n = v && count ? channels_into(k, v, count) : UINT32_MAX;
    for (uint32_t i = 0; n != UINT32_MAX && i < n; i++) {
        char b[32];
        if (dense)
            fprintf(out, "  r%d -> r%d;\n", v[i].src, k->rank);
        else
            fprintf(out, "  r%d -> r%d [label=\"%u msg%s, %s\"];\n", v[i].src, k->rank, count[i], plural(count[i]),
                    human_bytes(v[i].bytes, b, sizeof b));
    }
    free(v);
    free(count);
    return n == UINT32_MAX ? -1 : 0;
}

/* Where rank r of n goes, in inches: a circle wide enough for n boxes, or a grid. */
static void position(int32_t r, int32_t n, double *x, double *y)
{
    const double pi = 3.14159265358979323846;
    if (n <= 96) {
        double radius = fmax(1.2, n * 1.3 / (2 * pi));
        *x = radius * sin(2 * pi * r / n);
        *y = radius * cos(2 * pi * r / n);
    } else {
        int32_t cols = (int32_t)ceil(sqrt((double)n));
        *x = 1.3 * (r % cols);
        *y = -0.9 * (r / cols);
    }
}

/* "12\nRecv" and, in a dense picture, "\n25 in, 200 B" (messages in transit into it). */
static void rank_node(FILE *out, const sf_rank *k, int32_t n, int dense)
{
    double x, y;
    char b[32];
    position(k->rank, n, &x, &y);
    fprintf(out, "  r%d [label=\"%d\\n", k->rank, k->rank);
    dot_escape(out, short_call(k->call));
    if (dense && k->nmsgs) fprintf(out, "\\n%u in, %s", k->nmsgs, human_bytes(msg_bytes(k), b, sizeof b));
    fprintf(out, "\", pos=\"%.2f,%.2f!\", fillcolor=\"%s\"%s];\n", x, y, call_color(k->call),
            k->initiator ? ", penwidth=2.5" : "");
}

/* Dense: more channels than two per rank; labels on every edge would hide the ranks. */
static int is_dense(sf_file *f, int32_t n, uint64_t *nmsgs)
{
    uint64_t channels = 0;
    for (int32_t r = 0; r < n; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        uint8_t *seen = calloc((size_t)n, 1);
        for (uint32_t i = 0; seen && i < k->nmsgs; i++)
            if (k->msgs[i].src >= 0 && k->msgs[i].src < n && !seen[k->msgs[i].src]++) channels++;
        free(seen);
        *nmsgs += k->nmsgs;
    }
    return channels > 2 * (uint64_t)n;
}

int summary_dot(sf_file *f, enum output o)
{
    const sf_job *jb = sf_job_info(f);
    uint64_t nmsgs = 0;
    int dense = is_dense(f, jb->nranks, &nmsgs), rc = 0;
    text t;
    if (text_open(&t) < 0) return EXIT_REFUSED;
    fprintf(t.f,
            "digraph job {\n  graph [layout=neato, labelloc=t, fontname=Helvetica, "
            "fontsize=12, label=\"snapshot %llu of ",
            (unsigned long long)jb->id);
    dot_escape(t.f, jb->program);
    fprintf(t.f,
            ": %d ranks, %llu message%s in transit%s (bold: initiators)\"];\n"
            "  node [shape=box, style=\"rounded,filled\", fontname=Helvetica, fontsize=9];\n"
            "  edge [fontname=Helvetica, fontsize=7, %s];\n",
            jb->nranks, (unsigned long long)nmsgs, plural(nmsgs), dense ? ", each rank showing those into it" : "",
            dense ? "color=\"#55555560\", penwidth=0.5, arrowsize=0.4" : "color=\"#555555\"");
    for (int32_t r = 0; r < jb->nranks; r++) rank_node(t.f, sf_get_rank(f, r, NULL, 0), jb->nranks, dense);
    for (int32_t r = 0; rc == 0 && r < jb->nranks; r++) rc = channel_edges(t.f, sf_get_rank(f, r, NULL, 0), dense);
    fputs("}\n", t.f);
    char *dot = text_close(&t);
    if (!dot || rc < 0) {
        free(dot);
        fprintf(stderr, "mpisnap-inspect: out of memory\n");
        return EXIT_REFUSED;
    }
    rc = emit_graph(dot, strlen(dot), o);
    free(dot);
    return rc;
}
