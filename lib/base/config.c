/*
 * config.c - every MPISNAP_* setting, read through one table.
 *
 * Each row gives the variable, its type, default, accepted values and a help line;
 * snap_config_load() validates the environment against it and mpisnap-run --help prints
 * it. A bad value is an error naming the variable and what it accepts, never a silent
 * default; an unknown MPISNAP_* variable is an error too (it is usually a typo).
 */
#include "snap.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

snap_job_facts snap_job;

typedef enum { CT_ENUM, CT_STRING, CT_OPTSTRING, CT_SECONDS, CT_BOOL, CT_BYTES, CT_COUNT } cfg_type;

typedef struct cfg_row {
    const char *name;
    cfg_type type;
    const char *def;
    const char *accepted; /* for CT_ENUM: '|'-separated values */
    const char *help;
    size_t offset; /* into snap_config */
} cfg_row;

#define OFF(f) offsetof(snap_config, f)
static const cfg_row cfg_table[] = {
    {"MPISNAP_ALGO", CT_ENUM, "cl", "cl|ly", "snapshot algorithm: cl (Chandy-Lamport markers) or ly (Lai-Yang)",
     OFF(algo)},
    {"MPISNAP_DIR", CT_STRING, "./mpisnap", "a directory path", "where snapshot files are written (created if missing)",
     OFF(dir)},
    {"MPISNAP_INTERVAL", CT_SECONDS, "0", "seconds >= 0 (0 = off)", "take a snapshot periodically, initiated by rank 0",
     OFF(interval)},
    {"MPISNAP_HANG_TIMEOUT", CT_SECONDS, "0", "seconds >= 0 (0 = off)",
     "a rank that spends this long in one MPI call initiates a snapshot (time it waits for a snapshot's file to be "
     "written does not count)",
     OFF(hang_timeout)},
    {"MPISNAP_HANG_REPEAT", CT_SECONDS, "0", "seconds >= 0 (0 = off)",
     "with the hang watchdog: a second snapshot this long after a hang snapshot if the rank is still in the same call, "
     "so that mpisnap-inspect progress shows who moved",
     OFF(hang_repeat)},
    {"MPISNAP_SIGNAL", CT_BOOL, "1", "0|1", "SIGUSR1 sent to any rank initiates a snapshot", OFF(signal)},
    {"MPISNAP_LOG", CT_ENUM, "info", "error|warn|info|debug", "log level of mpisnap's lines on stderr", OFF(log_level)},
    {"MPISNAP_STACK", CT_BOOL, "1", "0|1", "record each rank's call stack in debugging snapshots", OFF(stack)},
    {"MPISNAP_RESTART", CT_OPTSTRING, "", "latest, latest-or-new, or a snapshot file",
     "resume the job from a snapshot taken at safe points (latest: the newest complete one in MPISNAP_DIR; "
     "latest-or-new: the same, or the beginning when there is none)",
     OFF(restart)},
    {"MPISNAP_SAFEPOINT_TIMEOUT", CT_SECONDS, "10", "seconds >= 0 (0 = wait forever)",
     "how long a restartable snapshot waits for every rank to reach a safe point before it is abandoned",
     OFF(sp_timeout)},
    {"MPISNAP_KEEP", CT_COUNT, "0", "a count, 0..1000000 (0 = keep all)",
     "keep only this job's newest K snapshots: an older one is deleted once a newer one is complete", OFF(keep)},
    {"MPISNAP_SHARE", CT_ENUM, "private", "private|group",
     "who may read the snapshot files (they hold message payloads and application memory): private (files 0600, "
     "folders mpisnap creates 0700) or group (0640, 0750), whatever the umask",
     OFF(share)},
    {"MPISNAP_SMALL_MSG", CT_BYTES, "4096", "bytes, 0..16777216",
     "payloads up to this size travel copied with the header, larger ones through a derived datatype", OFF(small_msg)},
};
#define CFG_ROWS (sizeof cfg_table / sizeof cfg_table[0])

static int enum_index(const char *accepted, const char *v)
{
    size_t n = strlen(v);
    int i = 0;
    for (const char *p = accepted; *p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0) return i;
        if (!bar) break;
        p = bar + 1;
    }
    return -1;
}

/* Parse one value into cfg; returns 0 or -1 with a message. */
static int parse_row(const cfg_row *r, const char *v, snap_config *cfg, char *err, size_t errlen)
{
    char *base = (char *)cfg + r->offset;
    char *end = NULL;
    switch (r->type) {
    case CT_ENUM: {
        int i = enum_index(r->accepted, v);
        if (i < 0) goto bad;
        if (r->offset == OFF(log_level) || r->offset == OFF(share))
            *(int *)base = i;
        else
            snprintf(base, sizeof cfg->algo, "%s", v);
        return 0;
    }
    case CT_STRING:
    case CT_OPTSTRING:
        if ((!*v && r->type == CT_STRING) || strlen(v) >= sizeof cfg->dir) goto bad;
        /* a misspelt keyword (latest-or-none) is a typo, not a file name: ./latest-x is */
        if (r->offset == OFF(restart) && !strncmp(v, "latest", 6) && strcmp(v, "latest") && strcmp(v, "latest-or-new"))
            goto bad;
        snprintf(base, sizeof cfg->dir, "%s", v);
        return 0;
    case CT_SECONDS: {
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(d) || d < 0 || d > 1e9) goto bad;
        *(double *)base = d;
        return 0;
    }
    case CT_BOOL:
        if (strcmp(v, "0") && strcmp(v, "1")) goto bad;
        *(int *)base = v[0] == '1';
        return 0;
    case CT_BYTES:
    case CT_COUNT: {
        errno = 0;
        long l = strtol(v, &end, 10);
        if (errno || end == v || *end || l < 0 || l > (r->type == CT_BYTES ? 16777216 : 1000000)) goto bad;
        *(long *)base = l;
        return 0;
    }
    }
bad:
    snprintf(err, errlen, "mpisnap: %s='%s' is not valid: expected %s", r->name, v, r->accepted);
    return -1;
}

int snap_config_load(snap_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < CFG_ROWS; i++)
        if (parse_row(&cfg_table[i], cfg_table[i].def, cfg, err, errlen)) return -1;
    for (size_t i = 0; i < CFG_ROWS; i++) {
        const char *v = getenv(cfg_table[i].name);
        if (v && parse_row(&cfg_table[i], v, cfg, err, errlen)) return -1;
    }
    /* An unknown MPISNAP_* variable is almost always a typo of a known one. */
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "MPISNAP_", 8)) continue;
        size_t len = strcspn(*e, "=");
        int known = 0;
        for (size_t i = 0; i < CFG_ROWS && !known; i++)
            known = strlen(cfg_table[i].name) == len && !strncmp(cfg_table[i].name, *e, len);
        if (!known) {
            snprintf(err, errlen, "mpisnap: unknown variable %.*s (see mpisnap-run --help for the settings)", (int)len,
                     *e);
            return -1;
        }
    }
    if (cfg->hang_repeat > 0 && cfg->hang_timeout <= 0) {
        snprintf(err, errlen,
                 "mpisnap: MPISNAP_HANG_REPEAT needs MPISNAP_HANG_TIMEOUT (the repeat follows a hang "
                 "snapshot): set both, or unset MPISNAP_HANG_REPEAT");
        return -1;
    }
    return 0;
}

int mpisnap_config_setting(int i, const char **name, const char **accepted, const char **def)
{
    if (i < 0 || (size_t)i >= CFG_ROWS) return 0;
    *name = cfg_table[i].name;
    *accepted = cfg_table[i].accepted;
    *def = cfg_table[i].def;
    return 1;
}

void mpisnap_config_help(void *file)
{
    FILE *f = file;
    for (size_t i = 0; i < CFG_ROWS; i++)
        fprintf(f, "  %-22s %s\n  %-22s   accepted: %s; default: %s\n", cfg_table[i].name, cfg_table[i].help, "",
                cfg_table[i].accepted, cfg_table[i].def);
}
