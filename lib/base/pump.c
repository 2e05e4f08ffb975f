/*
 * pump.c - the progress pump (pump.h).
 */
#include "pump.h"

#include <string.h>

unsigned pump_work;
snap_async_flags snap_async;

enum { MAX_CLIENTS = 16 };
static const pump_client *clients[MAX_CLIENTS];
static int nclients;

void pump_register(const pump_client *c)
{
    if (nclients == MAX_CLIENTS) {
        snap_log(SNAP_LOG_ERROR, "internal: too many progress clients (%s)", c->name);
        return;
    }
    clients[nclients++] = c;
}

void pump_register_first(const pump_client *c)
{
    if (nclients == MAX_CLIENTS) {
        snap_log(SNAP_LOG_ERROR, "internal: too many progress clients (%s)", c->name);
        return;
    }
    memmove(&clients[1], &clients[0], (size_t)nclients * sizeof *clients);
    clients[0] = c;
    nclients++;
}

void pump_spin(unsigned it)
{
    for (int i = 0; i < nclients; i++)
        if (clients[i]->spin) clients[i]->spin(it);
}

void snap_progress(void)
{
    if (snap_job.in_lib) return;
    snap_job.in_lib = 1;
    for (int i = 0; i < nclients; i++)
        if (clients[i]->poll) clients[i]->poll();
    snap_job.in_lib = 0;
}

int pump_peek(void)
{
    for (int i = 0; i < nclients; i++)
        if (clients[i]->peek && clients[i]->peek()) return 1;
    return 0;
}
