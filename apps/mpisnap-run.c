/*
 * mpisnap-run - run an unmodified, dynamically linked MPI program under mpisnap:
 *
 *     mpirun -np 8 mpisnap-run [options] -- ./app args...
 *
 * Each rank's mpisnap-run turns its options into MPISNAP_* variables, puts
 * libmpisnap.so in LD_PRELOAD and execs the program. It refuses, with a line saying
 * why, a program that is statically linked (LD_PRELOAD cannot reach it) or that is
 * linked against an MPI other than the one mpisnap was built with.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mpisnap_config_help(void *file); /* libmpisnap: the settings table */

#ifndef MPISNAP_REL_LIBDIR
#define MPISNAP_REL_LIBDIR "../lib"
#endif

typedef struct opt {
    const char *flag, *var, *arg;
} opt;
static const opt opts[] = {
    {"--algo", "MPISNAP_ALGO", "cl|ly"},
    {"--dir", "MPISNAP_DIR", "DIR"},
    {"--interval", "MPISNAP_INTERVAL", "SECONDS"},
    {"--hang-timeout", "MPISNAP_HANG_TIMEOUT", "SECONDS"},
    {"--signal", "MPISNAP_SIGNAL", "0|1"},
    {"--log", "MPISNAP_LOG", "LEVEL"},
    {"--stack", "MPISNAP_STACK", "0|1"},
    {"--small-msg", "MPISNAP_SMALL_MSG", "BYTES"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: mpirun -np N mpisnap-run [options] -- PROGRAM [ARGS...]\n\n"
               "Runs an unmodified, dynamically linked MPI program with mpisnap preloaded, so that\n"
               "consistent snapshots of the job can be taken (SIGUSR1 to any rank, --interval,\n"
               "--hang-timeout). Files go to --dir; read them with mpisnap-inspect.\n\noptions:\n");
    for (size_t i = 0; i < NOPTS; i++) fprintf(f, "  %-15s %-8s sets %s\n", opts[i].flag, opts[i].arg, opts[i].var);
    fprintf(f, "  -h, --help               this text\n\nsettings (each option sets one; the variables may also be set directly):\n");
    mpisnap_config_help(f);
}

static void die(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "mpisnap-run: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    exit(2);
}

/* Directory of this executable, to find libmpisnap.so relative to it. */
static void self_dir(char *out, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", out, len - 1);
    if (n <= 0) die("cannot read /proc/self/exe%s%s", "", "");
    out[n] = 0;
    char *slash = strrchr(out, '/');
    if (slash) *slash = 0;
}

/* Look at the program's dynamic dependencies with ldd: refuse a static binary or one
 * linked against another MPI. */
static void check_program(const char *prog)
{
    char cmd[PATH_MAX + 64], line[1024];
    snprintf(cmd, sizeof cmd, "ldd '%s' 2>&1", prog);
    FILE *p = popen(cmd, "r");
    if (!p) return;
    int ompi = 0, other = 0, is_static = 0;
    while (fgets(line, sizeof line, p)) {
        if (strstr(line, "not a dynamic executable") || strstr(line, "statically linked")) is_static = 1;
        if (strstr(line, "libmpi.so")) ompi = 1;
        if (strstr(line, "libmpich") || strstr(line, "libmpi_intel") || strstr(line, "libmvapich")) other = 1;
    }
    pclose(p);
    if (is_static)
        die("%s is statically linked: LD_PRELOAD cannot reach it; relink it dynamically or with -lmpisnap%s", prog, "");
    if (other && !ompi)
        die("%s is linked against another MPI library; mpisnap was built for Open MPI%s", prog, "");
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        size_t k = 0;
        for (; k < NOPTS; k++) {
            size_t l = strlen(opts[k].flag);
            if (strncmp(a, opts[k].flag, l)) continue;
            const char *v = NULL;
            if (a[l] == '=') v = a + l + 1;
            else if (!a[l] && i + 1 < argc) v = argv[++i];
            else if (a[l]) continue;
            if (!v) die("%s needs a value (%s)", opts[k].flag, opts[k].arg);
            setenv(opts[k].var, v, 1);
            break;
        }
        if (k == NOPTS) {
            if (a[0] == '-') die("unknown option %s; see mpisnap-run --help%s", a, "");
            break; /* the program, without "--" */
        }
    }
    if (i >= argc) die("no program given; usage: mpisnap-run [options] -- PROGRAM [ARGS...]%s%s", "", "");
    check_program(argv[i]);
    char dir[PATH_MAX], lib[PATH_MAX + 64], pre[2 * PATH_MAX + 64];
    self_dir(dir, sizeof dir);
    snprintf(lib, sizeof lib, "%s/%s/libmpisnap.so", dir, MPISNAP_REL_LIBDIR);
    if (access(lib, R_OK)) snprintf(lib, sizeof lib, "%s/../lib/libmpisnap.so", dir); /* build tree */
    if (access(lib, R_OK)) die("cannot find libmpisnap.so next to %s (is mpisnap installed completely?)%s", dir, "");
    const char *old = getenv("LD_PRELOAD");
    snprintf(pre, sizeof pre, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
    setenv("LD_PRELOAD", pre, 1);
    execvp(argv[i], argv + i);
    die("cannot run %s: %s", argv[i], strerror(errno));
    return 2;
}
