/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A container as berthd sees it: its record plus the state of its unit,
 * which berthd follows through the unit's PropertiesChanged signals. */

#include "berthd.h"
#include "container-record.h"

struct Container {
        Manager *manager;
        ContainerRecord *rec;
        char *unit;        /* berth-NAME.service */
        char *unit_path;   /* systemd's object path of that unit */
        char *object_path; /* ours */

        char *load_state;
        char *active_state;
        char *sub_state;
        uint32_t main_pid;
        int32_t exit_status;
        uint64_t started_at; /* µs, CLOCK_REALTIME */
        bool was_active;     /* seen active since berthd started: --rm removes it on exit */
        bool removing;

        sd_bus_slot *slot_changed;
        sd_bus_slot *slot_get[2];
        sd_event_source *remove_later;
        Container *next;
};

/* Takes ownership of rec. Subscribes to the unit and fetches its state,
 * before returning when sync_state. */
int container_add(Manager *m, ContainerRecord *rec, bool sync_state, Container **ret);
void container_free(Container *c);
Container *container_find(Manager *m, const char *name);
/* created, starting, running, restarting, stopping, exited */
const char *container_state(Container *c);
bool container_is_active(Container *c);
/* Drops the record, the writable layer and the image reference and
 * announces the removal on the bus. Frees c. */
int container_remove(Container *c);
/* Fetches the unit's state (asynchronously). */
int container_refresh(Container *c);
/* Applies an a{sv} of unit/service properties, as in GetAll or
 * PropertiesChanged; emits our own PropertiesChanged for what changed. */
int container_apply_unit_properties(Container *c, sd_bus_message *m);
