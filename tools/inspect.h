/*
 * inspect.h - what the parts of mpisnap-inspect share: exit statuses, output modes,
 * text helpers (inspect_util.c), and the subcommands that live in their own files
 * (summary and stacks in inspect_summary.c, waits in inspect_waits*.c, pictures in
 * inspect_dot.c). Every part works on a file whose ranks have all been read already
 * (open_all in inspect_util.c), so sf_get_rank(f, r, NULL, 0) never fails inside them.
 */
#ifndef MPISNAP_INSPECT_H
#define MPISNAP_INSPECT_H

#include "inspect_json.h"
#include "snapfile.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_INCONSISTENT 1
#define EXIT_REFUSED      2 /* also usage errors and a missing Graphviz */
#define EXIT_DEADLOCK     3

enum output { OUT_TEXT, OUT_JSON, OUT_DOT, OUT_SVG };

/* ---- inspect.c ---- */

/* The whole tool but the crash guard of inspect_main.c: parses argv, shows every FILE,
 * returns the exit status (the fuzz targets in tests/fuzz call it in-process). */
int inspect_main(int argc, char **argv);

/* ---- inspect_util.c ---- */

/* The file being read, NULL outside of one (for the crash guard's message). */
extern const char *volatile inspect_reading;
/* --read-limit: seconds of CPU time that reading one file may take (0: no limit). */
extern double inspect_read_limit;
/* Set by the crash guard (NULL without it): starts the limit on reading inspect_reading,
 * or stops it (0). */
extern void (*inspect_read_timer)(double seconds);

/* s with control characters replaced by '?', cut to len-1 bytes. Returns buf. */
const char *clean(const char *s, char *buf, size_t len);
const char *human_bytes(uint64_t b, char *buf, size_t len);
const char *plural(uint64_t n);
uint64_t sum_u64(const uint64_t *v, int32_t n);
/* Payload bytes of the messages in transit into r. */
uint64_t msg_bytes(const sf_rank *r);
/* The call without its "MPI_" prefix ("Recv"), or "-" when not in MPI. */
const char *short_call(const char *call);
/* "0" (WORLD), "1" (SELF) or the id, as a name: "WORLD", "SELF", "3". Returns buf. */
const char *comm_name(int32_t id, char *buf, size_t len);
/* Writes a sorted rank list compressed into ranges: "0-511, 513-999" (runs of three or
 * more become ranges). */
void put_ranks(FILE *out, const int32_t *ranks, size_t n);
/* "rank 5" or "ranks 0, 4-9": put_ranks with the right noun in front. */
void put_rank_noun(FILE *out, const int32_t *ranks, size_t n);
/* A growable string: open with text_open, write with stdio, take with text_close
 * (the caller frees the result; NULL when out of memory). */
typedef struct text {
    FILE *f;
    char *buf;
    size_t len;
} text;
int text_open(text *t);
char *text_close(text *t);

/* Opens path and reads every rank, which verifies every checksum (inspect_util.c). NULL after
 * printing the one-line reason on stderr (and, with j, a "refused" JSON object). */
sf_file *open_all(const char *path, json *j);

/* The first 16 payload bytes of m in hex, `sep` between bytes, "..." when there are
 * more (inspect.c). Returns buf. */
const char *hex_preview(const sf_msg *m, const char *sep, char *buf, size_t len);

/* ---- inspect_report.c ---- */

/* `report FILE...`: one HTML page on stdout about the newest file, with the progress
 * across all of them (one job). Returns 0 or EXIT_REFUSED (after one line on stderr). */
int report_run(int nfiles, const char *const *paths);

/* ---- inspect_values.c ---- */

/* m's payload as values by its recorded signature: "MPI_DOUBLE[5]: 1.5 -2.25 ..."
 * (the first values, the element count in brackets). -1 and nothing written when the
 * datatype is not known or does not fit the payload: show bytes instead. */
int values_text(FILE *out, const sf_msg *m);
/* The same as JSON members "elements", "values_total" and "values" (the first 8). */
int values_json(json *j, const sf_msg *m);

/* ---- inspect_summary.c ---- */

void summary_text(const char *path, sf_file *f);
void summary_json(const char *path, sf_file *f, json *j);
/* Ranks grouped by call and call stack (as STAT does), one line per group. */
void stacks_text(const char *path, sf_file *f);
void stacks_json(const char *path, sf_file *f, json *j);

/* ---- inspect_dot.c ---- */

/* s (control characters replaced) with '"' and '\\' escaped for a DOT string. */
void dot_escape(FILE *out, const char *s);

/* The job as a Graphviz graph: one node per rank, an edge per channel with messages in
 * transit. Returns 0 or EXIT_REFUSED (message printed). */
int summary_dot(sf_file *f, enum output o);
/* Writes the Graphviz text dot[len] to stdout (OUT_DOT), or runs `dot -Tsvg` on it with
 * its output to stdout (OUT_SVG). Returns 0, or EXIT_REFUSED after one line on stderr
 * (Graphviz missing or failing). */
int emit_graph(const char *dot, size_t len, enum output o);
/* Runs `dot -Tsvg` on the Graphviz text dot[len], its SVG written to out. Returns 0, or
 * EXIT_REFUSED after one line on stderr (Graphviz missing or failing). */
int svg_from_dot(const char *dot, size_t len, FILE *out);

/* ---- inspect_waits_out.c ---- */

/* Standard sends up to this size are taken as buffered by MPI (Open MPI's eager limit
 * over shared memory, and mpisnap's own small-message path). */
#define EAGER_LIMIT_DEFAULT 4096

/* `waits`: the wait-for graph and its deadlocks (see inspect_waits.h for `eager`).
 * Returns 0, EXIT_DEADLOCK, or EXIT_REFUSED (out of memory, Graphviz missing). */
int waits_run(const char *path, sf_file *f, enum output o, uint64_t eager, json *j);
/* The same for the HTML report: the text (deadlocks, blocked ranks, verdict) and the
 * Graphviz graph, each a string the caller frees. Returns 0, EXIT_DEADLOCK, or
 * EXIT_REFUSED (out of memory; both NULL). */
int waits_parts(const char *path, sf_file *f, uint64_t eager, char **text, char **dot);
/* The picture's legend: the fill colour of node state s (0, 1, ...) and what it means
 * in *meaning; NULL past the last state. */
const char *waits_legend(int s, const char **meaning);

#endif
