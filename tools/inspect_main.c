/*
 * inspect_main.c - mpisnap-inspect's entry point: the crash guard around inspect_main().
 *
 * The files the tool reads may come from anywhere, and HDF5's parser has a long history
 * of crashes on malformed files (our own checks run on what HDF5 hands back, but HDF5
 * parses the file's structure first). A crash must not be the answer to a damaged file:
 * a fatal signal while a file is being read becomes the one-line refusal every other
 * damage gets ("mpisnap: FILE: ..."), and exit status 2. The handler runs on its own
 * stack (a stack overflow is a crash too) and uses only write() and _exit(). The fuzz
 * targets (tests/fuzz) call inspect_main() without this guard, so that they see the
 * crashes it would hide.
 *
 * A damaged file can also make a parser loop forever. Reading one file may take
 * --read-limit seconds of CPU time (a profiling timer: time spent waiting for a slow
 * disk does not count), after which the file is refused the same way.
 */
#define _DEFAULT_SOURCE

#include "inspect.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static const struct {
    int sig;
    const char *name;
} fatal[] = {{SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
             {SIGILL, "SIGILL"},   {SIGABRT, "SIGABRT"}, {SIGSYS, "SIGSYS"}};

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void on_crash(int sig)
{
    const char *name = "a fatal signal";
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        if (fatal[i].sig == sig) name = fatal[i].name;
    const char *path = inspect_reading;
    if (path) {
        put("mpisnap: ");
        put(path);
        put(": damaged file: reading it crashed the reader (");
        put(name);
        put("); not a snapshot mpisnap wrote, or corrupted since\n");
    } else {
        put("mpisnap-inspect: crashed (");
        put(name);
        put(") outside of reading a file: a bug, please report it with the command line\n");
    }
    _exit(EXIT_REFUSED);
}

/* The refusal for a file that took too long, made when the timer starts (the handler
 * only writes it). */
static char too_long[4096 + 256];

static void on_time_limit(int sig)
{
    (void)sig;
    put(too_long);
    _exit(EXIT_REFUSED);
}

static void read_timer(double seconds)
{
    struct itimerval t = {{0, 0}, {0, 0}};
    if (seconds > 0) {
        snprintf(too_long, sizeof too_long,
                 "mpisnap: %s: reading it took more than %g s of CPU time: a damaged file can make HDF5's "
                 "parser loop; if the file is sound but large, raise --read-limit (0: no limit)\n",
                 inspect_reading ? inspect_reading : "?", seconds);
        t.it_value.tv_sec = (time_t)seconds;
        t.it_value.tv_usec = (suseconds_t)((seconds - (double)t.it_value.tv_sec) * 1e6);
    }
    setitimer(ITIMER_PROF, &t, NULL);
}

static void guard(void)
{
    static char alt[64 * 1024];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaltstack(&ss, NULL);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) sigaction(fatal[i].sig, &sa, NULL);
    sa.sa_handler = on_time_limit;
    sigaction(SIGPROF, &sa, NULL);
    inspect_read_timer = read_timer;
}

int main(int argc, char **argv)
{
    guard();
    return inspect_main(argc, argv);
}
