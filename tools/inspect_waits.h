/*
 * inspect_waits.h - the wait-for graph of one snapshot (built by inspect_waits.c,
 * analysed by inspect_deadlock.c, printed by inspect_waits_out.c).
 *
 * Each rank is a node. A rank inside a blocking MPI call waits on items: a receive on
 * a message from one rank, or from any member of the communicator (MPI_ANY_SOURCE); a
 * send on its destination; a collective on every member that has not arrived. The
 * node's semantics say how items combine: AND (MPI_Wait, MPI_Waitall, a collective:
 * all must be satisfied) or OR (MPI_Waitany, MPI_Waitsome: one is enough); within an
 * item any one of its ranks is enough. An item is satisfied up front when the snapshot
 * shows it will be: a matching message is in transit into the rank, the receiver has a
 * matching receive posted or has received the message already.
 *
 * A rank can progress when it is not waiting, or when its items (AND: all, OR: one)
 * are satisfied or wait on ranks that can progress; what cannot is deadlocked. The
 * deadlocked ranks on a cycle of waits (a non-trivial strongly connected component)
 * form a deadlock; the others are blocked by one. This is the usual AND-OR (knot)
 * analysis: it never calls a rank deadlocked when some order of events could free it,
 * given the wait-for semantics of MPI, with small standard sends buffered (below).
 */
#ifndef MPISNAP_INSPECT_WAITS_H
#define MPISNAP_INSPECT_WAITS_H

#include "snapfile.h"

/* qsort/bsearch order of int32_t (inspect_util.c). */
int cmp_i32(const void *a, const void *b);

typedef enum {
    WS_IDLE,      /* not in an MPI call: computing, or between calls */
    WS_FREE,      /* in an MPI call that waits on no other rank */
    WS_UNKNOWN,   /* in a blocking call the snapshot does not describe well enough */
    WS_COMPLETES, /* in a blocking call that will complete (a message in transit, ...) */
    WS_WAITING,   /* waits on other ranks, and can progress */
    WS_DEADLOCK,  /* on a cycle of ranks none of which can ever progress */
    WS_STUCK      /* can never progress: waits on a deadlock, not on a cycle itself */
} wf_state;

/* Why an item is satisfied without waiting. */
typedef enum {
    WD_NONE,     /* it waits */
    WD_TRANSIT,  /* a matching message is in transit into the rank (from `peer`) */
    WD_POSTED,   /* the destination `peer` has a matching receive posted */
    WD_RECEIVED, /* the destination `peer` has received the message already */
    WD_BUFFERED, /* a standard send of `bytes` to `peer`, small enough for MPI to buffer */
    WD_NOWAIT,   /* nothing to wait for (MPI_PROC_NULL, a buffered send, a matched message) */
    WD_UNKNOWN   /* not described by the snapshot: assumed to complete */
} wf_done;

typedef struct wf_item {
    int32_t *ranks; /* world ranks, sorted, distinct: any one of them can satisfy it */
    uint32_t n;
    wf_done done;
    int32_t peer;   /* the rank named by `done` */
    uint64_t bytes; /* WD_BUFFERED: the message size */
} wf_item;

typedef struct wf_node {
    int32_t rank;
    char call[SF_NAME_MAX]; /* the recorded call, control characters replaced */
    char desc[512];         /* "MPI_Recv(src=5, tag=7, comm=WORLD)" */
    char note[160];         /* WS_FREE, WS_UNKNOWN, WS_COMPLETES: why */
    char hint[96];          /* a waiting receive: the near miss in transit, or "" */
    int any;                /* OR over the items (else AND) */
    int collective;         /* the items are the members that have not arrived */
    wf_item *items;
    uint32_t nitems;
    wf_state state;
    int32_t deadlock; /* index into wf_graph.deadlocks, or -1 */
} wf_node;

typedef struct wf_deadlock {
    int32_t *ranks; /* sorted */
    uint32_t n;
    int32_t *cycle;  /* one cycle through them: cycle[i] waits for cycle[i+1], the last */
    uint32_t ncycle; /* for the first */
} wf_deadlock;

typedef struct wf_graph {
    int32_t n;
    wf_node *nodes; /* [n], nodes[r].rank == r */
    wf_deadlock *deadlocks;
    uint32_t ndeadlocks;
} wf_graph;

/* Builds and analyses the graph of f, whose ranks must all be loaded. A standard-mode
 * send of at most `eager` bytes is taken as buffered by MPI (the eager protocol) and
 * waits for no one; 0 keeps MPI's strict semantics, under which a program that
 * deadlocks without buffering is reported (an "unsafe" program). NULL when out of
 * memory. The graph owns everything it points to; free it with wf_free. */
wf_graph *wf_build(sf_file *f, uint64_t eager);
void wf_free(wf_graph *g);

/* Analyses a graph whose nodes and items are built, and whose states other than
 * WS_WAITING are final: ranks that cannot progress become WS_DEADLOCK or WS_STUCK, and
 * the deadlocks are listed (inspect_deadlock.c). Returns 0, or -1 when out of memory. */
int wf_analyse(wf_graph *g);

/* Does node wait on rank t through a pending item? (An edge node -> t.) Sets *or_edge
 * when the edge is one of several alternatives. */
int wf_waits_on(const wf_node *node, int32_t t, int *or_edge);

#endif
