/*
 * inspect_stacks.h - where the ranks are, by name: frames named offline
 * (inspect_sym.c), the call-prefix tree over all ranks (inspect_tree.c), and the
 * progress between snapshots of one job (inspect_progress.c). Each part is a set of
 * functions over already-read files (every rank read: see inspect.h), so that other
 * outputs (an HTML report) can reuse them: the tree and the progress view are
 * computed into plain structures, then written as text, JSON, DOT or SVG.
 */
#ifndef MPISNAP_INSPECT_STACKS_H
#define MPISNAP_INSPECT_STACKS_H

#include "inspect.h"

/* ---- inspect_sym.c: naming recorded frames ---- */

enum sym_source {
    SYM_DEBUG,    /* function and file:line from DWARF debug information */
    SYM_SYMTAB,   /* function from the ELF symbol table (no debug information) */
    SYM_NONE,     /* the module has no name for this address: module+offset */
    SYM_MISSING,  /* the module cannot be opened (moved, deleted, not a file) */
    SYM_MISMATCH, /* the module on disk is not the one that ran (build-id differs) */
    SYM_RAW       /* not a "module+0xoffset" frame (format 2 files): the text as is */
};

/* One named frame. A recorded frame gives one sym_frame, or several when functions
 * were inlined there: the innermost first, each with inlined = 1 except the last (the
 * function the code was inlined into). Strings are owned by the symboliser's cache
 * and live until sym_release(). */
typedef struct sym_frame {
    enum sym_source source;
    const char *func;     /* function name; NULL for SYM_NONE, SYM_MISSING, SYM_MISMATCH */
    const char *file;     /* source file (as in the debug information), NULL if unknown */
    int line;             /* 0 if unknown */
    int inlined;          /* this function was inlined into the next frame's */
    const char *module;   /* the module's path as recorded (the raw text for SYM_RAW) */
    const char *build_id; /* as recorded, "" if none */
    uint64_t offset;      /* the frame's address in the module (ELF virtual address) */
    uint64_t sym_offset;  /* SYM_SYMTAB: the address's offset from the symbol's start */
} sym_frame;

/* The named frames of the recorded frame string `frame` (a stack entry of a file):
 * sets *out to them and returns how many (at least 1). Modules are opened once, with
 * elfutils' libdwfl, and looked up by path; separate debug files are found through
 * the build-id (/usr/lib/debug/.build-id) or .gnu_debuglink. Never fails: whatever
 * cannot be named is given as module+offset with the reason in `source`. */
size_t sym_resolve(const char *frame, const sym_frame **out);
/* Writes one frame as a person reads it: "wait_here (dlg.c:42)", "helper (dlg.c:30)
 * [inlined]", "__libc_start_main+0x85 (libc.so.6)", "libfoo.so+0x1234", "dlg+0x139d
 * (binary changed since the run)". */
void sym_put(FILE *out, const sym_frame *fr);
/* The same fields as JSON: function, file, line, inlined, module, build_id, offset,
 * source ("debug", "symtab", "none", "missing", "mismatch", "raw"), text (sym_put). */
void sym_json(json *j, const sym_frame *fr);
/* One line per module whose frames could not be named, why and what to do (after the
 * frames were resolved); "" when there is none. Text: "note: ..." lines; JSON: an
 * array of {module, build_id, problem}. */
void sym_notes_text(FILE *out);
void sym_notes_json(json *j);
/* Frees the cache (every sym_frame given so far becomes invalid). */
void sym_release(void);

/* Writes a sorted rank list compactly: "0-3,7,9-12" (runs of two or more as ranges);
 * after max ranges (0: no limit) ",...". */
void put_ranks_compact(FILE *out, const int32_t *ranks, size_t n, size_t max);

/* ---- inspect_tree.c: the call-prefix tree (STAT's 2D tree) ---- */

/* A node is a frame reached by the same path from the root (outermost frame first,
 * the MPI call as the last level); the edge into it carries the ranks that went
 * through it. A class is a set of ranks with the same whole path (an equivalence
 * class), numbered from 0, largest first. */
typedef struct tree_node {
    char *label;    /* the frame (sym_put), or the MPI call at the leaves */
    int32_t *ranks; /* ranks through this node, ascending */
    uint32_t nranks;
    int32_t cls;                        /* the class whose ranks are exactly these, -1 if none */
    uint32_t parent;                    /* index of the parent; the root is node 0 (no frame) */
    uint32_t first_child, next_sibling; /* 0: none (0 is the root, never a child) */
} tree_node;

typedef struct call_tree {
    tree_node *nodes;
    uint32_t nnodes;
    uint32_t nclasses;
    int32_t nranks;
} call_tree;

/* Builds f's tree; returns 0 or -1 (out of memory; nothing to free). */
int tree_build(sf_file *f, call_tree *t);
void tree_free(call_tree *t);
/* Text: one node per line, indented under its parent, "count [ranks] label". */
void tree_text(FILE *out, const char *path, const call_tree *t);
/* JSON: {file, nranks, classes, nodes: [{id, parent (0: a top frame), depth (1 at the
 * top), frame, count, ranks ("0-3,7"), class (1.., 0: several), leaf}] in preorder},
 * flat because stacks nest deeper than the JSON writer does. */
void tree_json(json *j, const char *path, const call_tree *t);
/* Graphviz text, top-down, edges labelled "count: ranks", each class in one colour.
 * Returns 0 or -1 (out of memory). */
int tree_dot(FILE *out, const call_tree *t);
/* SVG (through Graphviz's dot) to out. Returns 0, or EXIT_REFUSED after one line on
 * stderr (Graphviz missing or failing). */
int tree_svg(FILE *out, const call_tree *t);

/* ---- inspect_progress.c: progress between snapshots of one job ---- */

typedef struct rank_progress {
    int32_t rank;
    uint64_t sent, recvd; /* application messages since the earlier snapshot */
    uint64_t colls;       /* collectives entered since (all communicators) */
    int call_changed;     /* the MPI call or its arguments differ */
    int stack_changed;    /* the recorded stack differs */
    int stuck;            /* nothing above changed: no progress at all */
    char call_before[SF_NAME_MAX], call_after[SF_NAME_MAX];
    double seconds_in_call; /* in the later snapshot */
} rank_progress;

typedef struct progress {
    int32_t nranks;
    uint64_t id_before, id_after; /* snapshot ids */
    double t_before, t_after;     /* their start times */
    rank_progress *ranks;         /* [nranks] */
    uint32_t nstuck;
} progress;

/* Refuses files of different jobs: returns 0 when a and b are snapshots of one job (the
 * same job_key and size) taken at different times, else -1 with one line in err, which
 * ends with purpose ("progress compares snapshots of one job"). */
int progress_same_job(const char *pa, sf_file *a, const char *pb, sf_file *b, const char *purpose, char *err,
                      size_t errlen);
/* A series of snapshots of one job (progress, report): every file opened with all its
 * ranks read, oldest first by snapshot id, into paths[] and fs[]; files of different
 * jobs, or one snapshot twice, are refused in one line ending with purpose. Returns 0,
 * or EXIT_REFUSED with nothing left open. */
int series_open(int n, const char *const *files, const char *purpose, const char **paths, sf_file **fs);
void series_close(int n, sf_file **fs);
/* The progress from a (earlier) to b (later). Returns 0 or -1 (out of memory). */
int progress_compute(sf_file *a, sf_file *b, progress *p);
void progress_free(progress *p);
void progress_text(FILE *out, const char *pa, const char *pb, const progress *p);
void progress_json(json *j, const char *pa, const char *pb, const progress *p);
/* `progress FILE...`: opens every file (refused: exit EXIT_REFUSED), orders them by
 * snapshot id, refuses files of different jobs with one line, and shows every interval
 * (text on stdout, or one JSON object into j); with three or more files, the ranks
 * that made no progress in any interval. Returns 0 or EXIT_REFUSED. */
int progress_run(int nfiles, const char *const *paths, json *j);

#endif
