/*
 * dump.c - a rank writes its own regions into the snapshot file (see dump.h).
 *
 * Each region goes in slabs, checksummed (XXH3, the same as sf_sum_bytes) and written
 * with pwrite at its offset. Where the file system allows it the slabs go with O_DIRECT,
 * straight from the record's copy to the disk: no copy into the page cache, no dirty
 * pages for the kernel to throttle and write back, and the ranks of a node writing at
 * once do not queue on the file's page-cache locks (the file's large objects start on
 * 4 KiB boundaries and the copies are page-aligned, see snapfile_int.h and
 * snap_xmalloc_big). A region's last partial block, and every byte where O_DIRECT is
 * refused, goes through the page cache, with writeback started after each slab so the
 * disk works while the next one is produced. An fdatasync at the end makes the bytes
 * durable before the collector is told, so the completion mark can never be on disk
 * before them. The thread touches no MPI and no library state but its job and
 * snap_async.attention.
 */
#define _GNU_SOURCE /* sync_file_range */

#include "dump.h"
#include "pump.h"

#include "snap.h"
#include "snapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { SLAB = 32 << 20 };

static int failed(dump_job *j, const char *what, int e)
{
    j->err = e ? e : EIO;
    snprintf(j->why, sizeof j->why, "%.20s %.200s: %.60s", what, j->path, strerror(j->err));
    return -1;
}

enum { BLOCK = 4096 };

static int write_all(dump_job *j, int fd, const uint8_t *p, uint64_t n, uint64_t off)
{
    while (n) {
        ssize_t k = pwrite(fd, p, n > SLAB ? SLAB : (size_t)n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return failed(j, "pwrite", k < 0 ? errno : ENOSPC);
        p += k, n -= (uint64_t)k, off += (uint64_t)k;
    }
    return 0;
}

/* One slab with O_DIRECT: 1 if written, 0 if O_DIRECT refused it (the caller writes it
 * through the page cache, and so everything after), -1 on a real error. */
static int write_direct(dump_job *j, int *dfd, const uint8_t *p, uint64_t n, uint64_t off)
{
    while (n) {
        ssize_t k = pwrite(*dfd, p, (size_t)n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && errno == EINVAL) { /* this file system wants other alignments: give up on it */
            close(*dfd);
            *dfd = -1;
            return 0;
        }
        if (k <= 0 || k % BLOCK) return failed(j, "pwrite", k < 0 ? errno : ENOSPC);
        p += k, n -= (uint64_t)k, off += (uint64_t)k;
    }
    return 1;
}

static int write_region(dump_job *j, int fd, int *dfd, uint32_t i)
{
    sf_sum *s = sf_sum_new();
    if (!s) return failed(j, "malloc", ENOMEM);
    const uint8_t *data = j->data[i];
    uint64_t off = j->offs[i], bytes = j->bytes[i];
    /* the whole blocks may go direct, when buffer and offset are aligned */
    uint64_t whole = off % BLOCK == 0 && (uintptr_t)data % BLOCK == 0 ? bytes / BLOCK * BLOCK : 0;
    int rc = 0;
    for (uint64_t pos = 0; rc == 0 && pos < bytes;) {
        uint64_t k = bytes - pos < SLAB ? bytes - pos : SLAB;
        if (pos < whole && pos + k > whole) k = whole - pos; /* the blocks, then the partial last one */
        sf_sum_add(s, data + pos, k);
        int done = 0;
        if (*dfd >= 0 && pos + k <= whole) done = write_direct(j, dfd, data + pos, k, off + pos);
        if (done < 0) rc = -1;
        if (!done && rc == 0) {
            rc = write_all(j, fd, data + pos, k, off + pos);
#ifdef SYNC_FILE_RANGE_WRITE
            if (rc == 0) sync_file_range(fd, (off_t)(off + pos), (off_t)k, SYNC_FILE_RANGE_WRITE);
#endif
        }
        pos += k;
    }
    j->sums[i] = sf_sum_end(s);
    return rc;
}

/* Is the file open on fd the collector's? */
static int is_theirs(dump_job *j, int fd)
{
    uint64_t v = 0;
    if (j->probe == UINT64_MAX) return 1;
    ssize_t k;
    while ((k = pread(fd, &v, sizeof v, (off_t)j->probe)) < 0 && errno == EINTR) {
    }
    if (k == (ssize_t)sizeof v && v == j->token) return 1;
    j->err = EXDEV;
    snprintf(j->why, sizeof j->why,
             "%.150s on this node is not the file the collector created (a file of that "
             "name from another job, or another file system)",
             j->path);
    return 0;
}

void dump_run(dump_job *j)
{
    int fd = open(j->path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        failed(j, "open", errno);
        return;
    }
    if (!is_theirs(j, fd)) {
        close(fd);
        return;
    }
#ifdef O_DIRECT
    int dfd = open(j->path, O_WRONLY | O_CLOEXEC | O_DIRECT);
#else
    int dfd = -1;
#endif
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < j->n; i++)
        if (j->offs[i] != UINT64_MAX) rc = write_region(j, fd, &dfd, i);
    if (dfd >= 0) close(dfd);
    if (rc == 0 && fdatasync(fd) < 0) failed(j, "fdatasync", errno);
    if (close(fd) < 0 && rc == 0 && !j->err) failed(j, "close", errno);
}

static void *dump_main(void *arg)
{
    dump_job *j = arg;
    dump_run(j);
    __atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
    snap_async.attention = 1;
    return NULL;
}

void dump_start(dump_job *j)
{
    j->err = 0;
    j->why[0] = 0;
    j->done = 0;
    /* the thread takes no signal: they are the application's (and SIGUSR1 the trigger) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    j->threaded = pthread_create(&j->th, NULL, dump_main, j) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!j->threaded) {
        dump_run(j);
        j->done = 1;
    }
}

int dump_done(dump_job *j)
{
    if (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE)) return 0;
    if (j->threaded) pthread_join(j->th, NULL);
    j->threaded = 0;
    return 1;
}
