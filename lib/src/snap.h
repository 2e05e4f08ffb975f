/*
 * snap.h - internal state and cross-module contracts of libmpisnap.
 *
 * How the pieces fit:
 *   wrap_*.c   thin PMPI wrappers: translate an MPI call into wire/engine terms and back.
 *   wire.c     the data path: every application message travels as [header|payload];
 *              the header carries the sender's snapshot epoch and per-channel sequence.
 *   wire_blocking.c the fast paths of small blocking sends and receives (cached
 *              persistent receives, cancelled when the engine needs serving).
 *   wire_sync.c synchronous sends, acknowledged by the receiver at delivery.
 *   reqs.c     side table for application requests (scratch buffers, receive results).
 *   chan.c     the drain queue: messages the library took out of MPI before the
 *              application asked for them, matched later exactly as MPI would.
 *   engine.c   the snapshot engine: epochs, counting, channel recording, completion.
 *   record.c   what a rank records (counters, regions, call in progress, requests, stack).
 *   proto_cl.c the Chandy-Lamport rules (markers); other protocols plug in the same way.
 *   collect.c  ships each rank's part to the collector, which writes the HDF5 file.
 *   snapdir.c  the folder the files go to: made private, retention, write failures.
 *   config.c   every MPISNAP_* setting, from one table.   log.c  rank@host log lines.
 */
#ifndef MPISNAP_SNAP_H
#define MPISNAP_SNAP_H

#include <mpi.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SNAP_API __attribute__((visibility("default")))
#define SNAP_LIKELY(x) __builtin_expect(!!(x), 1)
#define SNAP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- configuration (config.c) ---- */
typedef struct snap_config {
    char algo[8];          /* "cl" or "ly" */
    char dir[4096];
    double interval;       /* seconds, 0 = off */
    double sp_timeout;     /* seconds a rank may take to reach its safe point */
    char restart[4096];    /* "" (off), "latest" or a snapshot file */
    double hang_timeout;   /* seconds, 0 = off */
    int signal;            /* SIGUSR1 trigger on/off */
    int log_level;         /* SNAP_LOG_* */
    int stack;             /* record call stacks */
    long small_msg;        /* payloads up to this many bytes are copied, larger ones are not */
    long keep;             /* keep the newest this many snapshots of this job, 0 = all */
    int share;             /* 0: files 0600, folders 0700; 1: group may read (0640, 0750) */
} snap_config;

/* Fill `cfg` from the environment. On a bad value writes a one-line message naming the
 * variable and the accepted values into err and returns -1. */
int snap_config_load(snap_config *cfg, char *err, size_t errlen);
/* Print every setting, its default and its help line (mpisnap-run --help). */
SNAP_API void mpisnap_config_help(void *file);
/* The i-th setting (0-based): 1, or 0 past the end. For mpisnap-run's options. */
SNAP_API int mpisnap_config_setting(int i, const char **name, const char **accepted, const char **def);

/* ---- logging (log.c) ---- */
enum { SNAP_LOG_ERROR, SNAP_LOG_WARN, SNAP_LOG_INFO, SNAP_LOG_DEBUG };
void snap_log_impl(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define snap_log(level, ...)                                                             \
    do {                                                                                 \
        if ((level) <= snap_g.cfg.log_level) snap_log_impl((level), __VA_ARGS__);        \
    } while (0)

/* ---- small utilities (util.c) ---- */
double snap_now(void);                    /* wall clock, seconds since the epoch */
void *snap_xmalloc(size_t n);             /* aborts the job with a message on failure */
void *snap_xcalloc(size_t n, size_t m);
void *snap_xrealloc(void *p, size_t n);
void *snap_xmalloc_big(size_t n);         /* the same, page-aligned, in huge pages when large */
void snap_free_big(void *p);              /* frees what snap_xmalloc_big gave (NULL: nothing) */
/* A generalized request the library completes itself (MPI_Grequest_complete); its
 * status is empty: no source, no tag, no bytes. */
void snap_grequest_start(MPI_Request *req);

/* Cached facts about a datatype, so the per-message path calls no MPI query. */
typedef struct snap_dtinfo {
    MPI_Datatype dt;
    int size;              /* MPI_Type_size */
    MPI_Aint extent, true_lb, true_extent;
    int contig;            /* count elements are one contiguous run of size*count bytes */
} snap_dtinfo;
#define SNAP_DT_CACHE 64
extern snap_dtinfo snap_dt_cache[SNAP_DT_CACHE];
static inline unsigned snap_dt_slot(MPI_Datatype dt)
{
    return (unsigned)(((uintptr_t)dt >> 4) * 2654435761u) % SNAP_DT_CACHE;
}
const snap_dtinfo *snap_dtinfo_fill(MPI_Datatype dt); /* a cache miss: ask MPI */
static inline const snap_dtinfo *snap_dtinfo_get(MPI_Datatype dt)
{
    const snap_dtinfo *d = &snap_dt_cache[snap_dt_slot(dt)];
    if (SNAP_LIKELY(d->dt == dt && dt != MPI_DATATYPE_NULL)) return d;
    return snap_dtinfo_fill(dt);
}
void snap_dtinfo_forget(MPI_Datatype dt);
/* Pack n received bytes (the packed form of at most `count` elements) from the
 * application buffer, or unpack them into it. Contiguous types are a memcpy. */
void snap_dt_pack(const void *buf, int count, MPI_Datatype dt, uint64_t nbytes, uint8_t *out);
void snap_dt_unpack(const uint8_t *in, uint64_t nbytes, void *buf, int count, MPI_Datatype dt);
/* The same with the datatype's facts already at hand (the per-message path). */
void snap_dt_pack_nc(const snap_dtinfo *d, const void *buf, int count, uint64_t nbytes, uint8_t *out);
void snap_dt_unpack_nc(const snap_dtinfo *d, const uint8_t *in, uint64_t nbytes, void *buf, int count);
static inline void snap_dt_pack_d(const snap_dtinfo *d, const void *buf, int count, uint64_t nbytes, uint8_t *out)
{
    if (SNAP_LIKELY(d->contig)) memcpy(out, (const char *)buf + d->true_lb, nbytes);
    else snap_dt_pack_nc(d, buf, count, nbytes, out);
}
static inline void snap_dt_unpack_d(const snap_dtinfo *d, const uint8_t *in, uint64_t nbytes, void *buf, int count)
{
    if (SNAP_LIKELY(d->contig)) memcpy((char *)buf + d->true_lb, in, nbytes);
    else snap_dt_unpack_nc(d, in, nbytes, buf, count);
}
void snap_dt_name(MPI_Datatype dt, char *out, size_t len);

/* ---- communicators (comms.c) ---- */
typedef struct snap_comm {
    MPI_Comm comm;
    int32_t id;            /* job-wide id, agreed at creation */
    int size, rank;
    int *world;            /* world rank of each comm rank */
    uint64_t colls;        /* collectives this rank has entered on it (wait-for graphs) */
} snap_comm;
void snap_comms_init(void);
snap_comm *snap_comm_find(MPI_Comm comm);    /* NULL if not known */
static inline snap_comm *snap_comm_get(MPI_Comm comm) /* the same, the last one found at once */
{
    extern snap_comm *snap_comm_last;
    if (SNAP_LIKELY(snap_comm_last->comm == comm && comm != MPI_COMM_NULL)) return snap_comm_last;
    return snap_comm_find(comm);
}
int snap_comm_register(MPI_Comm comm);       /* collective over comm; MPI error code */
void snap_comm_forget(MPI_Comm comm);
/* Iterate known communicators: returns the i-th or NULL past the end. */
snap_comm *snap_comm_at(int i);

/* ---- the wire (wire.c) ---- */
typedef struct wire_hdr {
    uint32_t epoch;        /* sender's recorded snapshot epoch when it sent */
    uint32_t seq;          /* sender's count of messages to this destination (mod 2^31), and
                            * WIRE_SYNC for a synchronous send the receiver acknowledges */
} wire_hdr;
#define WIRE_SYNC 0x80000000u
#define WIRE_H ((int)sizeof(wire_hdr))

/* ---- engine state ---- */
typedef struct snap_msg snap_msg;   /* chan.c: a held message */
typedef struct snap_req snap_req;   /* reqs.c */
typedef struct snap_cur snap_cur;   /* engine.c: the snapshot in progress */

/* A protocol: how a snapshot spreads and how channels close. The engine does the rest. */
typedef struct snap_proto {
    const char *name;
    /* The rank has just recorded snapshot `epoch`: spread it (markers, notices). */
    void (*on_record)(uint32_t epoch);
    /* A control message of the protocol's own kinds arrived. */
    void (*on_ctl)(int src, const void *msg);
    /* Called from progress while a snapshot is active on this rank. */
    void (*poll)(void);
    /* Snapshot `epoch` is abandoned; `recorded` says whether this rank had recorded it. */
    void (*on_abandon)(uint32_t epoch, int recorded);
    /* 1 while the protocol has an operation in flight (polled, never blocks). */
    int (*busy)(void);
    /* MPI_Finalize: complete whatever the protocol still has in flight. */
    void (*fini)(void);
} snap_proto;
extern const snap_proto snap_proto_cl;
extern const snap_proto snap_proto_ly;

/* SIGUSR1s that arrive within this many seconds of the first are one request (engine.c) */
#define SNAP_SIGNAL_BURST_S 1.0

typedef struct snap_state {
    int initialized, finalizing, finalized;
    int rank, nranks;
    char host[64];
    MPI_Comm ctl;          /* private: control traffic, parts */
    MPI_Comm coll;         /* private: the library's own collectives */
    MPI_Comm pcomm;        /* private: the protocol's collectives (one per snapshot) */
    snap_config cfg;
    const snap_proto *proto;

    volatile sig_atomic_t attention;   /* something asynchronous wants the engine */
    volatile sig_atomic_t sig_request, timer_request;
    int api_request;
    volatile sig_atomic_t hang_request;
    unsigned tick;

    uint32_t rec_epoch;    /* newest snapshot this rank recorded */
    uint32_t done_epoch;   /* newest snapshot known complete job-wide */
    int active;            /* rec_epoch > done_epoch and this rank's part not yet sent */
    int busy;              /* synchronous sends waiting for their acknowledgement */
    snap_cur *cur;

    /* counters, indexed by world rank */
    uint64_t *app_sent;    /* messages the application sent to j */
    uint64_t *app_recvd;   /* messages handed back to the application from i */
    uint64_t *seen_total;  /* messages from i the library took out of MPI */
    uint64_t *seen_future; /* ... of an epoch this rank has not recorded yet */

    /* the MPI call in progress (for the debugging record and the watchdog) */
    const char *call;
    double call_t0;
    int call_peer, call_tag, call_count;
    MPI_Comm call_comm;
    MPI_Datatype call_dt;
    const MPI_Request *call_reqs; /* the requests a Wait* call waits on */
    int call_nreqs;
    int hang_reported;
    double last_record_t;  /* when this rank last recorded a snapshot */
    double sig_burst_t;    /* when the first SIGUSR1 of the latest burst arrived */
    /* The ticker thread (wrap_init.c) watches calls without the wait loops reading the
     * clock: each call has a sequence number; the thread notes when it first saw one in
     * progress, and asks for a hang snapshot when the same call lasts hang_timeout. */
    volatile unsigned call_seq;
    volatile unsigned seen_seq;      /* the call the thread last saw in progress, since seen_t */
    volatile double seen_t;
    volatile unsigned hang_seq;      /* the call the watchdog flagged */
    unsigned record_call_seq;        /* call_seq when this rank last recorded */

    int in_lib;            /* re-entry guard: MPI calls made by the library itself */

    /* safe points (safepoint.c) */
    int sp_mode;           /* the application marks safe points: record there */
    uint32_t sp_pending;   /* snapshot to record at the next safe point, 0 if none */
    const char *sp_trigger;
    int sp_initiator;
    double sp_since;       /* when sp_pending was set, or the wait at the safe point began */
    int sp_stuck_sent;
    uint32_t sp_go;        /* newest snapshot every rank has recorded (the collector's GO) */
    int64_t sp_count;      /* safe points passed (saved in every snapshot, restored on restart) */
    int64_t sp_target;     /* the safe point every rank records snapshot sp_pending at, -1 unknown */
    uint32_t sp_target_epoch;
    int restarted;
} snap_state;
extern snap_state snap_g;

/* ---- engine entry points (engine.c) ---- */
void snap_engine_init(void);
void snap_engine_fini(void);
/* Serve snapshot traffic once: triggers, control messages, draining, completion.
 * Called from every wait loop and, rarely, from non-blocking calls. May record. */
void snap_progress(void);
/* A message from world rank `src` with header `h` was taken out of MPI. Counts it and,
 * when it belongs to the channel state of the snapshot in progress, records it (the
 * payload is read through `m`). Never delivers. */
void snap_seen(int src, const wire_hdr *h, const snap_msg *m);
/* Called before handing a message of epoch `epoch` to the application: records the
 * snapshot first when the message comes from a newer one (the rule both protocols
 * share: no message of epoch e reaches a rank that has not recorded e). */
void snap_before_deliver(uint32_t epoch);
/* 1 when snap_before_deliver(epoch) would have to wait for control traffic (safe-point
 * mode, a newer epoch, nothing pending): a caller inside the engine's progress, which
 * cannot serve that traffic, must keep the message and try again later. */
int snap_deliver_must_wait(uint32_t epoch);
/* Record this rank's state for snapshot rec_epoch+1 now. */
void snap_record(const char *trigger, int initiator);
/* This rank must take part in snapshot rec_epoch+1: records now, or, for a safe-point
 * snapshot (at_safepoint: this rank initiates it in safe-point mode, or a STOP came),
 * at the safe point all ranks agree on (safepoint.c). A marker or notice of a snapshot
 * this rank has no STOP for is an immediate one: some rank initiated it before its
 * first safe point, so every rank records at once, whatever its own mode. */
void snap_trigger(const char *trigger, int initiator, int at_safepoint);
/* mpisnap_safepoint(): record a pending snapshot here, wait until every rank has. */
void snap_safepoint(void);
/* Engine handlers of control messages. */
void snap_engine_marker(int src, uint32_t epoch, uint64_t count);
/* Lai-Yang counting: `total` messages of older epochs were sent to this rank. */
void snap_engine_total(uint32_t epoch, uint64_t total);
void snap_engine_done(uint32_t epoch);
/* Block (serving snapshots) until no snapshot is pending or in progress anywhere. */
void snap_quiesce(void);

/* Wait for one of the library's PMPI requests (application operations posted on the
 * wire, collectives), serving snapshots meanwhile; st may be MPI_STATUS_IGNORE. */
int snap_wait(MPI_Request *r, MPI_Status *st);
/* The same for a receive the library posted itself and can post again: when the
 * engine needs serving, the receive is cancelled and *st (never MPI_STATUS_IGNORE)
 * says so; the caller serves (snap_progress) and receives again. */
int snap_wait_recv(MPI_Request *r, MPI_Status *st);
/* Wait-loop helper: call between polls of a pending operation. */
static inline void snap_spin(unsigned *it)
{
    extern void snap_spin_slow(unsigned it);
    if ((++*it & 31u) == 0) snap_spin_slow(*it);
}
/* Cheap poll for non-blocking calls: one load and one branch when nothing is going on. */
static inline void snap_poll(void)
{
    extern void snap_poll_slow(void);
    if (SNAP_UNLIKELY(snap_g.attention | snap_g.active | snap_g.busy) || SNAP_UNLIKELY((++snap_g.tick & 63u) == 0))
        snap_poll_slow();
}

/* The call in progress, for the record and the hang watchdog. */
static inline void snap_enter(const char *name, int peer, int tag, MPI_Comm comm, int count, MPI_Datatype dt)
{
    snap_g.call = name;
    snap_g.call_peer = peer;
    snap_g.call_tag = tag;
    snap_g.call_comm = comm;
    snap_g.call_count = count;
    snap_g.call_dt = dt;
    snap_g.call_nreqs = 0;
    snap_g.call_t0 = -1.0; /* stamped lazily by the first slow spin */
    snap_g.hang_reported = 0;
    snap_g.call_seq++;
}
/* The call in progress waits on these requests (Wait*, Sendrecv). */
static inline void snap_enter_reqs(const char *name, int n, const MPI_Request *reqs)
{
    snap_enter(name, -2, -2, MPI_COMM_NULL, n, MPI_DATATYPE_NULL);
    snap_g.call_reqs = reqs;
    snap_g.call_nreqs = n;
}
static inline void snap_leave(void) { snap_g.call = NULL; }

/* True when a wrapper must pass straight through to PMPI. */
static inline int snap_passthrough(void) { return !snap_g.initialized || snap_g.finalized || snap_g.in_lib; }
/* A wrapper passes through: if mpisnap never saw MPI_Init but MPI is initialised, say
 * so once (presence.c). */
static inline void snap_check_unseen(void)
{
    extern void snap_unseen_slow(void);
    if (SNAP_UNLIKELY(!snap_g.initialized)) snap_unseen_slow();
}
/* presence.c: SIGUSR1 asks for a snapshot; is this process world rank 0 (as the
 * launcher says, before MPI_Init)? */
void snap_signal_install(void);
int snap_launcher_rank0(void);

/* Report an unsupported call: one line naming it, then the communicator's error
 * handler with MPI_ERR_UNSUPPORTED_OPERATION (fatal by default). */
int snap_unsupported(const char *call, MPI_Comm comm, const char *why);
/* Invoke the error handler of comm with code (MPI semantics) and return code. */
int snap_error(MPI_Comm comm, int code);

#endif
