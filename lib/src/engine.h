/*
 * engine.h - the snapshot in progress on this rank, shared by engine.c (rules,
 * counting, completion), record.c (local state) and collect.c (shipping and writing).
 */
#ifndef MPISNAP_ENGINE_H
#define MPISNAP_ENGINE_H

#include "chan.h"
#include "snapfile.h"

/* Control messages on the private communicator: fixed size, one pre-posted receive. */
enum { CTL_MARKER = 1, CTL_DONE = 2, CTL_NOTICE = 3, /* safe points (safepoint.c): */
       CTL_RECORDED = 4, CTL_GO = 5, CTL_STUCK = 6, CTL_ABANDON = 7,
       CTL_STOP = 8, CTL_REACHED = 9, CTL_TARGET = 10,
       CTL_SACK = 11, /* wire.c: a synchronous message was handed to the application */
       CTL_SPOLL = 12 /* wire_sync.c: a synchronous sender still waits: look at your posted receives */ };
enum { TAG_CTL = 1, /* collect.c: */ TAG_PART = 2, TAG_DATA = 3, TAG_PLACE = 4, TAG_WROTE = 5 };
typedef struct ctl_msg {
    uint32_t type, epoch;
    uint64_t a, b;
} ctl_msg;

struct snap_cur {
    uint32_t epoch;
    int n;
    int initiator;
    const char *trigger;
    double t_record;
    uint64_t *sent, *recvd;     /* application counters at the record */
    uint64_t *expect;           /* per source: messages of older epochs it sent here */
    uint8_t *have_expect;
    uint64_t *pre_seen;         /* per source: messages of older epochs seen here */
    int have_total;             /* counting by total (Lai-Yang): expect_total is known */
    uint64_t expect_total;
    /* channel states into this rank */
    sf_msg *msgs;
    uint32_t nmsgs, capmsgs;
    uint8_t *payload;
    size_t plen, pcap;
    /* local state (record.c) */
    sf_rank part;
    sf_region *regions;
    uint8_t **region_data;
    sf_request *requests;
    char **stack;
    sf_comm *comms;
    int32_t **comm_world;
};

/* record.c */
void record_local(snap_cur *c);         /* fill c->part and what it points to */
void record_free(snap_cur *c);
/* collect.c */
void collect_init(void);
void collect_send_part(snap_cur *c);   /* this rank's part is final: ship it */
void collect_poll(void);               /* receive parts (collector), places and reports */
void collect_reap(void);               /* move parts on their way */
extern int collect_pending;            /* parts (and answers) on their way from this rank */
void collect_abandon(uint32_t epoch);  /* collector: drop the file of an abandoned snapshot */
extern char collect_conserve_region[SF_NAME_MAX];
extern int64_t collect_conserve_total;
extern int32_t collect_conserve_offset;

/* engine.c: send a control message (never blocks). */
void snap_ctl_send(int dest, uint32_t type, uint32_t epoch, uint64_t a, uint64_t b);
void snap_engine_forget_early(void);
/* safepoint.c: the safe-point control messages; 1 if m was one of them. */
int snap_sp_ctl(int src, const ctl_msg *m);
void snap_sp_spin(double now);       /* a wait loop is still waiting */
/* This rank will reach no safe point before the pending snapshot must end (it is in
 * MPI_Finalize or mpisnap_wait_all, which every rank must enter): abandon it. */
void snap_sp_unreachable(const char *where);
void snap_sp_abandon_seen(uint32_t epoch); /* a message of an epoch this rank never recorded */
/* restart.c */
void snap_restart_load(void);        /* at MPI_Init, collective */
void snap_restart_comm(int32_t id, MPI_Comm comm); /* a communicator got its id */
/* At the first safe point, collective: restore the regions on every rank, or on none
 * (a one-line reason, exit 2). */
void snap_restart_restore(void);

#endif
