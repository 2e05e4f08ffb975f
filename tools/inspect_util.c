/*
 * inspect_util.c - small text helpers every part of mpisnap-inspect uses (see
 * inspect.h): strings from a file made safe for a terminal, sizes, communicator names,
 * rank lists compressed into ranges, a growable string on top of open_memstream, and
 * open_all (a file opened with every rank read).
 */
#define _POSIX_C_SOURCE 200809L

#include "inspect.h"
#include "inspect_waits.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char *clean(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++) buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

const char *human_bytes(uint64_t b, char *buf, size_t len)
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

const char *plural(uint64_t n) { return n == 1 ? "" : "s"; }

uint64_t sum_u64(const uint64_t *v, int32_t n)
{
    uint64_t s = 0;
    for (int32_t i = 0; i < n; i++) s += v[i];
    return s;
}

uint64_t msg_bytes(const sf_rank *r)
{
    uint64_t b = 0;
    for (uint32_t i = 0; i < r->nmsgs; i++) b += r->msgs[i].bytes;
    return b;
}

const char *short_call(const char *call)
{
    if (!call[0]) return "-";
    return strncmp(call, "MPI_", 4) == 0 ? call + 4 : call;
}

const char *comm_name(int32_t id, char *buf, size_t len)
{
    if (id == 0) return "WORLD";
    if (id == 1) return "SELF";
    snprintf(buf, len, "%" PRId32, id);
    return buf;
}

void put_ranks(FILE *out, const int32_t *ranks, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && ranks[j + 1] == ranks[j] + 1) j++;
        if (j - i >= 2) {
            fprintf(out, "%s%" PRId32 "-%" PRId32, i ? ", " : "", ranks[i], ranks[j]);
            i = j + 1;
        } else {
            fprintf(out, "%s%" PRId32, i ? ", " : "", ranks[i]);
            i++;
        }
    }
}

void put_rank_noun(FILE *out, const int32_t *ranks, size_t n)
{
    fputs(n == 1 ? "rank " : "ranks ", out);
    put_ranks(out, ranks, n);
}

int text_open(text *t)
{
    t->buf = NULL;
    t->len = 0;
    t->f = open_memstream(&t->buf, &t->len);
    return t->f ? 0 : -1;
}

char *text_close(text *t)
{
    int bad = ferror(t->f);
    if (fclose(t->f) != 0 || bad) {
        free(t->buf);
        return NULL;
    }
    return t->buf;
}

int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

const char *volatile inspect_reading;
double inspect_read_limit = 120;
void (*inspect_read_timer)(double seconds);

sf_file *open_all(const char *path, json *j)
{
    char err[1024];
    inspect_reading = path;
    if (inspect_read_timer) inspect_read_timer(inspect_read_limit);
    sf_file *f = sf_open(path, err, sizeof err);
    for (int32_t r = 0; f && r < sf_job_info(f)->nranks; r++)
        if (!sf_get_rank(f, r, err, sizeof err)) {
            sf_close(f);
            f = NULL;
        }
    if (inspect_read_timer) inspect_read_timer(0);
    if (f) return f;
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

const char *hex_preview(const sf_msg *m, const char *sep, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (uint64_t i = 0; i < m->bytes && i < 16 && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%02x", i ? sep : "", m->data[i]);
    if (m->bytes > 16 && at < len) snprintf(buf + at, len - at, "%s...", sep);
    return buf;
}
