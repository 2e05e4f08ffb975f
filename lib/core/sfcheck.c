/*
 * sfcheck.c - the consistency checks of `mpisnap-inspect check` (DESIGN.md section 3),
 * run on a snapshot read back from its file.
 *
 * For every channel i->j the recorded cut must satisfy: rank j never received more than
 * rank i had sent (no orphans), and what i had sent minus what j had received equals the
 * messages j recorded in transit from i (nothing lost, nothing recorded twice). When the
 * job declares a conserved quantity (the bank's money), balances plus the amounts in
 * transit must equal the declared total. Counters cannot tell *which* message is
 * missing, only that the cut is inconsistent; the envelopes name the channel.
 */
#include "snapfile.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Print one problem line (when out is not NULL); returns 1, the problem count. */
static int report(FILE *out, const char *fmt, ...)
{
    if (out) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(out, fmt, ap);
        va_end(ap);
        fputc('\n', out);
    }
    return 1;
}

/* Little-endian int64, whatever the host order (the format stores integers LE). */
static int64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return (int64_t)v;
}

static const sf_region *find_region(const sf_rank *r, const char *name)
{
    for (uint32_t i = 0; i < r->nregions; i++)
        if (strcmp(r->regions[i].name, name) == 0) return &r->regions[i];
    return NULL;
}

/* Sums wrap modulo 2^64 instead of overflowing: a corrupt file cannot cause undefined
 * behaviour, and the comparison with the total still fails. */
int sf_conservation(sf_file *f, int64_t *balances, int64_t *in_transit, char *err, size_t errlen)
{
    const sf_job *job = sf_job_info(f);
    uint64_t bal = 0, moving = 0;
    uint64_t off = (uint64_t)job->conserve_offset;
    if (errlen) err[0] = '\0';
    if (!job->conserve_region[0]) return 0;
    for (int32_t r = 0; r < job->nranks; r++) {
        const sf_rank *rk = sf_get_rank(f, r, err, errlen);
        if (!rk) return -1;
        const sf_region *reg = find_region(rk, job->conserve_region);
        if (!reg)
            return snprintf(err, errlen, "not verifiable: rank %d no longer protects region '%s'", r,
                            job->conserve_region),
                   0;
        if (reg->bytes % 8 != 0)
            return snprintf(err, errlen,
                            "region '%s' on rank %d has %" PRIu64 " bytes, not "
                            "whole int64 elements",
                            reg->name, r, reg->bytes),
                   -1;
        for (uint64_t k = 0; k < reg->bytes; k += 8) bal += (uint64_t)le64(reg->data + k);
        for (uint32_t m = 0; m < rk->nmsgs; m++)
            if (rk->msgs[m].bytes >= off + 8) moving += (uint64_t)le64(rk->msgs[m].data + off);
    }
    *balances = (int64_t)bal;
    *in_transit = (int64_t)moving;
    return 1;
}

/* Every message rank j recorded must be addressed to j and come from a rank of the job;
 * from[i] counts the valid ones from each sender i. */
static int check_messages(const sf_rank *rj, int32_t j, int32_t n, uint64_t *from, FILE *out)
{
    int problems = 0;
    memset(from, 0, (size_t)n * sizeof *from);
    for (uint32_t m = 0; m < rj->nmsgs; m++) {
        const sf_msg *msg = &rj->msgs[m];
        if (msg->dst != j)
            problems += report(out, "rank %d: in-transit message %u has dst %d, expected %d", j, m, msg->dst, j);
        if (msg->src < 0 || msg->src >= n)
            problems += report(out, "rank %d: in-transit message %u has src %d, outside 0..%d", j, m, msg->src, n - 1);
        else
            from[msg->src]++;
    }
    return problems;
}

/* Mattern's counting rule, per channel i->j: sent_i[j] - recvd_j[i] == |C_ij|. */
static int check_channels(const sf_rank *const *rk, int32_t n, FILE *out)
{
    uint64_t *from = calloc((size_t)n, sizeof *from);
    if (!from) return report(out, "check: out of memory");
    int problems = 0;
    for (int32_t j = 0; j < n; j++) {
        if (!rk[j]) continue;
        problems += check_messages(rk[j], j, n, from, out);
        for (int32_t i = 0; i < n; i++) {
            if (!rk[i]) continue;
            uint64_t sent = rk[i]->sent[j], got = rk[j]->recvd[i];
            if (got > sent)
                problems += report(out,
                                   "orphan: channel %d->%d: rank %d received %" PRIu64
                                   " messages, rank %d had sent only %" PRIu64,
                                   i, j, j, got, i, sent);
            else if (sent - got != from[i])
                problems += report(out,
                                   "channel %d->%d: sent %" PRIu64 ", received %" PRIu64 ", in transit %" PRIu64
                                   " (expected %" PRIu64 ")",
                                   i, j, sent, got, from[i], sent - got);
        }
    }
    free(from);
    return problems;
}

static int check_conservation(sf_file *f, FILE *out)
{
    const sf_job *job = sf_job_info(f);
    int64_t bal = 0, moving = 0;
    char err[512];
    int rc = sf_conservation(f, &bal, &moving, err, sizeof err);
    if (rc < 0) return report(out, "conservation: %s", err);
    int64_t sum = (int64_t)((uint64_t)bal + (uint64_t)moving);
    if (rc == 0 || sum == job->conserve_total) return 0;
    return report(out, "conservation: balances %" PRId64 " + in transit %" PRId64 " = %" PRId64 ", expected %" PRId64,
                  bal, moving, sum, job->conserve_total);
}

/* A rank that cannot be read is one problem (its reason printed) and is left out of the
 * channel checks; conservation is then not checked at all. */
int sf_check(sf_file *f, FILE *out)
{
    int32_t n = sf_job_info(f)->nranks;
    const sf_rank **rk = calloc((size_t)n, sizeof *rk);
    if (!rk) return report(out, "check: out of memory");
    int problems = 0;
    for (int32_t r = 0; r < n; r++) {
        char err[512];
        if (!(rk[r] = sf_get_rank(f, r, err, sizeof err))) problems += report(out, "%s", err);
    }
    int unreadable = problems;
    problems += check_channels(rk, n, out);
    if (!unreadable) problems += check_conservation(f, out);
    free(rk);
    return problems;
}
