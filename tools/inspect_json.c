/*
 * inspect_json.c - the streaming JSON writer of mpisnap-inspect (see inspect_json.h).
 *
 * Strings from a snapshot file are untrusted: they may hold control characters or
 * invalid UTF-8, and the output must still be valid JSON, so every string goes through
 * put_escaped(). Nesting deeper than JSON_MAX_DEPTH is a programming error; the writer
 * then stops tracking commas rather than write outside its arrays.
 */
#include "inspect_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void json_init(json *j, FILE *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

void json_finish(json *j) { fputc('\n', j->out); }

static void newline(json *j)
{
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->out);
}

/* Before any value or key: the comma and line break its position needs. */
static void separate(json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth == 0) return;
    if (j->depth <= JSON_MAX_DEPTH && j->count[j->depth - 1]++ > 0) fputc(',', j->out);
    newline(j);
}

static void open_level(json *j, char c)
{
    separate(j);
    fputc(c, j->out);
    if (j->depth < JSON_MAX_DEPTH) j->count[j->depth] = 0;
    j->depth++;
}

static void close_level(json *j, char c)
{
    int had = j->depth <= JSON_MAX_DEPTH && j->count[j->depth - 1] > 0;
    j->depth--;
    if (had) newline(j);
    fputc(c, j->out);
}

void json_begin_object(json *j) { open_level(j, '{'); }
void json_end_object(json *j) { close_level(j, '}'); }
void json_begin_array(json *j) { open_level(j, '['); }
void json_end_array(json *j) { close_level(j, ']'); }

/* Length of the valid UTF-8 sequence starting at s, or 0 when it is not one (overlong
 * forms, surrogates and code points past U+10FFFF included). Stops at a NUL, which is
 * never a continuation byte. */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0], cp, min;
    int n;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0)
        n = 2, min = 0x80, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 3, min = 0x800, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

static void put_escaped(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s) {
        int n = utf8_len(s);
        if (n == 0)
            fputs("\\ufffd", out);
        else if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '\t')
            fputs("\\t", out);
        else if (*s < 0x20 || *s == 0x7f)
            fprintf(out, "\\u%04x", *s);
        else
            fwrite(s, 1, (size_t)n, out);
        s += n ? n : 1;
    }
    fputc('"', out);
}

void json_key(json *j, const char *key)
{
    separate(j);
    put_escaped(j->out, key);
    fputs(": ", j->out);
    j->after_key = 1;
}

void json_string(json *j, const char *s)
{
    separate(j);
    put_escaped(j->out, s);
}

void json_int(json *j, int64_t v)
{
    separate(j);
    fprintf(j->out, "%lld", (long long)v);
}

void json_uint(json *j, uint64_t v)
{
    separate(j);
    fprintf(j->out, "%llu", (unsigned long long)v);
}

/* The shortest of %.15g..%.17g that reads back as the same double. */
void json_double(json *j, double v)
{
    char buf[32];
    separate(j);
    if (!isfinite(v)) {
        fputs("null", j->out);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, j->out);
}

void json_bool(json *j, int v)
{
    separate(j);
    fputs(v ? "true" : "false", j->out);
}

void json_null(json *j)
{
    separate(j);
    fputs("null", j->out);
}

void json_uint_array(json *j, const uint64_t *v, uint64_t n)
{
    separate(j);
    fputc('[', j->out);
    for (uint64_t i = 0; i < n; i++) fprintf(j->out, i ? ", %llu" : "%llu", (unsigned long long)v[i]);
    fputc(']', j->out);
}

void json_i32_array(json *j, const int32_t *v, uint64_t n)
{
    separate(j);
    fputc('[', j->out);
    for (uint64_t i = 0; i < n; i++) fprintf(j->out, i ? ", %ld" : "%ld", (long)v[i]);
    fputc(']', j->out);
}

void json_kstring(json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_string(j, s);
}
void json_kint(json *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_int(j, v);
}
void json_kuint(json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    json_uint(j, v);
}
void json_kdouble(json *j, const char *key, double v)
{
    json_key(j, key);
    json_double(j, v);
}
void json_kbool(json *j, const char *key, int v)
{
    json_key(j, key);
    json_bool(j, v);
}
