/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berthd's context: one Manager per process, passed explicitly everywhere. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "container-record.h"

#define BERTH_BUS_NAME        "org.berth1"
#define BERTH_OBJECT_PATH     "/org/berth1"
#define BERTH_CONTAINER_PATH  "/org/berth1/container"
#define BERTH_IMAGE_PATH      "/org/berth1/image"
#define BERTH_TRANSFER_PATH   "/org/berth1/transfer"
#define BERTH_IFACE_MANAGER   "org.berth1.Manager"
#define BERTH_IFACE_CONTAINER "org.berth1.Container"
#define BERTH_IFACE_IMAGE     "org.berth1.Image"
#define BERTH_IFACE_TRANSFER  "org.berth1.Transfer"

#define BERTH_ERROR_NO_SUCH_CONTAINER "org.berth1.NoSuchContainer"
#define BERTH_ERROR_NO_SUCH_IMAGE     "org.berth1.NoSuchImage"
#define BERTH_ERROR_NO_SUCH_NETWORK   "org.berth1.NoSuchNetwork"
#define BERTH_ERROR_CONTAINER_EXISTS  "org.berth1.ContainerExists"
#define BERTH_ERROR_CONTAINER_RUNNING "org.berth1.ContainerRunning"
#define BERTH_ERROR_IMAGE_IN_USE      "org.berth1.ImageInUse"
#define BERTH_ERROR_UNIT_FAILED       "org.berth1.UnitFailed"
#define BERTH_ERROR_TRANSFER_FAILED   "org.berth1.TransferFailed"

#define POLKIT_ACTION_PULL              "org.berth1.pull-images"
#define POLKIT_ACTION_MANAGE_IMAGES     "org.berth1.manage-images"
#define POLKIT_ACTION_MANAGE_CONTAINERS "org.berth1.manage-containers"

typedef struct Manager Manager;
typedef struct Container Container;
typedef struct Transfer Transfer;
typedef struct PolkitQuery PolkitQuery;
typedef struct PendingJob PendingJob;
typedef struct Store Store;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        char *state_dir;
        char *containers_dir;
        char *runtime_path;
        Store *store;
        /* the image an object-path lookup found, valid until the next one */
        struct Image *image_cache;

        Container *containers;
        Transfer *transfers;
        PolkitQuery *polkit_queries;
        PendingJob *jobs;
        uint32_t next_transfer_id;

        /* work that keeps berthd from exiting while idle: calls waiting for
         * polkit or systemd, and running transfers */
        unsigned n_busy;
        uint64_t idle_timeout_usec; /* 0: never exit */
        uint64_t last_activity_usec;
        bool exiting;
};

/* Call on every incoming call and whenever pending work finishes. */
void manager_touch(Manager *m);
bool manager_is_idle(Manager *m);

int manager_new(Manager **ret);
void manager_free(Manager *m);
static inline void manager_freep(Manager **m)
{
        if (*m)
                manager_free(*m);
}
int manager_connect(Manager *m, const char *bus_address);
int manager_load(Manager *m);
int manager_run(Manager *m);

/* Bus vtables (bus-*.c) */
extern const sd_bus_vtable manager_vtable[];
extern const sd_bus_vtable container_vtable[];
extern const sd_bus_vtable image_vtable[];
extern const sd_bus_vtable transfer_vtable[];
int bus_container_find(sd_bus *bus, const char *path, const char *iface, void *userdata,
                       void **found, sd_bus_error *error);
int bus_container_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                            sd_bus_error *error);
int bus_image_find(sd_bus *bus, const char *path, const char *iface, void *userdata, void **found,
                   sd_bus_error *error);
int bus_image_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                        sd_bus_error *error);
int bus_transfer_find(sd_bus *bus, const char *path, const char *iface, void *userdata,
                      void **found, sd_bus_error *error);
int bus_transfer_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                           sd_bus_error *error);

/* Maps a negative errno from the lower layers to a D-Bus error. */
int bus_error_from_errno(sd_bus_error *error, int r, const char *what);
