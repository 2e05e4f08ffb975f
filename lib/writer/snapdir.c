/*
 * snapdir.c - the folder snapshots go to (MPISNAP_DIR), as the collector sees it: made
 * private, an earlier job's files in it said once, the retention rule (MPISNAP_KEEP),
 * and failures of writing into it said once per cause.
 */
#include "snapdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Folders mpisnap creates are private (0700), or the group's to read (0750,
 * MPISNAP_SHARE=group), whatever the umask; existing ones are left as they are. */
static void make_dir(const char *path)
{
    mode_t mode = snap_job.cfg.share ? 0750 : 0700;
    if (mkdir(path, mode) == 0) chmod(path, mode);
}

void snapdir_make(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            make_dir(tmp);
            *p = '/';
        }
    make_dir(tmp);
    struct stat st;
    int e = stat(tmp, &st) ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (e) snap_log(SNAP_LOG_ERROR, "cannot create MPISNAP_DIR '%s': %s", dir, strerror(e));
}

/* Snapshot files already in the directory a new (not restarted) job writes into: its
 * ids start at 1, so they replace an earlier job's files of the same ids and the rest
 * stay mixed in. Said once, so nobody mistakes one job's files for another's. */
void snapdir_warn_reused(void)
{
    if (snap_job.cfg.restart[0]) return; /* a restart goes on after its own snapshots */
    DIR *d = opendir(snap_job.cfg.dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        n += !strncmp(e->d_name, "snap-", 5) && l > 8 && !strcmp(e->d_name + l - 3, ".h5");
    }
    if (d) closedir(d);
    if (n)
        snap_log(SNAP_LOG_WARN,
                 "MPISNAP_DIR '%s' already holds %d snapshot%s of an earlier job: this job's replace "
                 "those of the same ids (from snap-000001.h5 on); give each job its own MPISNAP_DIR to keep them apart",
                 snap_job.cfg.dir, n, n == 1 ? "" : "s");
}

/* A snapshot's file could not be written: one line per cause. A full disk fails every
 * snapshot until space returns; the first failure says so, the next ones of the same
 * cause only in the debug log, and the first snapshot written again says how many
 * failed in between. The job goes on either way. */
static char fail_cause[160];
static unsigned fail_repeats;

/* The cause in a writer's message: "... (No space left on device)" or "...: No space
 * left on device" (the system's words). */
static void cause_of(const char *err, char *out, size_t len)
{
    size_t n = strlen(err);
    const char *open = strrchr(err, '('), *colon = strrchr(err, ':');
    if (n && err[n - 1] == ')' && open)
        snprintf(out, len, "%.*s", (int)(err + n - 1 - open - 1), open + 1);
    else
        snprintf(out, len, "%s", colon && colon[1] == ' ' ? colon + 2 : err);
}

void snapdir_failed(uint32_t epoch, const char *err)
{
    char cause[sizeof fail_cause];
    cause_of(err, cause, sizeof cause);
    if (fail_cause[0] && !strcmp(cause, fail_cause)) {
        fail_repeats++;
        snap_log(SNAP_LOG_DEBUG, "snapshot %u: %s", epoch, err);
        return;
    }
    snprintf(fail_cause, sizeof fail_cause, "%s", cause);
    fail_repeats = 0;
    snap_log(SNAP_LOG_ERROR,
             "snapshot %u: %s; the job goes on, later snapshots are tried (and fail silently for the "
             "same cause)",
             epoch, err);
}

void snapdir_written(uint32_t epoch)
{
    if (fail_cause[0])
        snap_log(SNAP_LOG_INFO, "snapshot %u: files are written again (%u more snapshots failed: %s)", epoch,
                 fail_repeats, fail_cause);
    fail_cause[0] = 0;
    fail_repeats = 0;
}

/* Files still to remove (snapdir.h): partial files of failed snapshots (a .part never
 * looks complete, but the folder should not keep them) and snapshots beyond
 * MPISNAP_KEEP. */
static char **stale;
static long nstale;

void snapdir_left(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return;
    for (long i = 0; i < nstale; i++)
        if (!strcmp(stale[i], path)) return;
    stale = snap_xrealloc(stale, (size_t)(nstale + 1) * sizeof *stale);
    stale[nstale++] = strdup(path);
    snap_log(SNAP_LOG_DEBUG, "%s could not be removed yet: tried again before each snapshot", path);
}

void snapdir_sweep(int last)
{
    long kept = 0;
    int e = 0;
    for (long i = 0; i < nstale; i++) {
        if (unlink(stale[i]) == 0 || errno == ENOENT) {
            snap_log(SNAP_LOG_DEBUG, "removed %s at last", stale[i]);
            free(stale[i]);
            continue;
        }
        e = errno;
        stale[kept++] = stale[i];
    }
    nstale = kept;
    if (last && nstale)
        snap_log(SNAP_LOG_WARN,
                 "%ld file%s to remove (partial files of failed snapshots, or beyond MPISNAP_KEEP) could not be "
                 "removed (%s): %s%s",
                 nstale, nstale == 1 ? "" : "s", strerror(e), stale[0], nstale == 1 ? "" : ", ...");
}

/* MPISNAP_KEEP: this job's committed snapshots, oldest first; beyond the newest K, the
 * oldest is deleted once a newer one is complete (durable and in place). Only files this
 * job wrote: never another job's, nor the one a restarted job started from. */
static char **kept;
static long nkept;

void snapdir_keep_newest(const char *path, uint32_t epoch)
{
    if (snap_job.cfg.keep <= 0) return;
    kept = snap_xrealloc(kept, (size_t)(nkept + 1) * sizeof *kept);
    kept[nkept++] = strdup(path);
    while (nkept > snap_job.cfg.keep) {
        if (unlink(kept[0]) == 0)
            snap_log(SNAP_LOG_INFO, "snapshot %u complete: deleted %s (MPISNAP_KEEP=%ld)", epoch, kept[0],
                     snap_job.cfg.keep);
        else if (errno != ENOENT)
            snapdir_left(kept[0]); /* its folder made read-only: tried again */
        free(kept[0]);
        memmove(kept, kept + 1, (size_t)--nkept * sizeof *kept);
    }
}
