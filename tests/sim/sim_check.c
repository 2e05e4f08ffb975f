/*
 * sim_check.c - the record, the collector and the checker of the simulated network
 * (sim.c): what a rank records is its balance; when every part of a snapshot is in, its
 * channel states are compared with the simulator's own record of every message.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the record and the collector ---- */
void record_local(snap_cur *c)
{
    rank *x = &R[cur];
    if (c->epoch >= x->rec_cap) {
        size_t cap = 2 * (size_t)c->epoch + 8;
        x->rec_balance = realloc(x->rec_balance, cap * sizeof *x->rec_balance);
        x->rec_cap = cap;
    }
    x->rec_balance[c->epoch] = x->balance;
    c->part.rank = cur;
    if (c->initiator)
        S.initiated++;
    else if (!strcmp(c->trigger, "message"))
        S.by_message++;
    else
        S.by_control++;
}
void record_free(snap_cur *c) { (void)c; }

typedef struct part {
    uint64_t *sent, *recvd;
    payload *transit; /* the channel state, in recorded order */
    int *transit_src, *transit_tag;
    uint32_t ntransit;
    int64_t balance;
} part;
static part *parts; /* of the snapshot being collected, per rank */
static uint32_t collecting;
static int nparts;
static void (*collector_done)(uint32_t);

void collect_init(void (*done)(uint32_t epoch))
{
    collector_done = done;
    parts = calloc((size_t)cfg.n, sizeof *parts);
}
void collect_abandon(uint32_t epoch) { (void)epoch; }

static void check_snapshot(uint32_t e);

void collect_send_part(snap_cur *c)
{
    if (collecting != c->epoch) {
        if (nparts) die("a part of a new snapshot before the previous one was complete");
        collecting = c->epoch;
    }
    part *p = &parts[cur];
    p->sent = malloc((size_t)cfg.n * sizeof(uint64_t));
    p->recvd = malloc((size_t)cfg.n * sizeof(uint64_t));
    memcpy(p->sent, c->sent, (size_t)cfg.n * sizeof(uint64_t));
    memcpy(p->recvd, c->recvd, (size_t)cfg.n * sizeof(uint64_t));
    p->ntransit = c->nmsgs;
    p->transit = malloc((c->nmsgs + 1) * sizeof *p->transit);
    p->transit_src = malloc((c->nmsgs + 1) * sizeof(int));
    p->transit_tag = malloc((c->nmsgs + 1) * sizeof(int));
    for (uint32_t i = 0; i < c->nmsgs; i++) {
        const sf_msg *m = &c->msgs[i];
        if (m->bytes != sizeof(payload)) die("a recorded message has the wrong size");
        memcpy(&p->transit[i], c->payload + (uintptr_t)m->data, sizeof(payload));
        p->transit_src[i] = m->src, p->transit_tag[i] = m->tag;
        if (m->epoch >= c->epoch) die("a recorded in-transit message is of the snapshot's own epoch");
    }
    p->balance = R[cur].rec_balance[c->epoch];
    if (++nparts < cfg.n) return;
    check_snapshot(c->epoch);
    for (int j = 0; j < cfg.n; j++) {
        free(parts[j].sent), free(parts[j].recvd), free(parts[j].transit);
        free(parts[j].transit_src), free(parts[j].transit_tag);
    }
    memset(parts, 0, (size_t)cfg.n * sizeof *parts);
    nparts = 0;
    /* the collector (rank 0) tells every rank, itself directly */
    int me = cur;
    for (int j = 1; j < cfg.n; j++) {
        cmsg d = {delay(0, j), ctl_order++, 0, {CTL_DONE, c->epoch, 1, 0}};
        heap_push(&R[j].ctl, d);
        S.ctl[CTL_DONE]++;
    }
    switch_to(0);
    collector_done(collecting);
    switch_to(me);
    S.snapshots++;
    S.last_done = now;
}

/* The channel state of i->j in snapshot e must be exactly {m : m sent by i at an epoch
 * < e, and not delivered by j before j recorded e}. */
static void check_snapshot(uint32_t e)
{
    int n = cfg.n;
    int64_t money = 0;
    uint8_t *in_state = calloc(nmsgs + 1, 1);
    for (int j = 0; j < n; j++) {
        money += parts[j].balance;
        for (uint32_t k = 0; k < parts[j].ntransit; k++) {
            const payload *p = &parts[j].transit[k];
            if (p->id >= nmsgs || msgs[p->id].dst != j || msgs[p->id].src != parts[j].transit_src[k])
                die("a recorded in-transit message that was never sent on that channel");
            if (in_state[p->id]) die("a message recorded twice in one snapshot");
            in_state[p->id] = 1;
            money += p->amount;
            /* in the order sent, per source and tag */
            for (uint32_t l = k + 1; l < parts[j].ntransit; l++)
                if (parts[j].transit_src[l] == parts[j].transit_src[k] &&
                    parts[j].transit_tag[l] == parts[j].transit_tag[k] && parts[j].transit[l].id < p->id)
                    die("a channel state out of the order its messages were sent in");
        }
    }
    for (size_t id = 0; id < nmsgs; id++) {
        const amsg *m = &msgs[id];
        int expected = m->hdr.epoch < e && (m->state != M_DONE || m->delivered_epoch >= e);
        if (expected && !in_state[id]) {
            char why[200];
            snprintf(why, sizeof why,
                     "snapshot %u: message %zu (%d->%d, epoch %u) was in transit but is not in the "
                     "channel state",
                     e, id, m->src, m->dst, m->hdr.epoch);
            die(why);
        }
        if (!expected && in_state[id]) {
            char why[200];
            snprintf(why, sizeof why,
                     "snapshot %u: message %zu (%d->%d, epoch %u) is in the channel state but was "
                     "not in transit",
                     e, id, m->src, m->dst, m->hdr.epoch);
            die(why);
        }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            uint64_t sent = parts[i].sent[j], recvd = parts[j].recvd[i], have = 0;
            if (recvd > sent) die("an orphan: a channel's receiver recorded more than its sender had sent");
            for (uint32_t k = 0; k < parts[j].ntransit; k++) have += parts[j].transit_src[k] == i;
            if (have != sent - recvd) die("a channel state's count is not sent - received");
        }
    if (money != total_money) die("money is not conserved in a snapshot");
    for (int j = 0; j < n; j++) S.in_transit += parts[j].ntransit;
    S.checked++;
    free(in_state);
    if (cfg.verbose) fprintf(stderr, "snapshot %u consistent (%llu in transit)\n", e, (unsigned long long)S.in_transit);
}
