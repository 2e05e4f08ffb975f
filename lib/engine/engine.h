/*
 * engine.h - the snapshot engine's interface: to the policies above it (safe points,
 * restart, the public API, MPI_Init/Finalize), to its protocol plug-ins, and the
 * snapshot in progress that record.c and collect.c fill and ship.
 */
#ifndef MPISNAP_ENGINE_H
#define MPISNAP_ENGINE_H

#include "chan.h"
#include "collect.h"
#include "ctl.h"
#include "cur.h"

/* A protocol: how a snapshot spreads and how channels close. The engine does the rest. */
typedef struct snap_proto {
    const char *name;
    /* the control message types it owns (0-terminated): only those reach on_ctl */
    uint32_t ctl_types[4];
    /* The rank has just recorded snapshot c->epoch: spread it (markers, notices). */
    void (*on_record)(const snap_cur *c);
    void (*on_ctl)(int src, const ctl_msg *m);
    /* Called from progress while a snapshot is active on this rank, or the protocol
     * has an operation in flight (it sets WORK_PROTO while it has). */
    void (*poll)(void);
    /* Snapshot `epoch` is abandoned; `recorded` says whether this rank had recorded it. */
    void (*on_abandon)(uint32_t epoch, int recorded);
    /* MPI_Finalize: complete whatever the protocol still has in flight. */
    void (*fini)(void);
} snap_proto;
extern const snap_proto snap_proto_cl, snap_proto_ly;

/* Restartable snapshots (safepoint.c) plug in here: a snapshot that must be recorded at
 * a safe point, and what the engine must ask about it. Without one, every snapshot is
 * recorded at once. */
typedef struct snap_sp_policy {
    int (*mode)(void);                                 /* the application marks safe points */
    uint32_t (*pending)(void);                         /* the snapshot waiting for this rank's safe point, or 0 */
    void (*begin)(const char *trigger, int initiator); /* take part in rec+1 at a safe point */
    void (*join)(int initiator);                       /* a trigger while one is pending: it is that one */
    void (*abandon_seen)(uint32_t epoch);              /* a message of an epoch this rank never recorded */
    void (*unreachable)(const char *where);            /* no safe point comes before it must end */
} snap_sp_policy;

void snap_engine_init(const snap_proto *proto);
void snap_engine_policy(const snap_sp_policy *sp);
void snap_engine_fini(void);

/* Record this rank's state for snapshot rec+1 now. */
void snap_record(const char *trigger, int initiator);
/* This rank must take part in snapshot rec+1: records now or, for a safe-point
 * snapshot (at_safepoint), at the safe point all ranks agree on (the policy). A marker
 * or notice of a snapshot this rank has no STOP for is an immediate one: some rank
 * initiated it before its first safe point, so every rank records at once. */
void snap_trigger(const char *trigger, int initiator, int at_safepoint);
/* Snapshot e is complete job-wide (the collector's word); or abandoned. */
void snap_engine_done(uint32_t epoch);
void snap_engine_abandon(uint32_t epoch);
/* Handlers of the protocols' news: channel i->this rank had `count` messages of older
 * epochs (markers); `total` such messages were sent to this rank (Lai-Yang). */
void snap_engine_marker(int src, uint32_t epoch, uint64_t count);
void snap_engine_total(uint32_t epoch, uint64_t total);
uint32_t snap_engine_recorded(void);  /* newest snapshot this rank recorded */
uint32_t snap_engine_completed(void); /* newest snapshot known complete (or abandoned) job-wide */
int snap_engine_recording(void);      /* recorded, channel states still open */
/* A restarted run: snapshot ids go on after `epoch`; no snapshot is taken before the
 * state is restored at the first safe point (snap_engine_restored). */
void snap_engine_restart_at(uint32_t epoch);
void snap_engine_restored(void);
int snap_engine_restarting(void); /* restarted, not yet restored */
int snap_engine_is_restart(void);
/* Block (serving snapshots) until no snapshot is pending or in progress anywhere:
 * collective (MPI_Finalize, mpisnap_wait_all). */
void snap_quiesce(void);

/* record.c: fill c->part and what it points to, from this rank's state; free what it
 * added (the engine frees the counts and the channel state it allocated). */
void record_local(snap_cur *c);
void record_free(snap_cur *c);

/* The engine's state, for the simulated network of tests/sim, which runs one engine per
 * simulated rank in one process and swaps them. */
void *snap_engine_state(size_t *size);
void *snap_proto_ly_state(size_t *size);

#endif
