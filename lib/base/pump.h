/*
 * pump.h - progress: every module with work in flight gets a turn.
 *
 * The library has no thread of its own that calls MPI: its work (control messages,
 * draining channels, parts on their way, synchronous acknowledgements, requests the
 * application freed while active) advances when the application calls MPI. Each module
 * registers one client: a poll that does what can be done now and never blocks. It says
 * it has work by setting its bit in pump_work while the work lasts, so "is there
 * anything to do" (idle, in wait.c) is one load, not a round of questions.
 *
 * Asynchronous requests (SIGUSR1, the ticker thread's interval and watchdog, the region
 * writer threads) only raise flags in snap_async: a signal handler or another thread
 * must not call MPI. The next progress pass acts on them.
 */
#ifndef MPISNAP_PUMP_H
#define MPISNAP_PUMP_H

#include "snap.h"

enum {
    WORK_RECORDING = 1u << 0,  /* engine: recording channel states; every call serves it */
    WORK_PENDING = 1u << 1,    /* engine: a snapshot wanted, or a newer epoch being waited for */
    WORK_WAITING = 1u << 2,    /* engine: part sent, the job-wide DONE not yet here */
    WORK_SAFEPOINT = 1u << 3,  /* a snapshot waits for this rank's safe point */
    WORK_PROTO = 1u << 4,      /* the protocol has an operation in flight */
    WORK_CTL_IN = 1u << 5,     /* a control message arrived, not yet dispatched */
    WORK_CTL_OUT = 1u << 6,    /* control sends in flight */
    WORK_SYNC = 1u << 7,       /* synchronous sends wait for their acknowledgement */
    WORK_ORPHANS = 1u << 8,    /* requests the application freed while active */
    WORK_COLLECT = 1u << 9,    /* parts of snapshots on their way */
    WORK_COLLECTOR = 1u << 10, /* the collector's answers on their way */
};
/* Bits that make every MPI call serve the engine (snap_poll), and bits that forbid a
 * wait loop to give the CPU away (wait.c). */
#define WORK_EVERY_CALL (WORK_RECORDING | WORK_SYNC)
#define WORK_NO_YIELD   (WORK_RECORDING | WORK_SYNC | WORK_SAFEPOINT | WORK_PROTO | WORK_CTL_IN)

extern unsigned pump_work;
static inline void pump_set(unsigned bit, int on)
{
    if (on)
        pump_work |= bit;
    else
        pump_work &= ~bit;
}

typedef struct pump_client {
    const char *name;
    void (*poll)(void);        /* do what can be done now; never blocks (optional) */
    int (*peek)(void);         /* optional: a cheap look whether poll would find something */
    void (*spin)(unsigned it); /* optional: a wait loop still waits (it: its iteration) */
} pump_client;
/* Clients are polled in the order they registered (at most 16); pump_register_first
 * puts one ahead of those already there. */
void pump_register(const pump_client *c);
void pump_register_first(const pump_client *c);
/* A wait loop is still waiting: every client's spin (wait.c, before its progress). */
void pump_spin(unsigned it);
/* Serve the library's work once (re-entry guarded: MPI calls the library makes itself
 * do not come back here). Called from every wait loop and, rarely, from non-blocking
 * calls. May record a snapshot. */
void snap_progress(void);
/* Any client's peek. */
int pump_peek(void);

/* SIGUSR1s that arrive within this many seconds of the first are one request (engine.c) */
#define SNAP_SIGNAL_BURST_S 1.0

typedef struct snap_async_flags {
    volatile sig_atomic_t attention; /* something below wants the engine */
    volatile sig_atomic_t sig, timer, hang, hang_repeat;
    volatile double sig_burst_t; /* when the first SIGUSR1 of the latest burst arrived */
    int api;
    unsigned tick; /* snap_poll's call count */
} snap_async_flags;
extern snap_async_flags snap_async;

#endif
