/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "image.h"
#include "log.h"
#include "macro.h"

int image_ref_container(Manager *m, const char *image_id, const char *container)
{
        return store_image_ref_container(m->store, image_id, container);
}

int image_unref_container(Manager *m, const char *image_id, const char *container)
{
        if (!image_id)
                return 0;
        return store_image_unref_container(m->store, image_id, container);
}

int image_object_path(const char *id, char **ret)
{
        const char *hex = strchr(id, ':');

        return sd_bus_path_encode(BERTH_IMAGE_PATH, hex ? hex + 1 : id, ret);
}

uint64_t image_created_usec(const char *s)
{
        struct tm tm = {};
        const char *rest;
        time_t t;

        if (isempty(s))
                return 0;
        rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!rest)
                return 0;
        t = timegm(&tm);
        if (t < 0)
                return 0;
        /* fractions and the zone: configs use Z in practice; an offset is
         * applied, fractions are dropped */
        while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
                rest++;
        if ((*rest == '+' || *rest == '-') && strlen(rest) >= 6) {
                int sign = *rest == '-' ? 1 : -1, hh = 0, mm = 0;
                if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) == 2)
                        t += sign * (hh * 3600 + mm * 60);
        }
        return (uint64_t)t * 1000000ULL;
}

void image_drop_stale_refs(Manager *m)
{
        Image **images = NULL;
        size_t n = 0;
        int r;

        r = store_image_list(m->store, &images, &n);
        if (r < 0) {
                log_warning_errno(r, "list images");
                return;
        }
        for (size_t i = 0; i < n; i++) {
                for (char **c = images[i]->containers; c && *c; c++)
                        if (!container_find(m, *c)) {
                                log_info("dropping reference of removed container %s to %s", *c,
                                         images[i]->id);
                                (void)store_image_unref_container(m->store, images[i]->id, *c);
                        }
                image_free(images[i]);
        }
        free(images);
}
