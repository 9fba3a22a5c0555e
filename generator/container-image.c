/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "log.h"
#include "split.h"

/* A reference goes on a command line and into a unit name: printable,
 * no blanks, no quotes, not an option. */
static bool image_ref_valid(const char *s)
{
        if (isempty(s) || s[0] == '-' || strlen(s) > 1024)
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\'' || *p == '\\')
                        return false;
        return true;
}

/* "registry.example.com/x", "localhost/x" and "host:5000/x" name their
 * registry; "nginx" or "library/nginx" leave it to a search. */
static bool image_fully_qualified(const char *s)
{
        const char *slash = strchr(s, '/');
        size_t n;

        if (!slash)
                return false;
        n = slash - s;
        return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && strneq(s, "localhost", 9));
}

int container_image(ContainerBuild *c)
{
        _cleanup_free_ char *pull = NULL;
        const UnitEntry *ie, *re, *pe;
        int r;

        if (decl_get_string(c->d, "Image", &c->image, &ie) < 0 ||
            decl_get_string(c->d, "Rootfs", &c->rootfs, &re) < 0 ||
            decl_get_string(c->d, "Pull", &pull, &pe) < 0)
                return log_oom();
        if (isempty(c->image)) {
                free(c->image);
                c->image = NULL;
        }
        if (isempty(c->rootfs)) {
                free(c->rootfs);
                c->rootfs = NULL;
        }
        if (!c->image && !c->rootfs)
                return decl_fail(c->g, c->d, NULL, "no Image or Rootfs key specified");
        if (c->image && c->rootfs)
                return decl_fail(c->g, c->d, re,
                                 "the Image and Rootfs keys conflict and can not be specified "
                                 "together");
        if (c->rootfs) {
                char *p = NULL;
                /* Quadlet's "DIR:O" overlay form has no berth equivalent. */
                if (strchr(c->rootfs, ':'))
                        return decl_fail(c->g, c->d, re, "Rootfs with options is not supported");
                r = decl_resolve_path(c->d, c->rootfs, &p);
                if (r < 0)
                        return log_oom();
                free(c->rootfs);
                c->rootfs = p;
                c->pull = PULL_NEVER;
                return 0;
        }

        if (!isempty(pull)) {
                c->pull = pull_policy_from_string(pull);
                if (c->pull < 0)
                        return decl_fail(c->g, c->d, pe,
                                         "'%s' is not a pull policy: use always, missing, "
                                         "never or newer",
                                         pull);
        }

        switch (decl_kind_from_filename(c->image)) {
        case DECL_IMAGE: {
                const Decl *img = generator_find_decl(c->g, c->image);
                const char *ref;
                char *dup;

                if (!img || !img->unit)
                        return decl_fail(c->g, c->d, ie, "requested Quadlet image %s was not found",
                                         c->image);
                ref = image_ref_of(img);
                if (!ref)
                        return decl_fail(c->g, c->d, ie, "%s declares no image", c->image);
                dup = strdup(ref);
                if (!dup)
                        return log_oom();
                free(c->image);
                c->image = dup;
                /* The .image unit pulls it: no pull unit of our own. */
                c->pull = PULL_NEVER;
                return image_ref_valid(c->image)
                           ? 0
                           : decl_fail(c->g, c->d, ie, "'%s' is not an image reference", c->image);
        }
        case DECL_BUILD:
                return decl_fail(c->g, c->d, ie, "not supported by berth: building images (%s)",
                                 c->image);
        case _DECL_KIND_INVALID:
                break;
        default:
                return decl_fail(c->g, c->d, ie, "%s is not an image", c->image);
        }
        if (!image_ref_valid(c->image))
                return decl_fail(c->g, c->d, ie, "'%s' is not an image reference", c->image);
        if (!image_fully_qualified(c->image))
                decl_warn(c->d, ie,
                          "%s specifies the image \"%s\", which is not a fully qualified image "
                          "name: it is looked up as docker.io/library/… by berth",
                          c->d->filename, c->image);
        return 0;
}

int container_pull_dependency(ContainerBuild *c)
{
        const char *unit;
        const char *img = unit_file_lookup(c->d->unit, "Container", "Image");
        int r;

        if (!c->image)
                return 0;
        if (img && decl_kind_from_filename(img) == DECL_IMAGE) {
                const Decl *i = generator_find_decl(c->g, img);
                _cleanup_free_ char *svc = NULL;
                r = translate_dependency(c->g, c->d, i->filename, &svc);
                if (r <= 0)
                        return log_oom();
                return service_require(c->service, svc) < 0 ? log_oom() : 0;
        }
        if (c->pull == PULL_NEVER)
                return 0;
        /* Pull units wait for the network; a container that opted out of
         * default dependencies must not wait through its pull unit either.
         * berth-runtime pulls a missing image at start instead. */
        if (!decl_default_dependencies(c->d))
                return 0;
        if (strchr(c->image, '%')) {
                /* A pull unit is shared by name; one whose image depends on
                 * the instance cannot be. berth-runtime pulls it at start. */
                decl_warn(c->d, NULL,
                          "the image depends on specifiers: it is pulled at start, within "
                          "TimeoutStartSec=");
                return 0;
        }
        r = pull_unit_request(c->g, c->image, c->pull, &unit);
        if (r < 0)
                return log_oom();
        return service_require(c->service, unit) < 0 ? log_oom() : 0;
}
