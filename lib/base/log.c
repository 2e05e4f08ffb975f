/*
 * log.c - mpisnap's log lines: "mpisnap[3@node12]: snapshot 7 complete, ...".
 * The level test sits in the snap_log() macro, so a disabled level costs one compare.
 */
#include "snap.h"

#include <stdarg.h>
#include <stdio.h>

void snap_log_impl(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error: ", "warning: ", "", ""};
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (snap_job.initialized)
        fprintf(stderr, "mpisnap[%d@%s]: %s%s\n", snap_job.rank, snap_job.host, names[level], line);
    else
        fprintf(stderr, "mpisnap: %s%s\n", names[level], line);
    fflush(stderr);
}
