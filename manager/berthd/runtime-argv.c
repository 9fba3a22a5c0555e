/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "container-record.h"
#include "macro.h"
#include "strv.h"

static int add_opt(char ***argv, const char *opt, const char *value)
{
        int r;

        if (!value)
                return 0;
        r = strv_extend(argv, opt);
        return r < 0 ? r : strv_extend(argv, value);
}

static int add_opts(char ***argv, const char *opt, char *const *values)
{
        int r;

        STRV_FOREACH (v, values) {
                r = add_opt(argv, opt, *v);
                if (r < 0)
                        return r;
        }
        return 0;
}

int container_runtime_argv(const ContainerRecord *c, const char *runtime_path,
                           const char *store_root, char ***ret)
{
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *upper = NULL;
        int r;

        store_root = store_root ?: BERTH_STATEDIR;
        /* A kept container keeps its writable layer between runs, as with
         * docker; the runtime's default is a fresh one each time. */
        if (!c->auto_remove && asprintf(&upper, "%s/containers/%s", store_root, c->name) < 0)
                return -ENOMEM;

        /* The image id, not the reference: a later pull that moves the tag
         * must not change what an existing container runs. */
        if ((r = strv_extend(&argv, runtime_path)) < 0 || (r = strv_extend(&argv, "run")) < 0 ||
            (r = add_opt(&argv, "--name", c->name)) < 0 ||
            (r = add_opt(&argv, "--store", store_root)) < 0 ||
            (r = add_opt(&argv, "--upper", upper)) < 0 ||
            (r = add_opt(&argv, "--image", c->image_id ?: c->image)) < 0 ||
            (r = add_opts(&argv, "--env", c->env)) < 0 ||
            (r = add_opts(&argv, "--volume", c->volumes)) < 0 ||
            (r = add_opt(&argv, "--user", c->user)) < 0 ||
            (r = add_opt(&argv, "--workdir", c->workdir)) < 0 ||
            (r = add_opt(&argv, "--entrypoint", c->entrypoint)) < 0)
                return r;
        if (c->auto_remove && (r = strv_extend(&argv, "--rm")) < 0)
                return r;
        /* The default bridge unless the record says otherwise, as Docker
         * and Podman attach a container without --network. */
        if ((r = add_opt(&argv, "--network", c->network ?: "bridge")) < 0 ||
            (r = add_opts(&argv, "--publish", c->publish)) < 0 ||
            (r = add_opts(&argv, "--dns", c->dns)) < 0 ||
            (r = add_opts(&argv, "--dns-search", c->dns_search)) < 0 ||
            (r = add_opts(&argv, "--dns-option", c->dns_option)) < 0 ||
            (r = add_opts(&argv, "--add-host", c->add_host)) < 0 ||
            (r = add_opt(&argv, "--ip", c->ip)) < 0)
                return r;
        if (c->command) {
                if ((r = strv_extend(&argv, "--")) < 0 ||
                    (r = strv_extend_strv(&argv, c->command)) < 0)
                        return r;
        }
        *ret = TAKE_PTR(argv);
        return 0;
}

int container_cleanup_argv(const ContainerRecord *c, const char *runtime_path,
                           const char *store_root, char ***ret)
{
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        if ((r = strv_extend(&argv, runtime_path)) < 0 || (r = strv_extend(&argv, "cleanup")) < 0 ||
            (r = add_opt(&argv, "--name", c->name)) < 0 ||
            (r = add_opt(&argv, "--store", store_root ?: BERTH_STATEDIR)) < 0)
                return r;
        if (c->auto_remove && (r = strv_extend(&argv, "--rm")) < 0)
                return r;
        *ret = TAKE_PTR(argv);
        return 0;
}
