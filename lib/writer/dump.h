/*
 * dump.h - a rank writes its regions' bytes straight into the snapshot file, in a
 * thread of its own, while the application and the collector go on (collect.c).
 */
#ifndef MPISNAP_DUMP_H
#define MPISNAP_DUMP_H

#include <pthread.h>
#include <stdint.h>

typedef struct dump_job {
    /* in */
    char path[4200];      /* the snapshot's .part file, which the collector created */
    uint32_t n;           /* regions */
    uint8_t *const *data; /* their bytes (data[i] may be NULL when bytes[i] is 0) */
    const uint64_t *bytes;
    const uint64_t *offs; /* where in the file; UINT64_MAX: not to be written here */
    /* The collector's proof that path is its file: `token` at byte `probe` (UINT64_MAX:
     * no proof asked). A file of the same name on another node, left there by another
     * job, would otherwise take the bytes and the snapshot be committed without them. */
    uint64_t token, probe;
    /* out, valid once dump_done() says so */
    uint64_t *sums; /* n checksums (sf_sum_bytes of each region) */
    int err;        /* 0, or an errno (EXDEV: not the collector's file) */
    char why[300];  /* what failed, one line: "pwrite FILE: No space left on device" */
    /* private */
    volatile int done;
    int threaded;
    pthread_t th;
} dump_job;

/* Start writing (in a thread; in the caller's when no thread can be created). The
 * thread raises snap_async.attention when it is done, so a blocked wait looks. */
void dump_start(dump_job *j);
/* 1 once the job is over (the thread joined); its results are then valid. */
int dump_done(dump_job *j);
/* Write synchronously (what the thread runs). */
void dump_run(dump_job *j);

#endif
