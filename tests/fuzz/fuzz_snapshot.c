/*
 * fuzz_snapshot.c - libFuzzer targets for everything that reads a snapshot file.
 *
 * The input is a whole file. It is written to a file in /dev/shm (memory; HDF5 needs a
 * real path: it resolves symlinks, so a memfd's /proc/self/fd/N will not do) and read
 * from there as any file would be. One source, several targets
 * (tests/fuzz/CMakeLists.txt), chosen by FUZZ_COMMAND at compile time:
 *   - "reader": the reader alone (sf_open, every rank, sf_check, sf_conservation);
 *   - "check", "messages", "waits", "stacks", "summary": mpisnap-inspect's subcommand,
 *     in text or --json (waits and summary also --dot; the input's size chooses),
 *     through inspect_main, the tool itself without its crash guard.
 * Besides the sanitizers' own findings, every run must leave no HDF5 object open, and a
 * refused file must give exactly one line on stderr and exit status 2: either
 * violation aborts (a finding).
 */
#define _GNU_SOURCE

#include "inspect.h"

#include <fcntl.h>
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fd = -1;
static char path[64];
static FILE *devnull, *real_stderr;

static void finding(const char *what)
{
    fprintf(real_stderr, "fuzz_snapshot: %s\n", what);
    abort();
}

static void remove_input(void) { unlink(path); }

static void setup(void)
{
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/mpisnap-fuzz-%d.h5", dir, (int)getpid());
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) finding("cannot create the input file");
    atexit(remove_input);
    /* HDF5 1.10 may loop at exit after a metadata checksum failure (inspect_main says so) */
    H5dont_atexit();
    /* HDF5 keeps the blocks it frees on its own free lists without a limit: else every
     * open of a file freed and allocated its metadata cache's half-megabyte table anew,
     * which ASan's allocator maps fresh each time (half of the time went to page faults).
     * HDF5 is not instrumented, so ASan sees nothing less of mpisnap's code. */
    H5set_free_list_limits(-1, -1, -1, -1, -1, -1);
    devnull = fopen("/dev/null", "w");
    real_stderr = stderr;
    if (!devnull || !freopen("/dev/null", "w", stdout)) finding("cannot open /dev/null");
}

static void no_open_objects(void)
{
    if (H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) finding("an HDF5 object was left open");
}

#ifdef FUZZ_READER
static void run(size_t size)
{
    char err[1024];
    sf_file *f = sf_open(path, err, sizeof err);
    if (!f) {
        if (strncmp(err, "mpisnap: ", 9) != 0 || strchr(err, '\n'))
            finding("a refusal that is not one 'mpisnap: FILE: ...' line");
        return;
    }
    const sf_job *job = sf_job_info(f);
    int all = 1;
    for (int32_t r = 0; r < job->nranks && all; r++) all = sf_get_rank(f, r, err, sizeof err) != NULL;
    if (all) {
        int64_t bal, moving;
        sf_check(f, devnull);
        sf_conservation(f, &bal, &moving, err, sizeof err);
    }
    sf_close(f);
}
#else
/* One subcommand with its output options; a refusal is one line on stderr. */
static void run_inspect(const char *opt)
{
    char *errs = NULL;
    size_t len = 0;
    char *argv[] = {"mpisnap-inspect", FUZZ_COMMAND, (char *)opt, path, NULL};
    if (!opt) {
        argv[2] = path;
        argv[3] = NULL;
    }
    stderr = open_memstream(&errs, &len);
    if (!stderr) finding("out of memory");
    int argc = opt ? 4 : 3, rc = inspect_main(argc, argv);
    fclose(stderr);
    stderr = real_stderr;
    if (rc == EXIT_REFUSED) {
        char *nl = strchr(errs, '\n');
        if (!nl || nl[1] != '\0' || strncmp(errs, "mpisnap: ", 9) != 0) {
            fprintf(real_stderr, "stderr was: %s\n", errs);
            finding("a refused file did not get exactly one 'mpisnap: FILE: ...' line");
        }
    } else if (rc < 0 || rc > EXIT_DEADLOCK) {
        finding("an exit status mpisnap-inspect does not have");
    }
    free(errs);
}

/* One output mode per input, chosen by its size (so an input always replays the same). */
static void run(size_t size)
{
    int pictures = strcmp(FUZZ_COMMAND, "waits") == 0 || strcmp(FUZZ_COMMAND, "summary") == 0;
    static const char *const modes[] = {NULL, "--json", "--dot"};
    run_inspect(modes[size % (pictures ? 3 : 2)]);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) setup();
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size) finding("cannot write the input file");
    run(size);
    no_open_objects();
    return 0;
}
