/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "strv.h"
#include "user-db.h"

void exec_user_done(ExecUser *u)
{
        free(u->groups);
        free(u->home);
        *u = (ExecUser){};
}

/* Splits one line into at most n ':'-separated fields in place; returns the
 * number of fields found. */
static size_t split_fields(char *line, char **fields, size_t n)
{
        size_t i = 0;

        fields[i++] = line;
        for (char *p = line; *p && i < n; p++)
                if (*p == ':') {
                        *p = 0;
                        fields[i++] = p + 1;
                }
        return i;
}

/* Calls cb for each line with its fields; stops when cb returns non-zero. */
static int for_each_entry(const char *content, size_t n_fields,
                          int (*cb)(char **fields, size_t n, void *userdata), void *userdata)
{
        _cleanup_free_ char *copy = NULL;
        char *line, *save = NULL;

        if (!content)
                return 0;
        copy = strdup(content);
        if (!copy)
                return -ENOMEM;
        for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *fields[8];
                size_t n;
                int r;

                if (line[0] == '#' || line[0] == '+' || line[0] == '-')
                        continue;
                n = split_fields(line, fields, n_fields);
                if (n < n_fields)
                        continue;
                r = cb(fields, n, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

typedef struct PasswdMatch {
        const char *name;
        bool by_id;
        uint32_t id;
        uid_t uid;
        gid_t gid;
        char *home;
        char *found_name;
} PasswdMatch;

static int passwd_cb(char **f, size_t n, void *userdata)
{
        PasswdMatch *m = userdata;
        uint32_t uid, gid;

        if (parse_uint32(f[2], &uid) < 0 || parse_uint32(f[3], &gid) < 0)
                return 0;
        if (m->by_id ? uid != m->id : !streq(f[0], m->name))
                return 0;
        m->uid = uid;
        m->gid = gid;
        m->home = strdup(f[5]);
        m->found_name = strdup(f[0]);
        return (!m->home || !m->found_name) ? -ENOMEM : 1;
}

typedef struct GroupMatch {
        const char *name; /* match by name or id */
        bool by_id;
        uint32_t id;
        const char *member; /* or: every group listing this member */
        gid_t *gids;
        size_t n_gids;
        bool found;
} GroupMatch;

static int group_add_gid(GroupMatch *m, gid_t gid)
{
        gid_t *n = realloc(m->gids, sizeof(gid_t) * (m->n_gids + 1));

        if (!n)
                return -ENOMEM;
        m->gids = n;
        m->gids[m->n_gids++] = gid;
        return 0;
}

static int group_cb(char **f, size_t n, void *userdata)
{
        GroupMatch *m = userdata;
        uint32_t gid;

        if (parse_uint32(f[2], &gid) < 0)
                return 0;
        if (m->member) {
                _cleanup_free_ char *members = strdup(f[3]);
                char *save = NULL;

                if (!members)
                        return -ENOMEM;
                for (char *u = strtok_r(members, ",", &save); u; u = strtok_r(NULL, ",", &save))
                        if (streq(u, m->member))
                                return group_add_gid(m, gid);
                return 0;
        }
        if (m->by_id ? gid != m->id : !streq(f[0], m->name))
                return 0;
        m->found = true;
        m->id = gid;
        return 1;
}

static int group_lookup(const char *group, const char *spec, gid_t *ret)
{
        GroupMatch m = {.name = spec};
        int r;

        m.by_id = parse_uint32(spec, &m.id) >= 0;
        r = for_each_entry(group, 4, group_cb, &m);
        if (r < 0)
                return r;
        if (!m.found && !m.by_id)
                return -ENXIO;
        *ret = m.id;
        return 0;
}

int exec_user_resolve(const char *spec, char *const *group_add, const char *passwd,
                      const char *group, ExecUser *ret)
{
        _cleanup_free_ char *user = NULL;
        _cleanup_free_ char *found_name = NULL;
        const char *group_spec = NULL;
        PasswdMatch pm = {};
        ExecUser u = {};
        GroupMatch gm = {};
        char *colon;
        int r;

        user = strdup(isempty(spec) ? "0" : spec);
        if (!user)
                return -ENOMEM;
        colon = strchr(user, ':');
        if (colon) {
                *colon = 0;
                group_spec = colon + 1;
        }
        if (isempty(user))
                return -EINVAL;

        pm.name = user;
        pm.by_id = parse_uint32(user, &pm.id) >= 0;
        r = for_each_entry(passwd, 7, passwd_cb, &pm);
        found_name = pm.found_name;
        if (r < 0) {
                free(pm.home);
                goto fail;
        }
        if (r > 0) {
                u.uid = pm.uid;
                u.gid = pm.gid;
                u.home = pm.home;
        } else if (pm.by_id) {
                u.uid = pm.id;
                u.gid = 0;
        } else {
                r = -ESRCH;
                goto fail;
        }
        if (!u.home && !(u.home = strdup("/"))) {
                r = -ENOMEM;
                goto fail;
        }

        if (!isempty(group_spec)) {
                r = group_lookup(group, group_spec, &u.gid);
                if (r < 0)
                        goto fail;
        } else if (found_name) {
                gm.member = found_name;
                r = for_each_entry(group, 4, group_cb, &gm);
                if (r < 0)
                        goto fail;
                u.groups = TAKE_PTR(gm.gids);
                u.n_groups = gm.n_gids;
        }

        STRV_FOREACH (g, group_add) {
                gid_t gid, *n;

                r = group_lookup(group, *g, &gid);
                if (r < 0)
                        goto fail;
                n = realloc(u.groups, sizeof(gid_t) * (u.n_groups + 1));
                if (!n) {
                        r = -ENOMEM;
                        goto fail;
                }
                u.groups = n;
                u.groups[u.n_groups++] = gid;
        }
        *ret = u;
        return 0;
fail:
        free(gm.gids);
        exec_user_done(&u);
        return r;
}
