/*
 * inspect_values.c - the payload of an in-transit message as values.
 *
 * The library records with each message the datatype of the receive it matched and
 * its signature: one element's packed layout as a numpy dtype string ("<f8",
 * "3<i4,<f8,4S1"; FORMAT.md table 5). The payload is `elements` such elements back to
 * back, so the first few values and their total follow from the signature alone. A
 * signature that is missing (nobody had asked for the message yet), that this reader
 * does not understand, or that does not divide the payload, gives -1: the caller then
 * shows bytes. Values are read with memcpy (the payload has no alignment) and byte-
 * swapped when the file was written on a machine of the other byte order.
 */
#include "inspect.h"

#include <complex.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { MAXRUNS = 32 };

typedef struct vsig {
    struct vrun {
        char kind;  /* i u f c b S */
        int size;   /* bytes */
        int swap;   /* stored in the other byte order */
        uint64_t n; /* repeats within one element */
    } r[MAXRUNS];
    int nr;
    uint64_t elem_bytes, elem_values;
} vsig;

static int host_little(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static int size_ok(char kind, int size)
{
    switch (kind) {
    case 'i':
    case 'u': return size == 1 || size == 2 || size == 4 || size == 8;
    case 'f': return size == 4 || size == 8 || size == 16;
    case 'c': return size == 8 || size == 16;
    case 'b':
    case 'S': return size == 1;
    }
    return 0;
}

/* "3<i4,<f8,4S1" -> runs; -1 for anything else (including ""). */
static int vsig_parse(const char *s, vsig *v)
{
    memset(v, 0, sizeof *v);
    while (*s) {
        uint64_t n = 1;
        if (isdigit((unsigned char)*s)) {
            char *end;
            n = strtoull(s, &end, 10);
            s = end;
        }
        int swap = 0;
        if (*s == '<' || *s == '>' || *s == '|' || *s == '=')
            swap = (*s == '<' && !host_little()) || (*s == '>' && host_little()), s++;
        char kind = *s ? *s++ : 0;
        if (!isdigit((unsigned char)*s)) return -1;
        long size = strtol(s, (char **)&s, 10);
        if (!size_ok(kind, (int)size) || n == 0 || n > (1ULL << 32) || v->nr == MAXRUNS) return -1;
        v->r[v->nr++] = (struct vrun){kind, (int)size, swap, n};
        v->elem_bytes += n * (uint64_t)size;
        v->elem_values += n;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return v->nr ? 0 : -1;
}

/* One basic value of the payload. */
typedef struct pval {
    char kind;
    int size;
    uint8_t b[16]; /* in host order */
    uint64_t elem; /* which element it belongs to */
} pval;

/* The first `max` values of m (fewer when the payload is shorter). */
static size_t first_values(const sf_msg *m, const vsig *v, pval *out, size_t max)
{
    size_t k = 0;
    uint64_t off = 0;
    for (uint64_t e = 0; k < max && off < m->bytes; e++)
        for (int i = 0; i < v->nr && k < max; i++)
            for (uint64_t j = 0; j < v->r[i].n && k < max; j++) {
                const struct vrun *r = &v->r[i];
                pval *p = &out[k++];
                p->kind = r->kind, p->size = r->size, p->elem = e;
                for (int x = 0; x < r->size; x++) p->b[x] = m->data[off + (uint64_t)(r->swap ? r->size - 1 - x : x)];
                off += (uint64_t)r->size;
            }
    return k;
}

/* m's signature and its first `max` values: -1 when the signature is missing, not
 * understood, or does not divide the payload. */
static int decode(const sf_msg *m, vsig *v, pval *p, size_t max, size_t *n, uint64_t *elements)
{
    if (vsig_parse(m->signature, v) < 0 || m->bytes % v->elem_bytes != 0) return -1;
    *elements = m->bytes / v->elem_bytes;
    *n = first_values(m, v, p, max);
    return 0;
}

static int64_t as_int(const pval *p)
{
    switch (p->size) {
    case 1: {
        int8_t x;
        memcpy(&x, p->b, 1);
        return x;
    }
    case 2: {
        int16_t x;
        memcpy(&x, p->b, 2);
        return x;
    }
    case 4: {
        int32_t x;
        memcpy(&x, p->b, 4);
        return x;
    }
    default: {
        int64_t x;
        memcpy(&x, p->b, 8);
        return x;
    }
    }
}

static uint64_t as_uint(const pval *p)
{
    uint64_t x = 0;
    memcpy(&x, p->b, (size_t)p->size); /* little-endian host; see below for big */
    if (!host_little()) x >>= 8 * (8 - p->size);
    return x;
}

/* A float of 4, 8 or 16 (x86 long double) bytes; part 1 is the imaginary part of a
 * complex. */
static double as_double(const pval *p, int part)
{
    int size = p->kind == 'c' ? p->size / 2 : p->size;
    const uint8_t *b = p->b + part * size;
    if (size == 4) {
        float x;
        memcpy(&x, b, 4);
        return x;
    }
    if (size == 8) {
        double x;
        memcpy(&x, b, 8);
        return x;
    }
    long double x = 0;
    memcpy(&x, b, sizeof x < 16 ? sizeof x : 16);
    return (double)x;
}

static void text_value(FILE *out, const pval *p)
{
    switch (p->kind) {
    case 'i': fprintf(out, "%" PRId64, as_int(p)); break;
    case 'u': fprintf(out, "%" PRIu64, as_uint(p)); break;
    case 'b': fputs(p->b[0] ? "true" : "false", out); break;
    case 'f': fprintf(out, "%.10g", as_double(p, 0)); break;
    case 'c': fprintf(out, "(%.10g,%.10g)", as_double(p, 0), as_double(p, 1)); break;
    }
}

/* A character shown in a quoted string: printable ASCII as is, others escaped, so a
 * payload cannot drive the terminal. */
static void text_char(FILE *out, uint8_t c)
{
    if (c == '"' || c == '\\')
        fprintf(out, "\\%c", c);
    else if (c >= 0x20 && c < 0x7f)
        fputc(c, out);
    else if (c == '\n')
        fputs("\\n", out);
    else
        fprintf(out, "\\x%02x", c);
}

enum { SHOWN = 8, SHOWN_CHARS = 48 };

int values_text(FILE *out, const sf_msg *m)
{
    vsig v;
    pval p[SHOWN_CHARS];
    uint64_t elements;
    size_t n, shown = 0, values = 0;
    if (decode(m, &v, p, SHOWN_CHARS, &n, &elements) < 0) return -1;
    int multi = v.nr > 1 || v.r[0].n > 1;
    fprintf(out, "%s", m->datatype[0] ? m->datatype : "?");
    if (multi) fprintf(out, "{%s}", m->signature);
    fprintf(out, "[%" PRIu64 "]:", elements);
    for (size_t i = 0; i < n && values < SHOWN;) {
        int new_elem = i == 0 || p[i].elem != p[i - 1].elem;
        if (new_elem && multi && i) fputs("}", out);
        fputs(new_elem && multi ? " {" : " ", out);
        if (p[i].kind == 'S') { /* a run of characters (of one element) is one string */
            uint64_t e = p[i].elem;
            fputc('"', out);
            for (; i < n && p[i].kind == 'S' && (!multi || p[i].elem == e); i++, shown++) text_char(out, p[i].b[0]);
            fputc('"', out);
        } else {
            text_value(out, &p[i++]);
            shown++;
        }
        values++;
    }
    if (multi && n) fputs("}", out);
    if (shown < elements * v.elem_values) fputs(" ...", out);
    return 0;
}

static void json_value(json *j, const pval *p)
{
    char s[2] = {(char)p->b[0], 0};
    switch (p->kind) {
    case 'i': json_int(j, as_int(p)); break;
    case 'u': json_uint(j, as_uint(p)); break;
    case 'b': json_bool(j, p->b[0] != 0); break;
    case 'f': json_double(j, as_double(p, 0)); break;
    case 'S': json_string(j, s); break;
    case 'c':
        json_begin_array(j);
        json_double(j, as_double(p, 0));
        json_double(j, as_double(p, 1));
        json_end_array(j);
        break;
    }
}

int values_json(json *j, const sf_msg *m)
{
    vsig v;
    pval p[SHOWN];
    uint64_t elements;
    size_t n;
    if (decode(m, &v, p, SHOWN, &n, &elements) < 0) return -1;
    json_kuint(j, "elements", elements);
    json_kuint(j, "values_total", elements * v.elem_values);
    json_key(j, "values");
    json_begin_array(j);
    for (size_t i = 0; i < n; i++) json_value(j, &p[i]);
    json_end_array(j);
    return 0;
}
