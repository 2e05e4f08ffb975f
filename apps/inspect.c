/*
 * inspect.c - mpisnap-inspect: show and check snapshot files, without MPI.
 *
 *   mpisnap-inspect [summary|check|messages] [--json] FILE...
 *
 * The tool links only the serial snapshot-file module (snapfile.h), so it runs on a
 * login node or a laptop without mpirun. Every file is opened and all its ranks read
 * (which verifies every checksum) before anything is shown: a file that is refused gives
 * its one-line reason on stderr and exit status 2, whatever the subcommand. Strings read
 * from a file are shown with control characters replaced, so a damaged file cannot
 * drive the terminal; in JSON they are escaped by inspect_json.c.
 */
#define _POSIX_C_SOURCE 200809L

#include "inspect_json.h"
#include "snapfile.h"

#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The build passes the project version (CMake's PROJECT_VERSION); a bare compile says so. */
#ifndef MPISNAP_VERSION_STRING
#define MPISNAP_VERSION_STRING "(unversioned build)"
#endif

#define EXIT_INCONSISTENT 1
#define EXIT_REFUSED 2 /* also usage errors */

enum cmd { CMD_SUMMARY, CMD_CHECK, CMD_MESSAGES, CMD_WAITS };

static const struct command {
    const char *name;
    enum cmd cmd;
} commands[] = {
    {"summary", CMD_SUMMARY},
    {"check", CMD_CHECK},
    {"messages", CMD_MESSAGES},
    {"waits", CMD_WAITS},
};

struct opts {
    enum cmd cmd;
    int json;
    int nfiles;
    const char **files;
};

static void usage(FILE *out)
{
    fputs("usage: mpisnap-inspect [summary|check|messages] [--json] FILE...\n"
          "\n"
          "Shows and checks mpisnap snapshot files (one HDF5 file per snapshot). Needs no\n"
          "MPI: run it directly, not under mpirun.\n"
          "\n"
          "subcommands (the first word that is not an option; default summary):\n"
          "  summary   job attributes (snapshot id, algorithm, ranks, initiators, times,\n"
          "            program), one line per rank (host:pid, trigger, MPI call in progress,\n"
          "            messages sent and received, in-transit messages into it, regions),\n"
          "            in-transit totals, and the conserved quantity if the job declared one\n"
          "  check     verify each snapshot is consistent: for every channel i->j,\n"
          "            sent - received == messages in transit, no message received that was\n"
          "            not sent, every in-transit envelope addressed right, and the conserved\n"
          "            quantity balances; prints 'FILE: consistent (...)' or each problem and\n"
          "            'FILE: INCONSISTENT (n problems)'\n"
          "  messages  the messages in transit, one per line in each receiver's delivery\n"
          "            order: source -> destination, communicator, tag, size, sender's epoch,\n"
          "            receive order, and the first bytes of the payload in hex\n"
          "  waits     wait-for graph and deadlock cycles (not available yet)\n"
          "\n"
          "options:\n"
          "  --json     machine-readable output: one JSON object per file, an array of them\n"
          "             when several files are given; a refused file gives\n"
          "             {\"file\", \"status\": \"refused\", \"error\"}\n"
          "  -h, --help this help\n"
          "  --version  the version of mpisnap-inspect and the file format it reads\n"
          "\n"
          "exit status: 0 success (check: every FILE consistent), 1 some FILE inconsistent,\n"
          "2 a FILE was refused (not a snapshot, incomplete, corrupt) or the usage was wrong\n",
          out);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("mpisnap-inspect: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see mpisnap-inspect --help)\n", stderr);
    return EXIT_REFUSED;
}

/* Announced in the user contract, not implemented yet: say so rather than pretend. */
static int not_yet(const char *what)
{
    fprintf(stderr, "mpisnap-inspect: '%s' is not available yet\n", what);
    return EXIT_REFUSED;
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Options and one subcommand, in any order; a first word that is neither a subcommand
 * nor an existing file is taken for a mistyped subcommand. Returns -1 to go on, or the
 * exit status (0 after --help or --version). */
static int parse_args(int argc, char **argv, struct opts *o)
{
    int have_cmd = 0, only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct command *c = NULL;
        struct stat st;
        if (!only_files && strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (!only_files && a[0] == '-' && a[1]) {
            if (strcmp(a, "--json") == 0) {
                o->json = 1;
            } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                usage(stdout);
                return 0;
            } else if (strcmp(a, "--version") == 0) {
                printf("mpisnap-inspect %s (reads snapshot format %d)\n", MPISNAP_VERSION_STRING,
                       SF_FORMAT_VERSION);
                return 0;
            } else if (strcmp(a, "--dot") == 0 || strcmp(a, "--svg") == 0) {
                return not_yet(a);
            } else {
                return usage_error("unknown option '%s'", a);
            }
        } else if (!only_files && !have_cmd && o->nfiles == 0 && (c = find_command(a))) {
            if (c->cmd == CMD_WAITS)
                return not_yet(a);
            o->cmd = c->cmd;
            have_cmd = 1;
        } else if (!only_files && !have_cmd && o->nfiles == 0 && stat(a, &st) != 0 &&
                   !strpbrk(a, "./")) {
            return usage_error("'%s' is neither a subcommand nor an existing file", a);
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    if (o->nfiles == 0)
        return usage_error("no snapshot file given%s", "");
    return -1;
}

/* ---- formatting helpers ---- */

/* Control characters from the file become '?'. Returns buf. */
static const char *clean(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

static const char *human_bytes(uint64_t b, char *buf, size_t len)
{
    static const char *unit[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = -1;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%" PRIu64 " B", b);
    else
        snprintf(buf, len, "%.1f %s", v, unit[u]);
    return buf;
}

static const char *utc_time(double t, char *buf, size_t len)
{
    time_t s = (time_t)t;
    struct tm tm;
    if (!isfinite(t) || t < 0 || t > 1e11 || !gmtime_r(&s, &tm)) {
        snprintf(buf, len, "%g", t);
        return buf;
    }
    size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03d UTC", (int)((t - (double)s) * 1000));
    return buf;
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/* The first 16 payload bytes in hex, `sep` between bytes, "..." when there are more. */
static const char *hex_preview(const sf_msg *m, const char *sep, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (uint64_t i = 0; i < m->bytes && i < 16 && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%02x", i ? sep : "", m->data[i]);
    if (m->bytes > 16 && at < len)
        snprintf(buf + at, len - at, "%s...", sep);
    return buf;
}

static uint64_t sum(const uint64_t *v, int32_t n)
{
    uint64_t s = 0;
    for (int32_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

static uint64_t msg_bytes(const sf_rank *r)
{
    uint64_t b = 0;
    for (uint32_t i = 0; i < r->nmsgs; i++)
        b += r->msgs[i].bytes;
    return b;
}

/* Open path and read every rank, which verifies every checksum. NULL after printing
 * the one-line reason (and, with --json, a "refused" object). */
static sf_file *open_all(const char *path, json *j)
{
    char err[1024];
    sf_file *f = sf_open(path, err, sizeof err);
    for (int32_t r = 0; f && r < sf_job_info(f)->nranks; r++)
        if (!sf_get_rank(f, r, err, sizeof err)) {
            sf_close(f);
            f = NULL;
        }
    if (f)
        return f;
    fprintf(stderr, "%s\n", err);
    if (j) {
        json_begin_object(j);
        json_kstring(j, "file", path);
        json_kstring(j, "status", "refused");
        json_kstring(j, "error", err);
        json_end_object(j);
    }
    return NULL;
}

/* ---- summary ---- */

static const char *algo_name(const char *algo)
{
    return strcmp(algo, "cl") == 0 ? "cl (Chandy-Lamport)"
           : strcmp(algo, "ly") == 0 ? "ly (Lai-Yang)"
                                     : algo;
}

/* One row of the rank table, formatted once per pass (widths, then printing). */
struct row {
    char hostpid[SF_TEXT_MAX + 16];
    char trigger[SF_NAME_MAX];
    char call[SF_NAME_MAX + 32];
    char transit[48];
    char regions[256];
};

/* Appends s to buf, or "..." when s does not fit; returns 0 when s fit. */
static int append(char *buf, size_t len, const char *s)
{
    size_t at = strlen(buf);
    int fits = at + strlen(s) + 4 < len;
    snprintf(buf + at, len - at, "%s", fits ? s : "...");
    return fits ? 0 : -1;
}

static void format_row(const sf_rank *r, struct row *w)
{
    char a[SF_TEXT_MAX], nm[SF_NAME_MAX], b[32];
    snprintf(w->hostpid, sizeof w->hostpid, "%s:%d", clean(r->host, a, sizeof a), r->pid);
    clean(r->trigger, w->trigger, sizeof w->trigger);
    if (r->call[0])
        snprintf(w->call, sizeof w->call, "%s (%.1f s)", clean(r->call, nm, sizeof nm),
                 r->call_seconds);
    else
        snprintf(w->call, sizeof w->call, "-");
    if (r->nmsgs)
        snprintf(w->transit, sizeof w->transit, "%" PRIu32 " (%s)", r->nmsgs,
                 human_bytes(msg_bytes(r), b, sizeof b));
    else
        snprintf(w->transit, sizeof w->transit, "0");
    w->regions[0] = '\0';
    for (uint32_t i = 0; i < r->nregions; i++) {
        char item[SF_NAME_MAX + 48];
        snprintf(item, sizeof item, "%s%s (%s)", i ? ", " : "",
                 clean(r->regions[i].name, nm, sizeof nm),
                 human_bytes(r->regions[i].bytes, b, sizeof b));
        if (append(w->regions, sizeof w->regions, item) < 0)
            break;
    }
    if (!r->nregions)
        snprintf(w->regions, sizeof w->regions, "-");
}

static int width(int cur, const char *s)
{
    int n = (int)strlen(s);
    return n > cur ? n : cur;
}

static void print_rank_table(sf_file *f)
{
    int32_t n = sf_job_info(f)->nranks;
    int wh = 8, wt = 7, wc = 16, wx = 10;
    struct row w;
    for (int32_t r = 0; r < n; r++) {
        format_row(sf_get_rank(f, r, NULL, 0), &w);
        wh = width(wh, w.hostpid);
        wt = width(wt, w.trigger);
        wc = width(wc, w.call);
        wx = width(wx, w.transit);
    }
    printf("\n  %4s  %-*s  %-*s  %-*s  %8s  %8s  %-*s  %s\n", "rank", wh, "host:pid", wt, "trigger",
           wc, "call in progress", "sent", "received", wx, "in transit", "regions");
    for (int32_t r = 0; r < n; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        format_row(k, &w);
        printf("  %4d%s %-*s  %-*s  %-*s  %8" PRIu64 "  %8" PRIu64 "  %-*s  %s\n", r,
               k->initiator ? "*" : " ", wh, w.hostpid, wt, w.trigger, wc, w.call,
               sum(k->sent, n), sum(k->recvd, n), wx, w.transit, w.regions);
    }
}

static void print_conservation(sf_file *f)
{
    const sf_job *jb = sf_job_info(f);
    char err[1024], a[SF_NAME_MAX];
    int64_t bal, moving;
    if (!jb->conserve_region[0])
        return;
    int rc = sf_conservation(f, &bal, &moving, err, sizeof err);
    printf("  conserved   '%s': ", clean(jb->conserve_region, a, sizeof a));
    if (rc < 0) {
        printf("cannot be computed: %s\n", err);
        return;
    }
    int64_t total = (int64_t)((uint64_t)bal + (uint64_t)moving);
    printf("balances %" PRId64 " + in transit %" PRId64 " = %" PRId64 ", declared %" PRId64
           ": %s\n", bal, moving, total, jb->conserve_total,
           total == jb->conserve_total ? "conserved" : "VIOLATED");
}

static void summary_text(const char *path, sf_file *f)
{
    const sf_job *jb = sf_job_info(f);
    char a[SF_TEXT_MAX], t[64];
    uint32_t nini;
    const int32_t *ini = sf_initiators(f, &nini);
    uint64_t nmsgs = 0, bytes = 0;
    printf("%s: snapshot %" PRIu64 " of %s\n", path, jb->id, clean(jb->program, a, sizeof a));
    printf("  algorithm   %s\n", algo_name(clean(jb->algo, a, sizeof a)));
    printf("  ranks       %d\n", jb->nranks);
    printf("  initiators  %s", nini ? "" : "none");
    for (uint32_t i = 0; i < nini; i++)
        printf("%s%d", i ? ", " : "", ini[i]);
    printf("  (marked * below)\n");
    printf("  recorded    %s, complete %.3f s later\n", utc_time(jb->t_start, t, sizeof t),
           jb->t_end - jb->t_start);
    printf("  library     mpisnap %s, file format %d\n",
           clean(jb->library_version, a, sizeof a), SF_FORMAT_VERSION);
    printf("  job         %s\n", clean(jb->job_key, a, sizeof a));
    print_rank_table(f);
    for (int32_t r = 0; r < jb->nranks; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        nmsgs += k->nmsgs;
        bytes += msg_bytes(k);
    }
    printf("\n  in transit  %" PRIu64 " message%s, %" PRIu64 " bytes\n", nmsgs, plural(nmsgs),
           bytes);
    print_conservation(f);
}

static void rank_json(json *j, const sf_rank *k, int32_t n)
{
    json_begin_object(j);
    json_kint(j, "rank", k->rank);
    json_kstring(j, "host", k->host);
    json_kint(j, "pid", k->pid);
    json_kbool(j, "initiator", k->initiator);
    json_kdouble(j, "t_record", k->t_record);
    json_kstring(j, "trigger", k->trigger);
    json_kstring(j, "call", k->call);
    json_kstring(j, "call_args", k->call_args);
    json_kdouble(j, "call_seconds", k->call_seconds);
    json_kuint(j, "sent_total", sum(k->sent, n));
    json_kuint(j, "recvd_total", sum(k->recvd, n));
    json_key(j, "sent");
    json_uint_array(j, k->sent, (uint64_t)n);
    json_key(j, "recvd");
    json_uint_array(j, k->recvd, (uint64_t)n);
    json_kuint(j, "in_transit_messages", k->nmsgs);
    json_kuint(j, "in_transit_bytes", msg_bytes(k));
    json_key(j, "requests");
    json_begin_array(j);
    for (uint32_t i = 0; i < k->nrequests; i++) {
        const sf_request *q = &k->requests[i];
        json_begin_object(j);
        json_kstring(j, "kind", q->kind);
        json_kint(j, "peer", q->peer);
        json_kint(j, "tag", q->tag);
        json_kint(j, "comm", q->comm);
        json_kint(j, "count", q->count);
        json_kstring(j, "datatype", q->datatype);
        json_end_object(j);
    }
    json_end_array(j);
    json_key(j, "regions");
    json_begin_array(j);
    for (uint32_t i = 0; i < k->nregions; i++) {
        json_begin_object(j);
        json_kstring(j, "name", k->regions[i].name);
        json_kstring(j, "type", k->regions[i].type);
        json_kuint(j, "count", k->regions[i].count);
        json_kuint(j, "bytes", k->regions[i].bytes);
        json_end_object(j);
    }
    json_end_array(j);
    json_key(j, "stack");
    json_begin_array(j);
    for (uint32_t i = 0; i < k->nstack; i++)
        json_string(j, k->stack[i]);
    json_end_array(j);
    json_end_object(j);
}

static void conservation_json(json *j, sf_file *f)
{
    const sf_job *jb = sf_job_info(f);
    char err[1024];
    int64_t bal, moving;
    json_key(j, "conservation");
    if (!jb->conserve_region[0]) {
        json_null(j);
        return;
    }
    int rc = sf_conservation(f, &bal, &moving, err, sizeof err);
    int64_t total = (int64_t)((uint64_t)bal + (uint64_t)moving);
    json_begin_object(j);
    json_kstring(j, "region", jb->conserve_region);
    json_kint(j, "offset", jb->conserve_offset);
    json_kint(j, "expected", jb->conserve_total);
    if (rc < 0) {
        json_kstring(j, "error", err);
    } else {
        json_kint(j, "balances", bal);
        json_kint(j, "in_transit", moving);
        json_kint(j, "total", total);
        json_kbool(j, "conserved", total == jb->conserve_total);
    }
    json_end_object(j);
}

static void summary_json(const char *path, sf_file *f, json *j)
{
    const sf_job *jb = sf_job_info(f);
    uint32_t nini;
    const int32_t *ini = sf_initiators(f, &nini);
    uint64_t nmsgs = 0, bytes = 0;
    json_begin_object(j);
    json_kstring(j, "file", path);
    json_kint(j, "format_version", SF_FORMAT_VERSION);
    json_kuint(j, "snapshot_id", jb->id);
    json_kstring(j, "algorithm", jb->algo);
    json_kint(j, "nranks", jb->nranks);
    json_key(j, "initiators");
    json_begin_array(j);
    for (uint32_t i = 0; i < nini; i++)
        json_int(j, ini[i]);
    json_end_array(j);
    json_kdouble(j, "t_start", jb->t_start);
    json_kdouble(j, "t_end", jb->t_end);
    json_kdouble(j, "duration", jb->t_end - jb->t_start);
    json_kstring(j, "program", jb->program);
    json_kstring(j, "library_version", jb->library_version);
    json_kstring(j, "job_key", jb->job_key);
    json_key(j, "ranks");
    json_begin_array(j);
    for (int32_t r = 0; r < jb->nranks; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        rank_json(j, k, jb->nranks);
        nmsgs += k->nmsgs;
        bytes += msg_bytes(k);
    }
    json_end_array(j);
    json_kuint(j, "in_transit_messages", nmsgs);
    json_kuint(j, "in_transit_bytes", bytes);
    conservation_json(j, f);
    json_end_object(j);
}

/* ---- check ---- */

static uint64_t count_messages(sf_file *f)
{
    uint64_t n = 0;
    for (int32_t r = 0; r < sf_job_info(f)->nranks; r++)
        n += sf_get_rank(f, r, NULL, 0)->nmsgs;
    return n;
}

/* Runs sf_check; its report (one problem per line) is printed with the file name in
 * front, or listed in the JSON object. Returns the exit status for this file. */
static int run_check(const char *path, sf_file *f, json *j)
{
    char *report = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&report, &len);
    if (!mem) {
        fprintf(stderr, "mpisnap-inspect: %s: out of memory\n", path);
        return EXIT_REFUSED;
    }
    int problems = sf_check(f, mem);
    fclose(mem);
    int32_t n = sf_job_info(f)->nranks;
    uint64_t channels = (uint64_t)n * (uint64_t)n, nmsgs = count_messages(f);
    if (j) {
        json_begin_object(j);
        json_kstring(j, "file", path);
        json_kstring(j, "status", problems ? "inconsistent" : "consistent");
        json_kint(j, "nranks", n);
        json_kuint(j, "channels", channels);
        json_kuint(j, "in_transit_messages", nmsgs);
        json_key(j, "problems");
        json_begin_array(j);
    }
    for (char *line = report, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            nl = line + strlen(line) - 1;
        else
            *nl = '\0';
        if (j)
            json_string(j, line);
        else
            printf("%s: %s\n", path, line);
    }
    if (j) {
        json_end_array(j);
        json_end_object(j);
    } else if (problems) {
        printf("%s: INCONSISTENT (%d problem%s)\n", path, problems, plural((uint64_t)problems));
    } else {
        printf("%s: consistent (%d ranks, %" PRIu64 " channels checked, %" PRIu64
               " message%s in transit)\n", path, n, channels, nmsgs, plural(nmsgs));
    }
    free(report);
    return problems ? EXIT_INCONSISTENT : 0;
}

/* ---- messages ---- */

static void messages_text(const char *path, sf_file *f)
{
    int32_t n = sf_job_info(f)->nranks;
    uint64_t count = count_messages(f), bytes = 0;
    for (int32_t r = 0; r < n; r++)
        bytes += msg_bytes(sf_get_rank(f, r, NULL, 0));
    printf("%s: %" PRIu64 " message%s in transit, %" PRIu64 " bytes\n", path, count,
           plural(count), bytes);
    for (int32_t r = 0; r < n; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        for (uint32_t i = 0; i < k->nmsgs; i++) {
            const sf_msg *m = &k->msgs[i];
            char hex[64];
            printf("  %d -> %d  comm %d  tag %d  %" PRIu64 " bytes  epoch %" PRIu32
                   "  order %" PRIu64 "%s%s\n", m->src, m->dst, m->comm, m->tag, m->bytes,
                   m->epoch, m->order, m->bytes ? "  data " : "",
                   hex_preview(m, " ", hex, sizeof hex));
        }
    }
}

static void messages_json(const char *path, sf_file *f, json *j)
{
    int32_t n = sf_job_info(f)->nranks;
    json_begin_object(j);
    json_kstring(j, "file", path);
    json_key(j, "messages");
    json_begin_array(j);
    for (int32_t r = 0; r < n; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        for (uint32_t i = 0; i < k->nmsgs; i++) {
            const sf_msg *m = &k->msgs[i];
            char hex[64];
            json_begin_object(j);
            json_kint(j, "src", m->src);
            json_kint(j, "dst", m->dst);
            json_kint(j, "comm", m->comm);
            json_kint(j, "src_comm", m->src_comm);
            json_kint(j, "tag", m->tag);
            json_kuint(j, "epoch", m->epoch);
            json_kuint(j, "order", m->order);
            json_kuint(j, "bytes", m->bytes);
            json_kstring(j, "preview_hex", hex_preview(m, "", hex, sizeof hex));
            json_end_object(j);
        }
    }
    json_end_array(j);
    json_end_object(j);
}

/* ---- driver ---- */

static int run_file(const struct opts *o, const char *path, json *j)
{
    sf_file *f = open_all(path, j);
    int rc = 0;
    if (!f)
        return EXIT_REFUSED;
    switch (o->cmd) {
    case CMD_SUMMARY:
        j ? summary_json(path, f, j) : summary_text(path, f);
        break;
    case CMD_CHECK:
        rc = run_check(path, f, j);
        break;
    case CMD_MESSAGES:
        j ? messages_json(path, f, j) : messages_text(path, f);
        break;
    case CMD_WAITS: /* refused by parse_args */
        break;
    }
    sf_close(f);
    return rc;
}

int main(int argc, char **argv)
{
    /* After a metadata checksum failure HDF5 1.10 cannot shut down cleanly, and its exit
     * handler would print a diagnostic after our one-line reason; the process is exiting
     * anyway, so the handler is not installed. */
    H5dont_atexit();
    struct opts o = {CMD_SUMMARY, 0, 0, calloc((size_t)argc, sizeof(char *))};
    if (!o.files)
        return EXIT_REFUSED;
    int rc = parse_args(argc, argv, &o);
    if (rc < 0) {
        json j;
        json_init(&j, stdout);
        if (o.json && o.nfiles > 1)
            json_begin_array(&j);
        for (int i = 0; i < o.nfiles; i++) {
            if (i && !o.json && o.cmd != CMD_CHECK)
                putchar('\n');
            int r = run_file(&o, o.files[i], o.json ? &j : NULL);
            rc = r > rc ? r : rc;
        }
        if (o.json && o.nfiles > 1)
            json_end_array(&j);
        if (o.json)
            json_finish(&j);
    }
    free(o.files);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mpisnap-inspect: cannot write the output\n");
        return EXIT_REFUSED;
    }
    return rc;
}
