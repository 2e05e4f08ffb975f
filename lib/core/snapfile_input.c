/*
 * snapfile_input.c - what the writer (snapfile.c) refuses before it writes anything: a
 * job or a rank the file could not represent (names HDF5 cannot take, unterminated
 * strings, counts without arrays, ranks or communicator members out of range), each
 * with a one-line reason.
 */
#include "snapfile_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int terminated(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

int sfi_werr(char *err, size_t errlen, const char *file, const char *fmt, ...)
{
    if (err && errlen) {
        int n = snprintf(err, errlen, "mpisnap: %s: ", file);
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < errlen) vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A region name becomes an HDF5 link name: no '/', not "." or empty. */
static int valid_link_name(const char *s)
{
    return terminated(s, SF_NAME_MAX) && s[0] && strcmp(s, ".") != 0 && !strchr(s, '/');
}

static int check_regions(const sf_rank *r, int placing, const char *part, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < r->nregions; i++) {
        const sf_region *a = &r->regions[i];
        if (!valid_link_name(a->name) || !terminated(a->type, SF_NAME_MAX))
            return sfi_werr(err, errlen, part,
                            "rank %d: region %u has an invalid name (empty, "
                            "'.', containing '/' or too long)",
                            r->rank, i);
        if (a->bytes && !a->data && !placing)
            return sfi_werr(err, errlen, part, "rank %d: region '%s' has no data", r->rank, a->name);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(a->name, r->regions[j].name) == 0)
                return sfi_werr(err, errlen, part, "rank %d: region '%s' appears twice", r->rank, a->name);
    }
    return 0;
}

static int check_messages(const sf_rank *r, const char *part, char *err, size_t errlen)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < r->nmsgs; i++) {
        uint64_t bytes = r->msgs[i].bytes;
        if (bytes && !r->msgs[i].data)
            return sfi_werr(err, errlen, part, "rank %d: message %u has no payload", r->rank, i);
        if (!terminated(r->msgs[i].datatype, SF_NAME_MAX) || !terminated(r->msgs[i].signature, SF_NAME_MAX))
            return sfi_werr(err, errlen, part, "rank %d: message %u: datatype or signature not terminated", r->rank, i);
        if (bytes > UINT64_MAX - total) return sfi_werr(err, errlen, part, "rank %d: payloads too large", r->rank);
        total += bytes;
    }
    return 0;
}

/* Every member list has 1..nranks world ranks of the job (so the file's total stays
 * below 2^52 entries and a reader can index ranks with it). */
static int check_comms(const sf_rank *r, const char *part, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < r->ncomms; i++) {
        const sf_comm *c = &r->comms[i];
        if (c->size < 1 || c->size > r->nranks || !c->world)
            return sfi_werr(err, errlen, part, "rank %d: communicator %d has %d members", r->rank, c->id, c->size);
        for (int32_t k = 0; k < c->size; k++)
            if (c->world[k] < 0 || c->world[k] >= r->nranks)
                return sfi_werr(err, errlen, part,
                                "rank %d: communicator %d: member %d is "
                                "rank %d, outside 0..%d",
                                r->rank, c->id, k, c->world[k], r->nranks - 1);
    }
    return 0;
}

/* Refuse a rank the file could not represent, before anything is written. */
int sfi_check_rank(const sf_rank *r, int32_t n, const uint8_t *written, int placing, const char *p, char *err,
                   size_t errlen)
{
    if (r->rank < 0 || r->rank >= n) return sfi_werr(err, errlen, p, "rank %d out of range 0..%d", r->rank, n - 1);
    if (written[r->rank]) return sfi_werr(err, errlen, p, "rank %d written twice", r->rank);
    if (r->nranks != n || !r->sent || !r->recvd)
        return sfi_werr(err, errlen, p, "rank %d: counters must have %d entries", r->rank, n);
    if (!terminated(r->host, SF_TEXT_MAX) || !terminated(r->trigger, SF_NAME_MAX) ||
        !terminated(r->call, SF_NAME_MAX) || !terminated(r->call_args, SF_TEXT_MAX))
        return sfi_werr(err, errlen, p, "rank %d: unterminated string", r->rank);
    if ((r->nrequests && !r->requests) || (r->nregions && !r->regions) || (r->nmsgs && !r->msgs) ||
        (r->nstack && !r->stack) || (r->ncomms && !r->comms))
        return sfi_werr(err, errlen, p, "rank %d: a count is set but its array is NULL", r->rank);
    for (uint32_t i = 0; i < r->nrequests; i++)
        if (!terminated(r->requests[i].kind, SF_NAME_MAX) || !terminated(r->requests[i].datatype, SF_NAME_MAX))
            return sfi_werr(err, errlen, p, "rank %d: request %u: unterminated string", r->rank, i);
    for (uint32_t i = 0; i < r->nstack; i++)
        if (!r->stack[i]) return sfi_werr(err, errlen, p, "rank %d: stack frame %u is NULL", r->rank, i);
    return check_messages(r, p, err, errlen) < 0 || check_comms(r, p, err, errlen) < 0
               ? -1
               : check_regions(r, placing, p, err, errlen);
}

int sfi_check_job(const char *path, const sf_job *job, char *err, size_t errlen)
{
    if (!path || !*path) return sfi_werr(err, errlen, "(none)", "no snapshot path given");
    if (job->nranks < 1 || job->nranks > SF_MAX_RANKS)
        return sfi_werr(err, errlen, path, "nranks %d out of range 1..%d", job->nranks, SF_MAX_RANKS);
    if (!terminated(job->algo, sizeof job->algo) || !terminated(job->program, SF_TEXT_MAX) ||
        !terminated(job->library_version, SF_NAME_MAX) || !terminated(job->job_key, SF_NAME_MAX) ||
        !terminated(job->conserve_region, SF_NAME_MAX))
        return sfi_werr(err, errlen, path, "unterminated string in the job attributes");
    if (job->conserve_region[0] && job->conserve_offset < 0)
        return sfi_werr(err, errlen, path, "negative conserve_offset");
    return 0;
}

/* The attributes known at creation; t_end, initiators and the mark come at commit. */
