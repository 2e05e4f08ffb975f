/*
 * inspect.c - mpisnap-inspect: show and check snapshot files, without MPI.
 *
 *   mpisnap-inspect [summary|check|messages|stacks|waits|progress|report] [--json|--dot|--svg] FILE...
 *
 * The tool links only the serial snapshot-file module (snapfile.h), so it runs on a
 * login node or a laptop without mpirun. Every file is opened and all its ranks read
 * (which verifies every checksum) before anything is shown: a file that is refused gives
 * its one-line reason on stderr and exit status 2, whatever the subcommand. Strings read
 * from a file are shown with control characters replaced, so a damaged file cannot
 * drive the terminal; in JSON they are escaped by inspect_json.c, in DOT by
 * inspect_dot.c. This file holds the driver, `check` and `messages`; the other
 * subcommands live in inspect_summary.c, inspect_waits*.c, inspect_dot.c, and
 * inspect_tree.c (stacks --tree) and inspect_progress.c (progress); payload values in
 * inspect_values.c, the HTML report in inspect_report.c.
 */
#define _POSIX_C_SOURCE 200809L

#include "inspect_stacks.h"

#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The build passes the project version (CMake's PROJECT_VERSION); a bare compile says so. */
#ifndef MPISNAP_VERSION_STRING
#define MPISNAP_VERSION_STRING "(unversioned build)"
#endif

enum cmd { CMD_SUMMARY, CMD_CHECK, CMD_MESSAGES, CMD_STACKS, CMD_WAITS, CMD_PROGRESS, CMD_REPORT };

static const struct command {
    const char *name;
    enum cmd cmd;
    int pictures; /* accepts --dot and --svg */
} commands[] = {
    {"summary", CMD_SUMMARY, 1}, {"check", CMD_CHECK, 0}, {"messages", CMD_MESSAGES, 0},
    {"stacks", CMD_STACKS, 0},   {"waits", CMD_WAITS, 1}, {"progress", CMD_PROGRESS, 0},
    {"report", CMD_REPORT, 0},
};

struct opts {
    const struct command *cmd;
    enum output out;
    const char *out_flag; /* the option that chose `out`, for messages */
    uint64_t eager;       /* waits --eager-limit */
    int tree;             /* stacks --tree */
    int nfiles;
    const char **files;
};

static void usage(FILE *out)
{
    fputs("usage: mpisnap-inspect [SUBCOMMAND] [--json|--dot|--svg] FILE...\n"
          "\n"
          "Shows and checks mpisnap snapshot files (one HDF5 file per snapshot). Needs no\n"
          "MPI: run it directly, not under mpirun.\n"
          "\n"
          "subcommands (the first word that is not an option; default summary):\n"
          "  summary   job attributes (snapshot id, algorithm, ranks, initiators, times,\n"
          "            program), one line per rank (host:pid, trigger, MPI call in progress,\n"
          "            messages sent and received, in-transit messages into it, regions),\n"
          "            in-transit totals, the conserved quantity if the job declared one,\n"
          "            and where the ranks are (as 'stacks' below)\n"
          "  check     verify each snapshot is consistent: for every channel i->j,\n"
          "            sent - received == messages in transit, no message received that was\n"
          "            not sent, every in-transit envelope addressed right, and the conserved\n"
          "            quantity balances; prints 'FILE: consistent (...)' or each problem and\n"
          "            'FILE: INCONSISTENT (n problems)'; warns on stderr about a file\n"
          "            anybody may read\n"
          "  messages  the messages in transit, one per line in each receiver's delivery\n"
          "            order: source -> destination, communicator, tag, size, sender's epoch,\n"
          "            receive order, and the payload as values by its datatype\n"
          "            ('MPI_DOUBLE[5]: 1.5 -2.25 ...': the first values and the element\n"
          "            count), or its first bytes in hex when the datatype is not known\n"
          "            (no receive had asked for the message yet)\n"
          "  stacks    ranks grouped by MPI call and call stack, largest group first, one\n"
          "            line per group: 'ranks 0-511, 513-999 (999): MPI_Barrier <- solve\n"
          "            (cg.c:42) <- main (cg.c:90)'. Frames are named here, offline, from\n"
          "            the binaries' debug information (function, file:line, inlined\n"
          "            frames), else their symbol table, else module+offset; a binary\n"
          "            rebuilt since the run is reported, not misnamed. --tree merges all\n"
          "            stacks into one call-prefix tree (outermost frame first), each\n"
          "            node with its rank count and list ('0-3,7,9-12'), ranks with the\n"
          "            same path (a class) in one colour; --dot/--svg draw it\n"
          "  waits     the wait-for graph: who waits for whom (MPI_Waitall and collectives\n"
          "            wait for all, MPI_Waitany/Waitsome and MPI_ANY_SOURCE for any one; a\n"
          "            receive with a matching message in transit is not blocked). Prints\n"
          "            each deadlock first ('deadlock: rank 3 MPI_Recv(src=5, tag=7,\n"
          "            comm=WORLD) waits for rank 5, ...'), then every rank in a blocking\n"
          "            call, then 'FILE: deadlock among ranks ...' or 'FILE: no deadlock ...'\n"
          "            A rank waited for while not in MPI is flagged '(not in MPI:\n"
          "            computing?)'. --json gives the deadlocked ranks, each deadlock\n"
          "            (ranks, one cycle), every rank's state and waits_for, the AND/OR\n"
          "            edges; --dot/--svg draw the graph, deadlocked ranks in red\n"
          "  progress  A B [C...]: snapshots of one job compared (in snapshot order): per\n"
          "            rank the messages sent and received and collectives entered since\n"
          "            the earlier one, whether its call and stack changed, and the ranks\n"
          "            that made no progress at all; refuses files of different jobs.\n"
          "            Take the pair with mpisnap-run --hang-timeout T --hang-repeat S\n"
          "  report    FILE...: one self-contained HTML page on stdout for a person to read\n"
          "            in a browser (no script, nothing fetched): the job, the deadlock\n"
          "            verdict with the wait-for graph and its legend, the call-prefix tree,\n"
          "            the ranks (call, arguments, time in call, pending requests, where),\n"
          "            the messages in transit as values, and with several snapshots of one\n"
          "            job the progress between them. Shows the newest FILE; refuses files\n"
          "            of different jobs. mpisnap-inspect report mpisnap/*.h5 > report.html\n"
          "\n"
          "options:\n"
          "  --json     machine-readable output: one JSON object per file, an array of them\n"
          "             when several files are given; a refused file gives\n"
          "             {\"file\", \"status\": \"refused\", \"error\"}\n"
          "  --tree     stacks: the call-prefix tree (text, --json, --dot, --svg)\n"
          "  --dot      summary, waits, stacks --tree: the picture as Graphviz text\n"
          "             (one FILE)\n"
          "  --svg      summary, waits, stacks --tree: the picture as SVG, drawn by\n"
          "             Graphviz's 'dot' program (package graphviz) (one FILE)\n"
          "  --eager-limit BYTES\n"
          "             waits: a standard-mode send (MPI_Send, MPI_Isend...) of at most\n"
          "             BYTES is taken as buffered by MPI and waits for no one (default\n"
          "             4096, Open MPI's limit over shared memory); 0 applies MPI's strict\n"
          "             rule, which also reports programs that only work thanks to\n"
          "             buffering (unsafe programs)\n"
          "  --read-limit SECONDS\n"
          "             refuse a FILE whose reading takes more than SECONDS of CPU time\n"
          "             (default 120; 0: no limit): a damaged file can make HDF5's parser\n"
          "             loop forever\n"
          "  -h, --help this help\n"
          "  --version  the version of mpisnap-inspect and the file formats it reads\n"
          "\n"
          "exit status: 0 success (check: every FILE consistent; waits: no deadlock),\n"
          "1 some FILE inconsistent, 3 waits found a deadlock, 2 a FILE was refused (not a\n"
          "snapshot, incomplete, corrupt), the usage was wrong or Graphviz is missing\n"
          "(2 wins over 3, 3 over 1)\n",
          out);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("mpisnap-inspect: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see mpisnap-inspect --help)\n", stderr);
    return EXIT_REFUSED;
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* --eager-limit's value: bytes, 0..2^40. */
static int parse_eager(const char *v, struct opts *o)
{
    char *end;
    errno = 0;
    unsigned long long x = v && *v != '-' ? strtoull(v, &end, 10) : 0;
    if (!v || *v == '-' || errno || end == v || *end || x > (1ULL << 40))
        return usage_error("--eager-limit needs a byte count, 0..2^40, not '%s'", v ? v : "");
    o->eager = x;
    return -1;
}

/* --read-limit's value: seconds of CPU time, 0 (none) or 0.01..10^6. */
static int parse_read_limit(const char *v)
{
    char *end;
    errno = 0;
    double x = v && *v != '-' ? strtod(v, &end) : -1;
    if (!v || *v == '-' || errno || end == v || *end || !(x == 0 || (x >= 0.01 && x <= 1e6)))
        return usage_error("--read-limit needs seconds of CPU time, 0 (none) or 0.01..1000000, not '%s'", v ? v : "");
    inspect_read_limit = x;
    return -1;
}

/* One option; returns -1 to go on, or the exit status. */
static int parse_option(const char *a, struct opts *o)
{
    static const struct {
        const char *flag;
        enum output out;
    } outputs[] = {{"--json", OUT_JSON}, {"--dot", OUT_DOT}, {"--svg", OUT_SVG}};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        if (strcmp(a, outputs[i].flag) != 0) continue;
        if (o->out_flag && strcmp(o->out_flag, a) != 0)
            return usage_error("choose one of --json, --dot and --svg%s", "");
        o->out = outputs[i].out;
        o->out_flag = a;
        return -1;
    }
    if (strcmp(a, "--tree") == 0) {
        o->tree = 1;
        return -1;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(a, "--version") == 0) {
        printf("mpisnap-inspect %s (reads snapshot formats %d to %d)\n", MPISNAP_VERSION_STRING, SF_FORMAT_OLDEST,
               SF_FORMAT_VERSION);
        return 0;
    }
    return usage_error("unknown option '%s'", a);
}

/* Options and one subcommand, in any order; a first word that is neither a subcommand
 * nor an existing file is taken for a mistyped subcommand. Returns -1 to go on, or the
 * exit status (0 after --help or --version). */
static int parse_args(int argc, char **argv, struct opts *o)
{
    int only_files = 0, eager_set = 0, rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct command *c = NULL;
        struct stat st;
        if (!only_files && strcmp(a, "--") == 0) {
            only_files = 1;
        } else if (!only_files && strcmp(a, "--eager-limit") == 0) {
            if ((rc = parse_eager(i + 1 < argc ? argv[++i] : NULL, o)) >= 0) return rc;
            eager_set = 1;
        } else if (!only_files && strcmp(a, "--read-limit") == 0) {
            if ((rc = parse_read_limit(i + 1 < argc ? argv[++i] : NULL)) >= 0) return rc;
        } else if (!only_files && a[0] == '-' && a[1]) {
            if ((rc = parse_option(a, o)) >= 0) return rc;
        } else if (!only_files && !o->cmd && o->nfiles == 0 && (c = find_command(a))) {
            o->cmd = c;
        } else if (!only_files && !o->cmd && o->nfiles == 0 && stat(a, &st) != 0 && !strpbrk(a, "./")) {
            return usage_error("'%s' is neither a subcommand nor an existing file", a);
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    if (!o->cmd) o->cmd = &commands[0];
    if (o->nfiles == 0) return usage_error("no snapshot file given%s", "");
    if (o->tree && o->cmd->cmd != CMD_STACKS) return usage_error("--tree is an option of stacks%s", "");
    if ((o->out == OUT_DOT || o->out == OUT_SVG) && !o->cmd->pictures && !o->tree)
        return usage_error("%s draws only summary, waits and stacks --tree", o->out_flag);
    if (o->cmd->cmd == CMD_REPORT && o->out_flag)
        return usage_error("report writes HTML; %s is not an option of it", o->out_flag);
    if (o->cmd->cmd == CMD_PROGRESS && o->nfiles < 2)
        return usage_error("progress compares two or more snapshots of one job%s", "");
    if (eager_set && o->cmd->cmd != CMD_WAITS) return usage_error("--eager-limit is an option of waits%s", "");
    if ((o->out == OUT_DOT || o->out == OUT_SVG) && o->nfiles > 1)
        return usage_error("%s takes one snapshot file (one picture)", o->out_flag);
    return -1;
}

/* ---- check ---- */

static uint64_t count_messages(sf_file *f)
{
    uint64_t n = 0;
    for (int32_t r = 0; r < sf_job_info(f)->nranks; r++) n += sf_get_rank(f, r, NULL, 0)->nmsgs;
    return n;
}

/* A snapshot holds message payloads and application memory: say so when anybody may
 * read it (mpisnap writes them 0600, or 0640 with MPISNAP_SHARE=group). On stderr, so
 * the report and the exit status stay as they are. */
static void warn_readable(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
        fprintf(stderr,
                "mpisnap-inspect: warning: %s is readable by others (mode %04o): it holds message payloads "
                "and application memory; chmod o-r it\n",
                path, (unsigned)(st.st_mode & 07777));
}

/* For check's line: what became of the conserved quantity the job declared (sf_check
 * counted a violation as a problem already). */
static const char *conservation_note(sf_file *f)
{
    static char note[SF_NAME_MAX + 600];
    char err[512];
    int64_t bal, moving;
    const char *region = sf_job_info(f)->conserve_region;
    int rc = sf_conservation(f, &bal, &moving, err, sizeof err);
    note[0] = '\0';
    if (rc == 1)
        snprintf(note, sizeof note, ", '%s' conserved", region);
    else if (rc == 0 && err[0])
        snprintf(note, sizeof note, "; conservation of '%s' %s", region, err);
    return note;
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
    warn_readable(path);
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
        printf("%s: consistent (%d ranks, %" PRIu64 " channels checked, %" PRIu64 " message%s in transit%s)\n", path, n,
               channels, nmsgs, plural(nmsgs), conservation_note(f));
    }
    free(report);
    return problems ? EXIT_INCONSISTENT : 0;
}

/* ---- messages ---- */

static void messages_text(const char *path, sf_file *f)
{
    int32_t n = sf_job_info(f)->nranks;
    uint64_t count = count_messages(f), bytes = 0;
    for (int32_t r = 0; r < n; r++) bytes += msg_bytes(sf_get_rank(f, r, NULL, 0));
    printf("%s: %" PRIu64 " message%s in transit, %" PRIu64 " bytes\n", path, count, plural(count), bytes);
    for (int32_t r = 0; r < n; r++) {
        const sf_rank *k = sf_get_rank(f, r, NULL, 0);
        for (uint32_t i = 0; i < k->nmsgs; i++) {
            const sf_msg *m = &k->msgs[i];
            char hex[64];
            printf("  %d -> %d  comm %d  tag %d  %" PRIu64 " bytes  epoch %" PRIu32 "  order %" PRIu64, m->src, m->dst,
                   m->comm, m->tag, m->bytes, m->epoch, m->order);
            if (m->bytes && (fputs("  ", stdout), values_text(stdout, m) < 0))
                printf("data %s", hex_preview(m, " ", hex, sizeof hex));
            putchar('\n');
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
            json_key(j, "datatype");
            m->datatype[0] ? json_string(j, m->datatype) : json_null(j);
            json_key(j, "signature");
            m->signature[0] ? json_string(j, m->signature) : json_null(j);
            values_json(j, m);
            json_end_object(j);
        }
    }
    json_end_array(j);
    json_end_object(j);
}

/* ---- driver ---- */

/* stacks --tree in the chosen output. */
static int stacks_tree(const char *path, sf_file *f, enum output out, json *j)
{
    call_tree t;
    int rc = 0;
    if (tree_build(f, &t) < 0) {
        fprintf(stderr, "mpisnap-inspect: %s: out of memory\n", path);
        return EXIT_REFUSED;
    }
    if (out == OUT_SVG)
        rc = tree_svg(stdout, &t);
    else if (out == OUT_DOT)
        rc = tree_dot(stdout, &t) < 0 ? EXIT_REFUSED : 0;
    else
        j ? tree_json(j, path, &t) : tree_text(stdout, path, &t);
    tree_free(&t);
    return rc;
}

static int run_file(const struct opts *o, const char *path, json *j)
{
    sf_file *f = open_all(path, j);
    int rc = 0;
    if (!f) return EXIT_REFUSED;
    int picture = o->out == OUT_DOT || o->out == OUT_SVG;
    switch (o->cmd->cmd) {
    case CMD_SUMMARY:
        if (picture)
            rc = summary_dot(f, o->out);
        else
            j ? summary_json(path, f, j) : summary_text(path, f);
        break;
    case CMD_CHECK: rc = run_check(path, f, j); break;
    case CMD_MESSAGES: j ? messages_json(path, f, j) : messages_text(path, f); break;
    case CMD_STACKS:
        if (o->tree)
            rc = stacks_tree(path, f, o->out, j);
        else
            j ? stacks_json(path, f, j) : stacks_text(path, f);
        break;
    case CMD_PROGRESS: /* several files at once: see main */
    case CMD_REPORT: break;
    case CMD_WAITS: rc = waits_run(path, f, o->out, o->eager, j); break;
    }
    sf_close(f);
    return rc;
}

/* The status of several files: a refusal outranks a deadlock, which outranks an
 * inconsistency. */
static int worse(int a, int b)
{
    static const int rank[] = {0, 1, 3, 2}; /* by status 0..3 */
    return rank[b] > rank[a] ? b : a;
}

int inspect_main(int argc, char **argv)
{
    /* After a metadata checksum failure HDF5 1.10 cannot shut down cleanly, and its exit
     * handler would print a diagnostic after our one-line reason; the process is exiting
     * anyway, so the handler is not installed. */
    H5dont_atexit();
    struct opts o = {NULL, OUT_TEXT, NULL, EAGER_LIMIT_DEFAULT, 0, 0, calloc((size_t)argc, sizeof(char *))};
    if (!o.files) return EXIT_REFUSED;
    int rc = parse_args(argc, argv, &o), json_out = o.out == OUT_JSON;
    if (rc < 0 && o.cmd->cmd == CMD_REPORT) {
        rc = report_run(o.nfiles, (const char *const *)o.files);
    } else if (rc < 0 && o.cmd->cmd == CMD_PROGRESS) {
        json j;
        json_init(&j, stdout);
        rc = progress_run(o.nfiles, (const char *const *)o.files, json_out ? &j : NULL);
        if (json_out && rc == 0) json_finish(&j);
    } else if (rc < 0) {
        json j;
        rc = 0;
        json_init(&j, stdout);
        if (json_out && o.nfiles > 1) json_begin_array(&j);
        for (int i = 0; i < o.nfiles; i++) {
            if (i && o.out == OUT_TEXT && o.cmd->cmd != CMD_CHECK) putchar('\n');
            rc = worse(rc, run_file(&o, o.files[i], json_out ? &j : NULL));
        }
        if (json_out && o.nfiles > 1) json_end_array(&j);
        if (json_out) json_finish(&j);
    }
    free(o.files);
    sym_release();
    inspect_reading = NULL;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mpisnap-inspect: cannot write the output\n");
        return EXIT_REFUSED;
    }
    return rc;
}
