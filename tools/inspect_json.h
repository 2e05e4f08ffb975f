/*
 * inspect_json.h - the small streaming JSON writer behind `mpisnap-inspect --json`.
 *
 * It tracks nesting and commas so callers only say what comes next, escapes strings
 * (control characters, quotes, and invalid UTF-8 from a damaged file, which becomes
 * U+FFFD), and never prints a non-finite number (NaN and infinities become null). The
 * output is indented, one member per line, except json_uint_array() which keeps a
 * numeric list on one line (json_uint_array, json_i32_array).
 */
#ifndef MPISNAP_INSPECT_JSON_H
#define MPISNAP_INSPECT_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

typedef struct json {
    FILE *out;
    int depth;
    int count[JSON_MAX_DEPTH]; /* values written so far at each open level */
    int after_key;             /* a key was written; its value comes next */
} json;

void json_init(json *j, FILE *out);
/* Ends the document with a newline. */
void json_finish(json *j);

void json_begin_object(json *j);
void json_end_object(json *j);
void json_begin_array(json *j);
void json_end_array(json *j);

/* Inside an object, every value is preceded by its key. */
void json_key(json *j, const char *key);
void json_string(json *j, const char *s);
void json_int(json *j, int64_t v);
void json_uint(json *j, uint64_t v);
void json_double(json *j, double v);
void json_bool(json *j, int v);
void json_null(json *j);
void json_uint_array(json *j, const uint64_t *v, uint64_t n);
void json_i32_array(json *j, const int32_t *v, uint64_t n);

/* key + value in one call */
void json_kstring(json *j, const char *key, const char *s);
void json_kint(json *j, const char *key, int64_t v);
void json_kuint(json *j, const char *key, uint64_t v);
void json_kdouble(json *j, const char *key, double v);
void json_kbool(json *j, const char *key, int v);

#endif
