/*
 * snap.h - what every part of libmpisnap shares: the job's facts, settings, log lines,
 * allocation, the datatype cache, communicators and the header every message carries.
 * docs/DESIGN.md opens with the architecture; in short, calls go one way:
 *
 *   interposition  wrap_*.c, api.c, fortran: MPI calls and the public API in engine terms
 *   policies       safepoint.c (restartable snapshots), restart.c (resuming from one)
 *   engine         engine.c + the protocol plug-ins proto_cl.c, proto_ly.c: epochs, the
 *                  record, channel states, completion; its state is its own
 *   below it       record.c (what a rank records), collect.c (parts to the file),
 *                  ctl.c (control messages, one dispatch table)
 *   transport      wire*.c, reqs.c, chan.c, comms.c: application messages on MPI
 *   ground         pump.c (progress: who has work), wait.c (waiting while serving),
 *                  count.c (every message counted, in one place), ompi.c (what is
 *                  specific to Open MPI), config.c, log.c, util.c, call.c
 *
 * A lower module reaches a higher one only through what the higher one registered:
 * the engine's hooks (hooks.h), pump clients (pump.h), control handlers (ctl.h),
 * communicator observers (comms), the safe-point policy (engine.h).
 */
#ifndef MPISNAP_SNAP_H
#define MPISNAP_SNAP_H

#include <mpi.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SNAP_API         __attribute__((visibility("default")))
#define SNAP_LIKELY(x)   __builtin_expect(!!(x), 1)
#define SNAP_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- configuration (config.c) ---- */
typedef struct snap_config {
    char algo[8]; /* "cl" or "ly" */
    char dir[4096];
    double interval;     /* seconds, 0 = off */
    double sp_timeout;   /* seconds a rank may take to reach its safe point */
    char restart[4096];  /* "" (off), "latest" or a snapshot file */
    double hang_timeout; /* seconds, 0 = off */
    double hang_repeat;  /* seconds after a hang snapshot to take a second one, 0 = off */
    int signal;          /* SIGUSR1 trigger on/off */
    int log_level;       /* SNAP_LOG_* */
    int stack;           /* record call stacks */
    long small_msg;      /* payloads up to this many bytes are copied, larger ones are not */
    long keep;           /* keep the newest this many snapshots of this job, 0 = all */
    int share;           /* 0: files 0600, folders 0700; 1: group may read (0640, 0750) */
} snap_config;

/* Fill `cfg` from the environment. On a bad value writes a one-line message naming the
 * variable and the accepted values into err and returns -1. */
int snap_config_load(snap_config *cfg, char *err, size_t errlen);
/* Print every setting, its default and its help line (mpisnap-run --help). */
SNAP_API void mpisnap_config_help(void *file);
/* The i-th setting (0-based): 1, or 0 past the end. For mpisnap-run's options. */
SNAP_API int mpisnap_config_setting(int i, const char **name, const char **accepted, const char **def);

/* ---- the job (config.c): facts set once at MPI_Init, settings ---- */
typedef struct snap_job_facts {
    int initialized, finalizing, finalized;
    int rank, nranks;
    char host[64];
    char job_key[64]; /* the job in every snapshot: rank 0's host, pid, start time, size */
    MPI_Comm ctl;     /* private: control traffic, parts */
    MPI_Comm coll;    /* private: the library's own collectives */
    MPI_Comm pcomm;   /* private: the protocol's collectives (one per snapshot) */
    snap_config cfg;
    int in_lib; /* re-entry guard: MPI calls made by the library itself */
} snap_job_facts;
extern snap_job_facts snap_job;

/* ---- logging (log.c) ---- */
enum { SNAP_LOG_ERROR, SNAP_LOG_WARN, SNAP_LOG_INFO, SNAP_LOG_DEBUG };
void snap_log_impl(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define snap_log(level, ...)                                                        \
    do {                                                                            \
        if ((level) <= snap_job.cfg.log_level) snap_log_impl((level), __VA_ARGS__); \
    } while (0)

/* ---- small utilities (util.c); datatypes: dtype.h; communicators: comms.h ---- */
double snap_now(void);        /* wall clock, seconds since the epoch */
void *snap_xmalloc(size_t n); /* aborts the job with a message on failure */
void *snap_xcalloc(size_t n, size_t m);
void *snap_xrealloc(void *p, size_t n);
void *snap_xmalloc_big(size_t n); /* the same, page-aligned, in huge pages when large */
void snap_free_big(void *p);      /* frees what snap_xmalloc_big gave (NULL: nothing) */
/* A generalized request the library completes itself (MPI_Grequest_complete); its
 * status is empty: no source, no tag, no bytes. */
void snap_grequest_start(MPI_Request *req);

/* ---- the wire (wire.c) ---- */
typedef struct wire_hdr {
    uint32_t epoch; /* sender's recorded snapshot epoch when it sent */
    uint32_t seq;   /* sender's count of messages to this destination (mod 2^31), and
                            * WIRE_SYNC for a synchronous send the receiver acknowledges */
} wire_hdr;
#define WIRE_SYNC 0x80000000u
#define WIRE_H    ((int)sizeof(wire_hdr))

/* ---- errors (util.c) ---- */
/* Report an unsupported call: one line naming it, then the communicator's error
 * handler with MPI_ERR_UNSUPPORTED_OPERATION (fatal by default). */
int snap_unsupported(const char *call, MPI_Comm comm, const char *why);
/* Invoke the error handler of comm with code (MPI semantics) and return code. */
int snap_error(MPI_Comm comm, int code);

#endif
