/*
 * sim.h - what the parts of the simulated network share (see sim.c): the run's settings,
 * the messages, the simulated ranks, the statistics. sim.c drives the run and provides
 * the network; sim_check.c is the record, the collector and the checker of every snapshot.
 */
#ifndef MPISNAP_SIM_H
#define MPISNAP_SIM_H

#include "engine.h"
#include "hooks.h"
#include "pump.h"
#include "wait.h"
#include "xport.h"

typedef struct run_cfg {
    int n; /* ranks */
    const snap_proto *proto;
    uint64_t seed;
    int steps;          /* application actions per rank */
    int snapshots;      /* snapshots asked for (some at once on several ranks) */
    unsigned max_delay; /* a message arrives within this many ticks */
    int rounds;         /* --scale: synchronous rounds, every delay 1 */
    int verbose;
} run_cfg;
extern run_cfg cfg;

typedef struct amsg {
    int src, dst, tag;
    wire_hdr hdr;
    int64_t amount;
    uint64_t id;
    uint64_t arrive;          /* tick */
    int state;                /* M_NET, M_HELD, M_DONE */
    uint32_t delivered_epoch; /* the receiver's epoch when it delivered it */
} amsg;
enum { M_NET, M_HELD, M_DONE };
typedef struct payload {
    int64_t amount;
    uint64_t id;
} payload;
extern amsg *msgs; /* every message of the run, by id */
extern size_t nmsgs;

/* a FIFO of message ids */
typedef struct idq {
    uint64_t *v;
    size_t head, len, cap;
} idq;

typedef struct cmsg {
    uint64_t arrive, order;
    int src;
    ctl_msg m;
} cmsg;
typedef struct heap {
    cmsg *v;
    size_t len, cap;
} heap;

enum { A_RUN, A_RECV, A_BARRIER, A_FINAL, A_DONE };
typedef struct rank {
    /* swapped in and out: the engine's and the protocol's state, the counters, flags */
    void *engine_state, *ly_state;
    snap_counters count;
    snap_async_flags async;
    unsigned work;
    /* the application */
    int64_t balance;
    int step, action, want_src, want_tag, barrier;
    idq held;          /* taken out of the network, not yet delivered */
    idq *in;           /* per source: messages in flight to this rank */
    uint64_t inflight; /* messages to it not yet delivered */
    heap ctl;
    /* Lai-Yang's reduce-scatter: rounds started, and where its result goes */
    int sum_round;
    uint64_t *sum_out;
    uint64_t sum_ready_at;
    /* records of snapshots: the balance at each */
    int64_t *rec_balance;
    size_t rec_cap;
} rank;
extern rank *R;
extern int cur; /* the rank whose state is swapped in */
extern uint64_t now, ctl_order;
extern int64_t total_money;

typedef struct stats {
    uint64_t ctl[CTL_TYPES];
    uint64_t sum_msgs; /* point-to-point messages of the reduce-scatters (modelled) */
    uint64_t snapshots, checked, app_msgs, in_transit;
    uint64_t first_ask, last_done;
    uint64_t by_message, by_control, initiated; /* how ranks came to record */
} stats;
extern stats S;

/* The run's seed in a line, then exit 1. */
void die(const char *what);
/* Swap rank r's engine state in. */
void switch_to(int r);
/* When a message sent now from src arrives at dst (non-overtaking per pair). */
uint64_t delay(int src, int dst);
void heap_push(heap *h, cmsg c);

#endif
