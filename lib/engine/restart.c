/*
 * restart.c - resume a job from a snapshot (MPISNAP_RESTART=FILE|latest|latest-or-new).
 *
 * At MPI_Init the ranks agree on the file (latest: the newest snapshot in MPISNAP_DIR
 * that opens as complete and checksum-valid and was taken at safe points; rank 0 says
 * why it skips the others; latest-or-new: the same, but when there is none, or no
 * MPISNAP_DIR yet, the job starts from the beginning, as a job script's first run must).
 * Each rank checks, in parallel with the others, that the file belongs to this job (same
 * number of ranks, same program) and that its own part was recorded at a safe point and
 * passes its checksums. Every rank then reads its part:
 *  - its counters, so the channels' arithmetic continues and later snapshots of the
 *    restarted job are consistent too;
 *  - the messages that were in transit into it, which go into the held queue when the
 *    regions are restored, at the first safe point: the application's receives and
 *    probes find them there before any new message, in the order they were sent
 *    (wire.c, chan.c). Not before: what the program does between MPI_Init and its first
 *    safe point (pre-posting receives, say) is undone by the restore, so a message it
 *    took then would be lost. Messages of a communicator other than world and self
 *    wait until the program has created it again (ids are agreed in creation order,
 *    so the same program gets the same ids);
 *  - its regions, restored at the first safe point once every rank has checked that
 *    the program protects exactly the same regions with the same sizes and types
 *    (no partial restore).
 * The snapshot ids continue after the one restarted from.
 */
#include "restart.h"
#include "count.h"
#include "engine.h"
#include "record.h"
#include "safepoint.h"
#include "wire.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct saved_region {
    char name[SF_NAME_MAX], type[SF_NAME_MAX];
    uint64_t bytes;
    const uint8_t *data;
} saved_region;
static saved_region *saved;
static uint32_t nsaved;
static snap_msg *waiting; /* in-transit messages not released yet (comm NULL: not created yet) */
static int released;      /* the regions are restored: messages of known communicators are held */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void own_program(char *buf, size_t len)
{
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
}

/* Can this rank of this job restart from f? 0, or -1 with the reason in err. Reads the
 * job's facts and this rank's part (checksums verified; without the regions' bytes
 * when f skips them, see try_file). */
static int suitable(sf_file *f, const char *path, char *err, size_t errlen)
{
    const sf_job *j = sf_job_info(f);
    char prog[SF_TEXT_MAX];
    own_program(prog, sizeof prog);
    if (j->nranks != snap_job.nranks) {
        snprintf(err, errlen, "mpisnap: %s: snapshot of %d ranks, this job has %d; restart with mpirun -np %d", path,
                 j->nranks, snap_job.nranks, j->nranks);
        return -1;
    }
    if (strcmp(base_name(j->program), base_name(prog))) {
        snprintf(err, errlen, "mpisnap: %s: snapshot of program '%s', this is '%s'", path, base_name(j->program),
                 base_name(prog));
        return -1;
    }
    const sf_rank *rk = sf_get_rank(f, snap_job.rank, err, errlen);
    if (!rk) return -1;
    if (strcmp(rk->trigger, "safepoint")) {
        snprintf(err, errlen,
                 "mpisnap: %s: rank %d was not recorded at a safe point (a debugging snapshot, "
                 "trigger '%s'): it cannot be restarted from; the program must call mpisnap_safepoint()",
                 path, snap_job.rank, rk->trigger);
        return -1;
    }
    return 0;
}

/* The check of everything but the regions' bytes, which the rank reads (and checks)
 * afterwards, once, in its own process (load_everywhere). */
static int try_file(const char *path, char *err, size_t errlen)
{
    sf_file *f = sf_open(path, err, errlen);
    if (!f) return -1;
    sf_skip_region_data(f);
    int rc = suitable(f, path, err, errlen);
    sf_close(f);
    return rc;
}

enum { READ_CPU_LIMIT = 120 }; /* seconds of CPU the check of one file may take */

/* try_file() in a child process. HDF5 1.10's error paths on a corrupt file can leave
 * its library state damaged (a crash at exit was seen after a checksum error), so the MPI
 * process itself only opens files that passed. The child touches HDF5 only and leaves
 * with _exit (no MPI, no atexit handlers); its reason comes back through a pipe. */
static int try_file_isolated(const char *path, char *err, size_t errlen)
{
    static const char OK[] = "ok";
    int fd[2];
    if (pipe(fd)) return try_file(path, err, errlen);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return try_file(path, err, errlen);
    }
    if (pid == 0) {
        char why[700] = "";
        /* a damaged file could make HDF5's parser loop: the child then dies of SIGXCPU */
        struct rlimit cpu = {READ_CPU_LIMIT, READ_CPU_LIMIT + 1};
        setrlimit(RLIMIT_CPU, &cpu);
        close(fd[0]);
        int rc = try_file(path, why, sizeof why);
        if (!rc) snprintf(why, sizeof why, "%s", OK); /* said, not only an exit status: see below */
        if (write(fd[1], why, strlen(why)) < 0) rc = 1;
        _exit(rc ? 1 : 0);
    }
    close(fd[1]);
    size_t got = 0;
    for (ssize_t n;
         got + 1 < errlen && ((n = read(fd[0], err + got, errlen - 1 - got)) > 0 || (n < 0 && errno == EINTR));)
        if (n > 0) got += (size_t)n;
    err[got] = 0;
    close(fd[0]);
    int status = 0, waited;
    while ((waited = (int)waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    /* without the status (the application ignores SIGCHLD, so the child is reaped for
     * it), the child's own word decides; a crash says nothing and counts as a failure */
    int ok = !strcmp(err, OK) && (waited < 0 || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
    if (ok) return 0;
    if (waited >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
        snprintf(err, errlen, "mpisnap: %.400s: reading it took more than %d s of CPU time (a damaged file?)", path,
                 READ_CPU_LIMIT);
    else if (waited >= 0 && WIFSIGNALED(status))
        snprintf(err, errlen, "mpisnap: %.400s: damaged file: reading it crashed the reader (%s)", path,
                 strsignal(WTERMSIG(status)));
    else if (!err[0] || !strcmp(err, OK))
        snprintf(err, errlen, "mpisnap: %.400s: cannot be read (checking it failed)", path);
    return -1;
}

/* A snapshot file of MPISNAP_DIR; newest first: by the time it was completed (its rename
 * into place), then by id. Not by id alone: ids start again at 1 in every job that is not
 * a restart, so a directory reused by a later job can hold higher ids of an earlier one. */
typedef struct cand {
    char *name;
    struct timespec t;
} cand;
static int newest_first(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->t.tv_sec != y->t.tv_sec) return x->t.tv_sec < y->t.tv_sec ? 1 : -1;
    if (x->t.tv_nsec != y->t.tv_nsec) return x->t.tv_nsec < y->t.tv_nsec ? 1 : -1;
    return strcmp(y->name, x->name);
}

/* Collective: 0 if no rank is bad; otherwise -1 everywhere, and rank 0 gets in err the
 * reason of the first bad rank (why: this rank's reason, "" if it is fine), so a refusal
 * is one line however many ranks find it. */
enum { WHY = 700 };
static int agree(int bad, const char *why, char *err, size_t errlen)
{
    int any = 0;
    PMPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, snap_job.coll);
    if (!any) return 0;
    char mine[WHY];
    snprintf(mine, sizeof mine, "%s", bad ? why : "");
    char *all = snap_job.rank == 0 ? snap_xcalloc((size_t)snap_job.nranks, WHY) : NULL;
    PMPI_Gather(mine, WHY, MPI_CHAR, all, WHY, MPI_CHAR, 0, snap_job.coll);
    if (snap_job.rank == 0) {
        int r = 0;
        while (r < snap_job.nranks && !all[(size_t)r * WHY]) r++;
        snprintf(err, errlen, "%s", r < snap_job.nranks ? all + (size_t)r * WHY : "mpisnap: cannot restart");
        free(all);
    }
    return -1;
}

/* The file agreed on, and this rank's part of it, regions read and checked. */
static sf_file *rfile;
static const sf_rank *rpart;

/* Collective: every rank checks its own part of path, in parallel; where all passed,
 * reads it (the regions' bytes, checked against their checksums, are read here only,
 * once: they are what restore() puts back). On failure anywhere nothing is kept. */
static int load_everywhere(const char *path, char *err, size_t errlen)
{
    char why[WHY] = "";
    double t0 = snap_now();
    int bad = try_file_isolated(path, why, sizeof why) != 0;
    if (bad && snap_job.rank != 0 && access(path, F_OK) != 0 && errno == ENOENT)
        snprintf(why, sizeof why,
                 "mpisnap: %.300s: no such file on host %.60s (rank %d): every rank reads the "
                 "snapshot on its own node; copy it into MPISNAP_DIR on every node, or use a folder they share",
                 path, snap_job.host, snap_job.rank);
    if (agree(bad, why, err, errlen)) return -1;
    double t1 = snap_now();
    rfile = sf_open(path, why, sizeof why);
    rpart = rfile ? sf_get_rank(rfile, snap_job.rank, why, sizeof why) : NULL;
    snap_log(SNAP_LOG_DEBUG, "restart: %s checked in %.1f ms, this rank's part read in %.1f ms", path, 1e3 * (t1 - t0),
             1e3 * (snap_now() - t1));
    if (!agree(!rpart, why, err, errlen)) return 0;
    sf_close(rfile);
    rfile = NULL, rpart = NULL;
    return -1;
}

/* Collective: the newest snapshot of MPISNAP_DIR that every rank can restart from, into
 * path; rank 0 lists the directory and says why it skips the others. -1 if none (a
 * missing directory holds none when or_new), -2 if the directory cannot be read. */
static int find_latest(char *path, size_t len, int or_new, char *err, size_t errlen)
{
    cand *names = NULL;
    int n = 0, readable = 1;
    const char *what = or_new ? "latest-or-new" : "latest";
    if (snap_job.rank == 0) {
        DIR *d = opendir(snap_job.cfg.dir);
        readable = d != NULL || (or_new && errno == ENOENT);
        for (struct dirent *e; d && (e = readdir(d));) {
            size_t l = strlen(e->d_name);
            if (strncmp(e->d_name, "snap-", 5) || l < 8 || strcmp(e->d_name + l - 3, ".h5")) continue;
            char p[4400];
            struct stat st;
            snprintf(p, sizeof p, "%.4000s/%.255s", snap_job.cfg.dir, e->d_name);
            names = snap_xrealloc(names, (size_t)(n + 1) * sizeof *names);
            names[n].name = strdup(e->d_name);
            names[n].t = stat(p, &st) == 0 ? st.st_mtim : (struct timespec){0, 0};
            n++;
        }
        if (d) closedir(d);
        if (n > 1) qsort(names, (size_t)n, sizeof *names, newest_first); /* names is NULL when n is 0 */
    }
    PMPI_Bcast(&readable, 1, MPI_INT, 0, snap_job.coll);
    if (!readable) {
        snprintf(err, errlen, "mpisnap: MPISNAP_RESTART=%s: cannot read MPISNAP_DIR '%.400s'", what, snap_job.cfg.dir);
        return -2;
    }
    PMPI_Bcast(&n, 1, MPI_INT, 0, snap_job.coll);
    int found = -1;
    for (int i = 0; i < n && found; i++) {
        char why[600];
        if (snap_job.rank == 0) snprintf(path, len, "%.3800s/%.255s", snap_job.cfg.dir, names[i].name);
        PMPI_Bcast(path, (int)len, MPI_CHAR, 0, snap_job.coll);
        found = load_everywhere(path, why, sizeof why);
        if (found && snap_job.rank == 0)
            snap_log(SNAP_LOG_WARN, "latest: skipping %s", why + (strncmp(why, "mpisnap: ", 9) ? 0 : 9));
    }
    for (int i = 0; names && i < n; i++) free(names[i].name);
    free(names);
    if (found)
        snprintf(err, errlen, "mpisnap: MPISNAP_RESTART=%s: no snapshot to restart from in '%.400s'", what,
                 snap_job.cfg.dir);
    return found;
}

/* Agree on the file (collective): every rank checks its own part, rank 0 reports. 0:
 * latest-or-new found none, the job starts from the beginning. */
static int choose(char *path, size_t len)
{
    char err[700] = "";
    int bad, or_new = !strcmp(snap_job.cfg.restart, "latest-or-new");
    if (or_new || !strcmp(snap_job.cfg.restart, "latest")) {
        bad = find_latest(path, len, or_new, err, sizeof err);
        if (bad == -1 && or_new) {
            if (snap_job.rank == 0) snap_log(SNAP_LOG_INFO, "%s: starting from the beginning", err + 9);
            return 0;
        }
    } else {
        snprintf(path, len, "%s", snap_job.cfg.restart);
        bad = load_everywhere(path, err, sizeof err);
    }
    if (bad) {
        if (snap_job.rank == 0) fprintf(stderr, "%s\n", err);
        PMPI_Finalize();
        exit(2);
    }
    return 1;
}

static void hold(const sf_msg *m, MPI_Comm comm)
{
    snap_msg *h = snap_xcalloc(1, sizeof *h);
    h->src_world = m->src, h->src = m->src_comm, h->tag = m->tag, h->comm = comm, h->comm_id = m->comm;
    h->hdr.epoch = m->epoch;
    h->bytes = m->bytes;
    h->data = snap_xmalloc(m->bytes);
    memcpy(h->data, m->data, m->bytes);
    snap_msg **p = &waiting; /* keep order: append */
    while (*p) p = &(*p)->next;
    *p = h;
}

/* Move the waiting messages whose communicator exists into the held queue, in order. */
static void release(void)
{
    for (snap_msg **p = &waiting; *p;) {
        snap_msg *m = *p;
        if (m->comm == MPI_COMM_NULL) {
            p = &m->next;
            continue;
        }
        *p = m->next;
        chan_push(&wire_held, m);
    }
}

static void comm_created(int32_t id, MPI_Comm comm)
{
    for (snap_msg *m = waiting; m; m = m->next)
        if (m->comm_id == id && m->comm == MPI_COMM_NULL) m->comm = comm;
    if (released) release();
}

static void load_part(const sf_rank *r, uint64_t id)
{
    count_restore((uint32_t)id, r->sent, r->recvd);
    for (uint32_t i = 0; i < r->nmsgs; i++) {
        const sf_msg *m = &r->msgs[i];
        count_taken(m->src, m->epoch); /* held: taken out of MPI, not yet handed over */
        hold(m, m->comm == 0 ? MPI_COMM_WORLD : m->comm == 1 ? MPI_COMM_SELF : MPI_COMM_NULL);
    }
    saved = snap_xcalloc(r->nregions, sizeof *saved);
    nsaved = r->nregions;
    for (uint32_t i = 0; i < r->nregions; i++) { /* the bytes stay in rfile until restored */
        memcpy(saved[i].name, r->regions[i].name, SF_NAME_MAX);
        memcpy(saved[i].type, r->regions[i].type, SF_NAME_MAX);
        saved[i].bytes = r->regions[i].bytes;
        saved[i].data = r->regions[i].data;
    }
    snap_engine_restart_at((uint32_t)id);
    snap_sp_restart_at((uint32_t)id);
}

void snap_restart_load(void)
{
    if (!snap_job.cfg.restart[0]) return;
    static const snap_comm_observer observer = {comm_created, NULL};
    snap_comm_observe(&observer);
    char path[4096] = "";
    if (!choose(path, sizeof path)) return;
    uint64_t id = sf_job_info(rfile)->id;
    load_part(rpart, id);
    if (snap_job.rank == 0)
        snap_log(SNAP_LOG_INFO, "restarting from %s (snapshot %llu); regions are restored at the first safe point",
                 path, (unsigned long long)id);
}

static int restore(char *err, size_t errlen);

void snap_restart_restore(void)
{
    char why[WHY] = "", err[WHY] = "";
    double t0 = snap_now();
    int bad = restore(why, sizeof why);
    snap_log(SNAP_LOG_DEBUG, "restart: regions restored in %.1f ms", 1e3 * (snap_now() - t0));
    if (agree(bad, why, err, sizeof err)) { /* no partial restore: every rank stops */
        if (snap_job.rank == 0) fprintf(stderr, "%s\n", err);
        PMPI_Finalize();
        exit(2);
    }
}

static int restore(char *err, size_t errlen)
{
    /* check everything first: no partial restore */
    for (uint32_t i = 0; i < nsaved; i++) {
        char type[SF_NAME_MAX];
        uint64_t bytes = 0;
        if (record_describe(saved[i].name, type, &bytes)) {
            snprintf(err, errlen,
                     "mpisnap[%d]: cannot restart: region '%s' is in the snapshot but the program does "
                     "not protect it",
                     snap_job.rank, saved[i].name);
            return 1;
        }
        if (bytes != saved[i].bytes || strcmp(type, saved[i].type)) {
            snprintf(err, errlen,
                     "mpisnap[%d]: cannot restart: region '%s' is %llu bytes of %s in the snapshot, the "
                     "program protects %llu bytes of %s",
                     snap_job.rank, saved[i].name, (unsigned long long)saved[i].bytes, saved[i].type,
                     (unsigned long long)bytes, type);
            return 1;
        }
    }
    const char **names = snap_xcalloc(nsaved, sizeof *names);
    for (uint32_t i = 0; i < nsaved; i++) names[i] = saved[i].name;
    const char *extra = record_first_missing(names, nsaved);
    free(names);
    if (extra) {
        snprintf(err, errlen,
                 "mpisnap[%d]: cannot restart: the program protects region '%s', which the snapshot "
                 "does not have",
                 snap_job.rank, extra);
        return 1;
    }
    for (uint32_t i = 0; i < nsaved; i++) record_restore(saved[i].name, saved[i].data, saved[i].bytes);
    sf_close(rfile);
    rfile = NULL, rpart = NULL;
    free(saved);
    saved = NULL;
    nsaved = 0;
    released = 1;
    release();
    return 0;
}
