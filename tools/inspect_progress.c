/*
 * inspect_progress.c - `progress A B [C...]`: what each rank did between snapshots of
 * one job (STAT's temporal view): application messages sent and received since the
 * earlier snapshot, collectives entered, whether its MPI call or its stack changed,
 * and the ranks that made no progress at all (the stragglers of a slow job, the stuck
 * ranks of a hung one).
 *
 * A rank made no progress when nothing the snapshots can see moved: no message, no
 * collective, the same call with the same arguments, the same stack, and it has been
 * in that call since before the earlier snapshot (its call_seconds covers the time
 * between the two records: a rank that left and re-entered the same MPI_Iprobe while
 * computing is progressing, one blocked in MPI_Recv is not).
 */
#define _GNU_SOURCE

#include "inspect_stacks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The same call since before the earlier record, allowing for the watchdog thread's
 * coarse note of when a call began (it looks every 0.1 s). */
#define SAME_CALL_SLACK 0.25

int progress_same_job(const char *pa, sf_file *a, const char *pb, sf_file *b, const char *purpose, char *err,
                      size_t errlen)
{
    const sf_job *x = sf_job_info(a), *y = sf_job_info(b);
    char ka[SF_NAME_MAX], kb[SF_NAME_MAX];
    if (strcmp(x->job_key, y->job_key) != 0 || x->nranks != y->nranks) {
        snprintf(err, errlen,
                 "mpisnap-inspect: %s and %s are snapshots of different jobs "
                 "(job %s, %d ranks; job %s, %d ranks): %s",
                 pa, pb, clean(x->job_key, ka, sizeof ka), x->nranks, clean(y->job_key, kb, sizeof kb), y->nranks,
                 purpose);
        return -1;
    }
    if (x->id == y->id) {
        snprintf(err, errlen,
                 "mpisnap-inspect: %s and %s are the same snapshot (%" PRIu64
                 "): give snapshots taken at different times",
                 pa, pb, x->id);
        return -1;
    }
    return 0;
}

static uint64_t since(uint64_t before, uint64_t after) { return after > before ? after - before : 0; }

static uint64_t colls_since(const sf_rank *a, const sf_rank *b)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < b->ncomms; i++) {
        uint64_t before = 0;
        for (uint32_t k = 0; k < a->ncomms; k++)
            if (a->comms[k].id == b->comms[i].id) before = a->comms[k].colls;
        n += since(before, b->comms[i].colls);
    }
    return n;
}

static int same_stack(const sf_rank *a, const sf_rank *b)
{
    if (a->nstack != b->nstack) return 0;
    for (uint32_t i = 0; i < a->nstack; i++)
        if (strcmp(a->stack[i], b->stack[i]) != 0) return 0;
    return 1;
}

int progress_compute(sf_file *fa, sf_file *fb, progress *p)
{
    int32_t n = sf_job_info(fa)->nranks;
    *p = (progress){n,
                    sf_job_info(fa)->id,
                    sf_job_info(fb)->id,
                    sf_job_info(fa)->t_start,
                    sf_job_info(fb)->t_start,
                    calloc((size_t)n, sizeof *p->ranks),
                    0};
    if (!p->ranks) return -1;
    for (int32_t r = 0; r < n; r++) {
        const sf_rank *a = sf_get_rank(fa, r, NULL, 0), *b = sf_get_rank(fb, r, NULL, 0);
        rank_progress *x = &p->ranks[r];
        x->rank = r;
        x->sent = since(sum_u64(a->sent, n), sum_u64(b->sent, n));
        x->recvd = since(sum_u64(a->recvd, n), sum_u64(b->recvd, n));
        x->colls = colls_since(a, b);
        x->call_changed = strcmp(a->call, b->call) != 0 || strcmp(a->call_args, b->call_args) != 0;
        x->stack_changed = !same_stack(a, b);
        memcpy(x->call_before, a->call, sizeof x->call_before);
        memcpy(x->call_after, b->call, sizeof x->call_after);
        x->seconds_in_call = b->call_seconds;
        int same_call = b->call[0] && b->call_seconds + SAME_CALL_SLACK >= b->t_record - a->t_record;
        x->stuck = !x->sent && !x->recvd && !x->colls && !x->call_changed && !x->stack_changed && same_call;
        p->nstuck += (uint32_t)x->stuck;
    }
    return 0;
}

void progress_free(progress *p)
{
    free(p->ranks);
    p->ranks = NULL;
}

/* The stuck ranks of p, ascending, into v (room for p->nranks); returns how many. */
static size_t stuck_ranks(const progress *p, int32_t *v)
{
    size_t k = 0;
    for (int32_t r = 0; r < p->nranks; r++)
        if (p->ranks[r].stuck) v[k++] = r;
    return k;
}

static const char *call_or_dash(const char *call, char *buf, size_t len)
{
    return call[0] ? clean(call, buf, len) : "-";
}

void progress_text(FILE *out, const char *pa, const char *pb, const progress *p)
{
    int32_t *v = malloc(((size_t)p->nranks + 1) * sizeof *v);
    fprintf(out,
            "progress from snapshot %" PRIu64 " (%s) to snapshot %" PRIu64 " (%s), "
            "%.1f s later, %d ranks\n",
            p->id_before, pa, p->id_after, pb, p->t_after - p->t_before, p->nranks);
    if (v && p->nstuck) {
        fprintf(out, "  no progress at all: ");
        put_rank_noun(out, v, stuck_ranks(p, v));
        fprintf(out, " (%u of %d): no message, no collective, the same call and stack\n", p->nstuck, p->nranks);
    } else {
        fprintf(out, "  every rank made progress\n");
    }
    free(v);
    fprintf(out, "  %5s  %8s  %8s  %6s  %-32s  %-7s  %s\n", "rank", "sent", "received", "colls",
            "call (earlier -> later)", "stack", "");
    for (int32_t r = 0; r < p->nranks; r++) {
        const rank_progress *x = &p->ranks[r];
        char c1[SF_NAME_MAX], c2[SF_NAME_MAX], call[2 * SF_NAME_MAX + 32];
        if (x->call_changed)
            snprintf(call, sizeof call, "%s -> %s", call_or_dash(x->call_before, c1, sizeof c1),
                     call_or_dash(x->call_after, c2, sizeof c2));
        else
            snprintf(call, sizeof call, "%s (same, %.1f s in it)", call_or_dash(x->call_after, c2, sizeof c2),
                     x->seconds_in_call);
        fprintf(out, "  %5d  %+8" PRId64 "  %+8" PRId64 "  %+6" PRId64 "  %-32s  %-7s  %s\n", r, (int64_t)x->sent,
                (int64_t)x->recvd, (int64_t)x->colls, call, x->stack_changed ? "changed" : "same",
                x->stuck ? "NO PROGRESS" : "");
    }
}

void progress_json(json *j, const char *pa, const char *pb, const progress *p)
{
    int32_t *v = malloc(((size_t)p->nranks + 1) * sizeof *v);
    json_begin_object(j);
    json_kstring(j, "earlier", pa);
    json_kstring(j, "later", pb);
    json_kuint(j, "earlier_id", p->id_before);
    json_kuint(j, "later_id", p->id_after);
    json_kdouble(j, "seconds", p->t_after - p->t_before);
    json_key(j, "no_progress");
    json_i32_array(j, v, v ? stuck_ranks(p, v) : 0);
    json_key(j, "ranks");
    json_begin_array(j);
    for (int32_t r = 0; r < p->nranks; r++) {
        const rank_progress *x = &p->ranks[r];
        json_begin_object(j);
        json_kint(j, "rank", r);
        json_kuint(j, "sent", x->sent);
        json_kuint(j, "recvd", x->recvd);
        json_kuint(j, "colls", x->colls);
        json_kstring(j, "call_before", x->call_before);
        json_kstring(j, "call_after", x->call_after);
        json_kbool(j, "call_changed", x->call_changed);
        json_kbool(j, "stack_changed", x->stack_changed);
        json_kdouble(j, "seconds_in_call", x->seconds_in_call);
        json_kbool(j, "no_progress", x->stuck);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
    free(v);
}

struct snap {
    const char *path;
    sf_file *f;
};

static int cmp_snap(const void *a, const void *b)
{
    uint64_t x = sf_job_info(((const struct snap *)a)->f)->id;
    uint64_t y = sf_job_info(((const struct snap *)b)->f)->id;
    return (x > y) - (x < y);
}

int series_open(int n, const char *const *files, const char *purpose, const char **paths, sf_file **fs)
{
    struct snap *s = calloc((size_t)n, sizeof *s);
    int rc = s ? 0 : EXIT_REFUSED;
    char err[2048];
    for (int i = 0; rc == 0 && i < n; i++) {
        s[i] = (struct snap){files[i], open_all(files[i], NULL)};
        rc = s[i].f ? 0 : EXIT_REFUSED;
    }
    if (rc == 0) qsort(s, (size_t)n, sizeof *s, cmp_snap);
    for (int i = 1; rc == 0 && i < n; i++)
        if (progress_same_job(s[i - 1].path, s[i - 1].f, s[i].path, s[i].f, purpose, err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            rc = EXIT_REFUSED;
        }
    for (int i = 0; s && i < n; i++) {
        if (rc != 0 && s[i].f) sf_close(s[i].f);
        paths[i] = s[i].path;
        fs[i] = rc == 0 ? s[i].f : NULL;
    }
    free(s);
    return rc;
}

void series_close(int n, sf_file **fs)
{
    for (int i = 0; i < n; i++)
        if (fs[i]) sf_close(fs[i]);
}

/* Ranks with no progress in every interval of the series, into v; returns how many. */
static size_t stuck_throughout(const progress *ps, int np, int32_t n, int32_t *v)
{
    size_t k = 0;
    for (int32_t r = 0; r < n; r++) {
        int all = 1;
        for (int i = 0; i < np && all; i++) all = ps[i].ranks[r].stuck;
        if (all) v[k++] = r;
    }
    return k;
}

int progress_run(int nfiles, const char *const *files, json *j)
{
    const char **paths = calloc((size_t)nfiles, sizeof *paths);
    sf_file **fs = calloc((size_t)nfiles, sizeof *fs);
    progress *ps = calloc((size_t)nfiles, sizeof *ps);
    int rc = paths && fs && ps ? series_open(nfiles, files, "progress compares snapshots of one job", paths, fs)
                               : EXIT_REFUSED,
        np = 0;
    for (int i = 1; rc == 0 && i < nfiles; i++, np++)
        if (progress_compute(fs[i - 1], fs[i], &ps[np]) < 0) rc = EXIT_REFUSED;
    if (rc == 0) {
        int32_t n = ps[0].nranks, *v = malloc(((size_t)n + 1) * sizeof *v);
        size_t nv = v ? stuck_throughout(ps, np, n, v) : 0;
        if (j) {
            json_begin_object(j);
            json_key(j, "intervals");
            json_begin_array(j);
        }
        for (int i = 0; i < np; i++) {
            if (j)
                progress_json(j, paths[i], paths[i + 1], &ps[i]);
            else
                progress_text(stdout, paths[i], paths[i + 1], &ps[i]);
        }
        if (j) {
            json_end_array(j);
            json_key(j, "no_progress_throughout");
            json_i32_array(j, v, nv);
            json_end_object(j);
        } else if (np > 1) {
            printf("no progress in any of the %d intervals: ", np);
            if (nv)
                put_rank_noun(stdout, v, nv);
            else
                fputs("none", stdout);
            putchar('\n');
        }
        free(v);
    }
    for (int i = 0; i < np; i++) progress_free(&ps[i]);
    if (fs) series_close(nfiles, fs);
    free(paths);
    free(fs);
    free(ps);
    return rc;
}
