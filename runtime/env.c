/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child-steps.h"
#include "log.h"
#include "strv.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Docker's order: its defaults first, then the image's and the user's
 * variables over them; HOME comes from passwd unless set. */
int env_finish(Container *c, const char *home)
{
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *h = NULL;

        if (strv_extend(&env, "PATH=" DEFAULT_PATH) < 0)
                return log_oom();
        if (c->hostname &&
            (asprintf(&h, "HOSTNAME=%s", c->hostname) < 0 || strv_consume(&env, TAKE_PTR(h)) < 0))
                return log_oom();
        STRV_FOREACH (e, c->env)
                if (strv_env_set(&env, *e) < 0)
                        return log_oom();
        if (!strv_env_get(env, "HOME") &&
            (asprintf(&h, "HOME=%s", home ?: "/") < 0 || strv_consume(&env, TAKE_PTR(h)) < 0))
                return log_oom();
        strv_free(c->env);
        c->env = TAKE_PTR(env);
        return 0;
}

static bool is_executable_file(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int find_executable(const char *name, const char *path_env, char *buf, size_t size)
{
        const char *p = path_env ?: DEFAULT_PATH;

        if (isempty(name))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "no command to run");
        if (strchr(name, '/')) {
                if ((size_t)snprintf(buf, size, "%s", name) >= size)
                        return log_error_errno(ENAMETOOLONG, "execute %s", name);
                return 0;
        }
        while (*p) {
                size_t len = strcspn(p, ":");

                if ((size_t)snprintf(buf, size, "%.*s/%s", (int)len, len ? p : ".", name) < size &&
                    is_executable_file(buf))
                        return 0;
                p += len;
                if (*p == ':')
                        p++;
        }
        return log_error_errno(ENOENT, "find executable %s in PATH=%s", name,
                               path_env ?: DEFAULT_PATH);
}
