/*
 * cur.h - the snapshot in progress on this rank: counts and channel states filled by the
 * engine, local state by record.c, shipped by collect.c.
 */
#ifndef MPISNAP_CUR_H
#define MPISNAP_CUR_H

#include "snapfile.h"

typedef struct snap_cur {
    uint32_t epoch;
    int n;
    int initiator;
    const char *trigger;
    double t_record;
    uint64_t *sent, *recvd; /* application counters at the record */
    uint64_t *expect;       /* per source: messages of older epochs it sent here */
    uint8_t *have_expect;
    uint64_t *pre_seen; /* per source: messages of older epochs seen here */
    int nhave;          /* sources whose count is known */
    uint64_t sum_expect, sum_seen;
    int have_total; /* counting by total (Lai-Yang): expect_total is known */
    uint64_t expect_total;
    /* channel states into this rank */
    sf_msg *msgs;
    uint32_t nmsgs, capmsgs;
    uint8_t *payload;
    size_t plen, pcap;
    /* local state (record.c) */
    sf_rank part;
    sf_region *regions;
    uint8_t **region_data;
    sf_request *requests;
    char **stack;
    sf_comm *comms;
    int32_t **comm_world;
} snap_cur;

#endif
