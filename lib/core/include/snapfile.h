/*
 * snapfile.h - the snapshot file: one HDF5 file per snapshot, its structure written by
 * one rank (the collector), large regions' bytes by the ranks that hold them, read by
 * mpisnap-inspect and by restart. This module needs no MPI: it
 * speaks only of plain C structs, so the inspector works without MPI_Init and the unit
 * tests run without mpirun. The layout is documented in docs/FORMAT.md.
 *
 * Writing: sf_create() opens "<path>.part" ; sf_write_rank() (or sf_place_rank(), then
 * sf_region_done() for each region it placed) once per rank, in any order; sf_commit() writes the completion mark last, flushes, fsyncs and renames to
 * <path>, so a file is never visible under its final name before it is complete.
 * Reading: sf_open() refuses, with a one-line reason, a file that is not HDF5, not
 * mpisnap's, of another format version, incomplete, or whose checksums fail.
 */
#ifndef MPISNAP_SNAPFILE_H
#define MPISNAP_SNAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define SF_FORMAT_VERSION \
    4 /* 2: regions contiguous, checksummed by the writer (XXH3);
                               3: stack frames are "module+0xoffset build-id=hex";
                               4: every other dataset has an XXH3 `checksum` too */
#define SF_FORMAT_OLDEST \
    2                   /* the oldest version the reader accepts (its stack frames are
                               backtrace_symbols() text) */
#define SF_NAME_MAX 64  /* names of regions, datatypes, MPI calls (incl. NUL) */
#define SF_TEXT_MAX 256 /* free text: call arguments, host, program */

/* One message in transit on channel src -> dst, as recorded by the receiver. */
typedef struct sf_msg {
    int32_t src;      /* world rank of the sender */
    int32_t dst;      /* world rank of the receiver */
    int32_t comm;     /* job-wide communicator id */
    int32_t src_comm; /* sender's rank in that communicator (the status MPI_SOURCE) */
    int32_t tag;
    uint32_t epoch;      /* sender's snapshot epoch when it sent the message */
    uint64_t order;      /* receive order at dst: position in the order MPI would deliver */
    uint64_t bytes;      /* payload size in bytes (packed representation) */
    const uint8_t *data; /* payload, `bytes` bytes; not owned by the struct */
    /* the datatype of the receive it matched (by MPI's type-matching rule, the sender's
     * signature): its name ("MPI_DOUBLE", "derived") and the packed layout of one
     * element as a numpy dtype string ("<f8", "3<i4,<f8,4S1"); "" when not known (a
     * message no receive had asked for yet, or a file written before these fields) */
    char datatype[SF_NAME_MAX];
    char signature[SF_NAME_MAX];
} sf_msg;

/* A region registered with mpisnap_protect(). */
typedef struct sf_region {
    char name[SF_NAME_MAX];
    char type[SF_NAME_MAX]; /* MPI datatype name, e.g. "MPI_INT64_T" or "derived" */
    uint64_t count;         /* elements of the type */
    uint64_t bytes;         /* packed size */
    const uint8_t *data;    /* packed contents; not owned */
    uint64_t checksum;      /* read: sf_sum_bytes(data, bytes), verified; ignored when written */
} sf_region;

/* A request pending at the rank when it recorded (what a debugger wants to see). */
typedef struct sf_request {
    char kind[SF_NAME_MAX]; /* "Isend", "Irecv", "Ssend_init", "Ibarrier", ... */
    int32_t peer;           /* rank in comm, MPI_ANY_SOURCE (-1) or -2 when none */
    int32_t tag;            /* MPI_ANY_TAG (-1) or -2 when none */
    int32_t comm;           /* job-wide communicator id, -1 when none */
    int64_t count;
    char datatype[SF_NAME_MAX];
    int32_t awaited; /* 1 if the call in progress (Wait*, Test*) is waiting on it */
} sf_request;

/* A communicator this rank belongs to: its job-wide id and its members' world ranks
 * (member i of the communicator is world rank world[i]). `colls` counts the collectives
 * the rank has entered on it, the one in progress included (0 when not counted): a
 * member with a count at least that of a rank in a collective has arrived in it, or
 * passed it (mpisnap-inspect waits needs this to tell "not arrived" from "gone"). */
typedef struct sf_comm {
    int32_t id;
    int32_t size;
    const int32_t *world;
    uint64_t colls;
} sf_comm;

/* One rank's part of a snapshot. All arrays are owned by the caller. */
typedef struct sf_rank {
    int32_t rank;
    int32_t pid;
    char host[SF_TEXT_MAX];
    int32_t initiator;         /* 1 if this rank initiated the snapshot */
    double t_record;           /* seconds since the epoch when the state was recorded */
    char trigger[SF_NAME_MAX]; /* "request", "signal", "interval", "marker", "message", ... */
    /* what the rank was doing when it recorded */
    char call[SF_NAME_MAX]; /* MPI call in progress, "" if none */
    char call_args[SF_TEXT_MAX];
    double call_seconds; /* how long it had been in that call */
    /* counters: sent[j] = application messages this rank had sent to world rank j;
     * recvd[i] = application messages it had received from i. Both length nranks. */
    const uint64_t *sent;
    const uint64_t *recvd;
    int32_t nranks;
    const sf_request *requests;
    uint32_t nrequests;
    const sf_region *regions;
    uint32_t nregions;
    /* in-transit messages on the channels INTO this rank (dst == rank), in the order the
     * receiver would have received them */
    const sf_msg *msgs;
    uint32_t nmsgs;
    /* call stack, one frame per string, innermost first: "/path/module+0x139d
     * build-id=8f3c..." (format 3; docs/FORMAT.md), backtrace_symbols() text in format 2 */
    const char *const *stack;
    uint32_t nstack;
    /* communicators of this rank (world and self included) */
    const sf_comm *comms;
    uint32_t ncomms;
} sf_rank;

/* Job-wide attributes of one snapshot. */
typedef struct sf_job {
    uint64_t id; /* snapshot id (epoch), 1, 2, ... */
    int32_t nranks;
    char algo[8]; /* "cl" or "ly" */
    char program[SF_TEXT_MAX];
    char library_version[SF_NAME_MAX];
    double t_start, t_end;     /* first record, completion (seconds since the epoch) */
    char job_key[SF_NAME_MAX]; /* identifies the job (program + size + start time) */
    int32_t format_version;    /* reader only: the file's format (SF_FORMAT_OLDEST..VERSION) */
    /* conserved quantity (mpisnap_conserve); conserve_region[0] == 0 when none */
    char conserve_region[SF_NAME_MAX];
    int64_t conserve_total;
    int32_t conserve_offset;
    /* writer only: the file's permissions, whatever the umask (0: 0600, private) */
    uint32_t file_mode;
} sf_job;

typedef struct sf_writer sf_writer;

/* Create <path>.part for writing; on failure returns NULL and a one-line reason in err. */
sf_writer *sf_create(const char *path, const sf_job *job, char *err, size_t errlen);
/* Write one rank's group. Returns 0, or -1 with a reason in err. */
int sf_write_rank(sf_writer *w, const sf_rank *r, char *err, size_t errlen);
/* The same, except that a region whose data is NULL is only given its place: its bytes
 * go, unfiltered, at byte offset offsets[i] of the file sf_part_path() names, written by
 * whoever holds them (the rank itself, with pwrite, while the writer goes on), and
 * sf_region_done() gives their checksum once they are there (durably: after an fsync of
 * the writer's descriptor). offsets[i] is UINT64_MAX for a region written here. */
int sf_place_rank(sf_writer *w, const sf_rank *r, uint64_t *offsets, char *err, size_t errlen);
int sf_region_done(sf_writer *w, int32_t rank, uint32_t i, uint64_t checksum, char *err, size_t errlen);
const char *sf_part_path(const sf_writer *w);
/* Set the initiator list and end time, write the completion mark, close, fsync, rename to
 * the final path. Frees w. Returns 0 or -1 (the .part file is removed on failure). */
int sf_commit(sf_writer *w, const int32_t *initiators, uint32_t ninitiators, double t_end, char *err, size_t errlen);
/* Abandon: close and remove the .part file. Frees w. */
void sf_abort(sf_writer *w);

/* A buffer for region bytes: page-aligned, in huge pages when large (NULL when out of
 * memory); free it with sf_big_free (NULL: nothing). */
void *sf_big_alloc(size_t n);
void sf_big_free(void *p);

/* The checksum of a region's bytes (XXH3-64, seed 0: what `xxhsum -H3` prints), at
 * once or as the bytes go by (new, add..., end; end frees the state; new returns NULL
 * when out of memory). */
typedef struct sf_sum sf_sum;
uint64_t sf_sum_bytes(const void *p, size_t n);
sf_sum *sf_sum_new(void);
void sf_sum_add(sf_sum *s, const void *p, size_t n);
uint64_t sf_sum_end(sf_sum *s);

/* ---- reading ---- */

typedef struct sf_file sf_file;

/* Open and validate a snapshot file (see the header comment). Returns NULL with a
 * one-line reason in err when the file is refused. */
sf_file *sf_open(const char *path, char *err, size_t errlen);
void sf_close(sf_file *f);
const sf_job *sf_job_info(const sf_file *f);
const int32_t *sf_initiators(const sf_file *f, uint32_t *n);
/* Rank r's part (0 <= r < nranks); valid until sf_close. All pointers inside are owned
 * by f. NULL with a reason in err if that group is missing or fails its checksum. */
const sf_rank *sf_get_rank(sf_file *f, int32_t r, char *err, size_t errlen);
/* From now on sf_get_rank leaves the regions' bytes unread (data NULL; name, type,
 * count, bytes and the stored checksum are there): everything else of a part can be
 * checked without reading its state. */
void sf_skip_region_data(sf_file *f);

/* Checks `mpisnap-inspect check` runs, usable from unit tests. Each returns the number
 * of problems found and prints one line per problem to `out` (may be NULL). */
#include <stdio.h>
int sf_check(sf_file *f, FILE *out);
/* The conserved quantity (job->conserve_region): *balances = sum over ranks of the
 * region's int64 elements, *in_transit = sum of the int64 at conserve_offset of every
 * in-transit message long enough to hold it (both little-endian). Returns 1 when
 * computed; 0 when the job declares none (err "") or when it cannot be verified, with
 * the reason in err (a rank no longer protects the region: unprotected before this
 * snapshot, which is no inconsistency); -1 with a reason in err when the file is wrong
 * (a rank cannot be read, the region is not whole int64 elements). The caller compares
 * with job->conserve_total. */
int sf_conservation(sf_file *f, int64_t *balances, int64_t *in_transit, char *err, size_t errlen);

#endif
