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

/* libmpisnap: the settings table, the one source of every option here */
void mpisnap_config_help(void *file);
int mpisnap_config_setting(int i, const char **name, const char **accepted, const char **def);

#ifndef MPISNAP_REL_LIBDIR
#define MPISNAP_REL_LIBDIR "../lib"
#endif

/* The option of setting MPISNAP_FOO_BAR is --foo-bar. */
static void option_of(const char *var, char *out, size_t len)
{
    size_t k = snprintf(out, len, "--");
    for (const char *p = var + strlen("MPISNAP_"); *p && k + 1 < len; p++)
        out[k++] = *p == '_' ? '-' : (char)(*p | 0x20);
    out[k] = 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mpirun -np N mpisnap-run [options] -- PROGRAM [ARGS...]\n\n"
               "Runs an unmodified, dynamically linked MPI program with mpisnap preloaded, so that\n"
               "consistent snapshots of the job can be taken (SIGUSR1 to any rank, --interval,\n"
               "--hang-timeout), or restarts it from one (--restart). Files go to --dir; read them\n"
               "with mpisnap-inspect.\n\noptions (--opt VALUE or --opt=VALUE):\n");
    const char *var, *acc, *def;
    char flag[64];
    for (int i = 0; mpisnap_config_setting(i, &var, &acc, &def); i++) {
        option_of(var, flag, sizeof flag);
        fprintf(f, "  %-22s sets %s (%s)\n", flag, var, acc);
    }
    fprintf(f, "  -h, --help               this text\n\nsettings (each option sets one; the variables may also be set "
               "directly):\n");
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
    if (other && !ompi) die("%s is linked against another MPI library; mpisnap was built for Open MPI%s", prog, "");
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
        const char *var, *acc, *def;
        char flag[64];
        int k = 0, found = 0;
        for (; !found && mpisnap_config_setting(k, &var, &acc, &def); k++) {
            option_of(var, flag, sizeof flag);
            size_t l = strlen(flag);
            if (strncmp(a, flag, l) || (a[l] && a[l] != '=')) continue;
            const char *v = a[l] == '=' ? a + l + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) die("%s needs a value (%s)", flag, acc);
            setenv(var, v, 1);
            found = 1;
        }
        if (!found) {
            if (a[0] == '-') die("unknown option %s; see mpisnap-run --help%s", a, "");
            break; /* the program, without "--" */
        }
    }
    if (i >= argc) die("no program given; usage: mpisnap-run [options] -- PROGRAM [ARGS...]%s%s", "", "");
    check_program(argv[i]);
    char dir[PATH_MAX], lib[PATH_MAX + 64], pre[3 * PATH_MAX + 64];
    self_dir(dir, sizeof dir);
    snprintf(lib, sizeof lib, "%s/%s/libmpisnap.so", dir, MPISNAP_REL_LIBDIR);
    if (access(lib, R_OK)) snprintf(lib, sizeof lib, "%s/../lib/libmpisnap.so", dir); /* build tree */
    if (access(lib, R_OK)) die("cannot find libmpisnap.so next to %s (is mpisnap installed completely?)%s", dir, "");
    const char *old = getenv("LD_PRELOAD");
#ifdef MPISNAP_SANITIZER_RUNTIME
    /* a build with AddressSanitizer (MPISNAP_SANITIZE): its run-time must be the first
     * library of the process, before libmpisnap, in a program built without it */
    snprintf(pre, sizeof pre, "%s:%s%s%s", MPISNAP_SANITIZER_RUNTIME, lib, old && *old ? ":" : "",
             old && *old ? old : "");
#else
    snprintf(pre, sizeof pre, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
#endif
    setenv("LD_PRELOAD", pre, 1);
    execvp(argv[i], argv + i);
    die("cannot run %s: %s", argv[i], strerror(errno));
    return 2;
}
