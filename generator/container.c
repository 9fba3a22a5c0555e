/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container.h"
#include "log.h"
#include "names.h"
#include "parse-util.h"
#include "split.h"
#include "strv.h"

int cb_arg(ContainerBuild *c, const char *a)
{
        /* Escaped straight into the command line: no vector to build. */
        exec_append_arg(&c->args, a);
        return strbuf_failed(&c->args) ? log_oom() : 0;
}

int cb_arg2(ContainerBuild *c, const char *a, const char *b)
{
        exec_append_opt(&c->args, a, b);
        return strbuf_failed(&c->args) ? log_oom() : 0;
}

int cb_require(ContainerBuild *c, const UnitEntry *e, const char *decl)
{
        _cleanup_free_ char *svc = NULL;
        int r = translate_dependency(c->g, c->d, decl, &svc);

        if (r == -ENOMEM)
                return log_oom();
        if (r <= 0)
                return decl_fail(c->g, c->d, e, "unable to translate dependency for %s", decl);
        return service_require(c->service, svc) < 0 ? log_oom() : 0;
}

int cb_words(ContainerBuild *c, const char *key, SplitFlags flags, const char *opt)
{
        _cleanup_strv_free_ char **w = NULL;
        int r = decl_get_words(c->g, c->d, key, flags, &w);

        if (r < 0)
                return r;
        STRV_FOREACH (s, w) {
                r = cb_arg2(c, opt, *s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Each assignment as one value, unsplit (Ulimit=, Tmpfs=, GroupAdd=). */
static int lookup_lines(ContainerBuild *c, const char *key, const UnitEntry ***ret, size_t *n)
{
        int r = unit_file_lookup_all(c->d->unit, "Container", key, ret, n);
        return r < 0 ? log_oom() : 0;
}

/* lib/names.c's rule, which the runtime applies to --name, with the
 * specifiers systemd resolves */
static bool container_name_valid(const char *n)
{
        return object_name_is_valid(n, CONTAINER_NAME_MAX, "%");
}

static int container_name(ContainerBuild *c)
{
        const UnitEntry *e;
        int r;

        r = decl_get_string(c->d, "ContainerName", &c->name, &e);
        if (r < 0)
                return log_oom();
        if (r > 0 && !isempty(c->name)) {
                if (!container_name_valid(c->name))
                        return decl_fail(c->g, c->d, e,
                                         "'%s' is not a valid container name: use letters, "
                                         "digits, '_', '.' and '-'",
                                         c->name);
                return 0;
        }
        free(c->name);
        /* Quadlet's names, so that "systemd-web" means the same thing. */
        c->name = strdup(unit_name_split_instance(c->d->filename, NULL, NULL) ? "systemd-%p_%i"
                                                                              : "systemd-%N");
        return c->name ? 0 : log_oom();
}

static int environment(ContainerBuild *c)
{
        _cleanup_strv_free_ char **w = NULL, **env = NULL;
        const UnitEntry *e = unit_file_last(c->d->unit, "Container", "Environment");
        const UnitEntry **files = NULL;
        size_t n = 0;
        int r;

        r = decl_get_bool(c->g, c->d, "EnvironmentHost", 0);
        if (r < 0)
                return r;
        if (r > 0 && (r = cb_arg(c, "--env-host")) < 0)
                return r;

        r = lookup_lines(c, "EnvironmentFile", &files, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;
                if (decl_resolve_path(c->d, files[i]->value, &p) < 0 ||
                    cb_arg2(c, "--env-file", p) < 0) {
                        free(files);
                        return log_oom();
                }
        }
        free(files);

        r = decl_get_words(c->g, c->d, "Environment", SPLIT_EXEC, &w);
        if (r < 0)
                return r;
        /* Later assignments of a variable replace earlier ones. */
        STRV_FOREACH (s, w) {
                const char *eq = strchr(*s, '=');
                size_t kl = eq ? (size_t)(eq - *s) : strlen(*s);
                bool replaced = false;

                if (kl == 0)
                        return decl_fail(c->g, c->d, e, "'%s' is not a variable assignment", *s);
                STRV_FOREACH (o, env) {
                        if (strneq(*o, *s, kl) && ((*o)[kl] == '=' || (*o)[kl] == 0)) {
                                char *dup = strdup(*s);
                                if (!dup)
                                        return log_oom();
                                free(*(char **)o);
                                *(char **)o = dup;
                                replaced = true;
                        }
                }
                if (!replaced && strv_extend(&env, *s) < 0)
                        return log_oom();
        }
        STRV_FOREACH (s, env) {
                r = cb_arg2(c, "--env", *s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int identity(ContainerBuild *c)
{
        _cleanup_free_ char *user = NULL, *group = NULL, *v = NULL;
        const UnitEntry *ue, *ge, *e, **adds = NULL;
        size_t n = 0;
        int r;

        if (decl_get_string(c->d, "User", &user, &ue) < 0 ||
            decl_get_string(c->d, "Group", &group, &ge) < 0)
                return log_oom();
        if (!isempty(group) && isempty(user))
                return decl_fail(c->g, c->d, ge, "Group set without User");
        if (!isempty(user)) {
                _cleanup_free_ char *spec = NULL;
                if (strchr(user, ':') && !isempty(group))
                        return decl_fail(c->g, c->d, ue, "User names a group and Group is set");
                if (asprintf(&spec, "%s%s%s", user, isempty(group) ? "" : ":", strempty(group)) < 0)
                        return log_oom();
                if ((r = cb_arg2(c, "--user", spec)) < 0)
                        return r;
        }

        r = lookup_lines(c, "GroupAdd", &adds, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                /* keep-groups keeps a rootless caller's groups: system
                 * services have none to keep. */
                if (streq(adds[i]->value, "keep-groups")) {
                        decl_warn(c->d, adds[i],
                                  "keep-groups has no effect for system "
                                  "containers, ignoring");
                        continue;
                }
                if ((r = cb_arg2(c, "--group-add", adds[i]->value)) < 0) {
                        free(adds);
                        return r;
                }
        }
        free(adds);

        if (decl_get_string(c->d, "WorkingDir", &v, &e) < 0)
                return log_oom();
        if (!isempty(v)) {
                if (v[0] != '/' && v[0] != '%')
                        return decl_fail(c->g, c->d, e, "'%s' is not an absolute path", v);
                if ((r = cb_arg2(c, "--workdir", v)) < 0)
                        return r;
        }
        free(v);
        if (decl_get_string(c->d, "HostName", &v, &e) < 0)
                return log_oom();
        if (!isempty(v)) {
                for (const char *p = v; *p; p++)
                        if (!isalnum((unsigned char)*p) && !strchr("-.%_", *p))
                                return decl_fail(c->g, c->d, e, "'%s' is not a valid host name", v);
                if ((r = cb_arg2(c, "--hostname", v)) < 0)
                        return r;
        }
        return 0;
}

/* Docker's --entrypoint names one program and drops the image's CMD; the
 * words after it become the front of the command. So "Entrypoint=top -b"
 * with "Exec=x" runs "top -b x", as under Quadlet. */
static int command(ContainerBuild *c)
{
        const UnitEntry *e = unit_file_last(c->d->unit, "Container", "Exec");
        _cleanup_strv_free_ char **entry = NULL;
        bool bad = false;
        int r;

        if (e) {
                if (split_all(e->value, SPLIT_EXEC, &c->exec, &bad) < 0)
                        return decl_fail(c->g, c->d, e, "unbalanced quotes in '%s'", e->value);
                if (bad)
                        decl_warn(c->d, e, "unsupported escape char in '%s', kept as written",
                                  e->value);
        }
        e = unit_file_last(c->d->unit, "Container", "Entrypoint");
        if (!e)
                return 0;
        bad = false;
        if (split_all(e->value, SPLIT_EXEC, &entry, &bad) < 0)
                return decl_fail(c->g, c->d, e, "unbalanced quotes in '%s'", e->value);
        if (bad)
                decl_warn(c->d, e, "unsupported escape char in '%s', kept as written", e->value);
        if (!entry[0]) {
                /* Cleared: the command alone runs, or the image's CMD. */
                if (c->exec && c->exec[0]) {
                        r = cb_arg2(c, "--entrypoint", c->exec[0]);
                        if (r >= 0) {
                                free(c->exec[0]);
                                memmove(c->exec, c->exec + 1,
                                        strv_length(c->exec) * sizeof(char *));
                        }
                        return r;
                }
                return cb_arg2(c, "--entrypoint", "");
        }
        r = cb_arg2(c, "--entrypoint", entry[0]);
        if (r < 0)
                return r;
        if (entry[1]) {
                _cleanup_strv_free_ char **cmd = strv_copy(entry + 1);
                if (!cmd || strv_extend_strv(&cmd, c->exec) < 0)
                        return log_oom();
                strv_free(c->exec);
                c->exec = TAKE_PTR(cmd);
        }
        return 0;
}

static bool cap_valid(char *cap)
{
        for (char *p = cap; *p; p++) {
                *p = (char)toupper((unsigned char)*p);
                if (!isalnum((unsigned char)*p) && *p != '_')
                        return false;
        }
        return *cap != 0;
}

static int security(ContainerBuild *c)
{
        static const char *const cap_keys[][2] = {{"AddCapability", "--cap-add"},
                                                  {"DropCapability", "--cap-drop"}};
        _cleanup_free_ char *v = NULL;
        const UnitEntry *e;
        int r;

        for (size_t k = 0; k < ELEMENTSOF(cap_keys); k++) {
                _cleanup_strv_free_ char **w = NULL;
                r = decl_get_words(c->g, c->d, cap_keys[k][0], SPLIT_LIST, &w);
                if (r < 0)
                        return r;
                STRV_FOREACH (s, w) {
                        _cleanup_free_ char *cap = NULL;
                        if (!cap_valid(*s))
                                return decl_fail(
                                    c->g, c->d,
                                    unit_file_last(c->d->unit, "Container", cap_keys[k][0]),
                                    "'%s' is not a capability", *s);
                        if (!streq(*s, "ALL") && !strneq(*s, "CAP_", 4)) {
                                if (asprintf(&cap, "CAP_%s", *s) < 0)
                                        return log_oom();
                        }
                        if ((r = cb_arg2(c, cap_keys[k][1], cap ? cap : *s)) < 0)
                                return r;
                }
        }

        r = decl_get_bool(c->g, c->d, "NoNewPrivileges", 0);
        if (r < 0)
                return r;
        if (r > 0 && (r = cb_arg(c, "--no-new-privileges")) < 0)
                return r;

        if (decl_get_string(c->d, "SeccompProfile", &v, &e) < 0)
                return log_oom();
        if (!isempty(v)) {
                _cleanup_free_ char *p = NULL;
                if (!streq(v, "unconfined") && decl_resolve_path(c->d, v, &p) < 0)
                        return log_oom();
                if ((r = cb_arg2(c, "--seccomp-profile", p ? p : v)) < 0)
                        return r;
        }
        free(v);

        /* berth does not load AppArmor profiles: asking for none is fine,
         * asking for one cannot be honoured. */
        if (decl_get_string(c->d, "AppArmor", &v, &e) < 0)
                return log_oom();
        if (!isempty(v) && !streq(v, "unconfined"))
                return decl_fail(c->g, c->d, e,
                                 "not supported by berth: AppArmor profiles are not applied");

        {
                _cleanup_strv_free_ char **w = NULL;
                r = decl_get_words(c->g, c->d, "AddDevice", SPLIT_LIST, &w);
                if (r < 0)
                        return r;
                STRV_FOREACH (s, w) {
                        const char *dev = *s;
                        if (dev[0] == '-') {
                                /* Optional: skipped when the host lacks it. */
                                _cleanup_free_ char *host = strndup(dev + 1, strcspn(dev + 1, ":"));
                                struct stat st;
                                if (!host)
                                        return log_oom();
                                dev++;
                                if (stat(host, &st) < 0)
                                        continue;
                        }
                        if (dev[0] != '/')
                                return decl_fail(
                                    c->g, c->d,
                                    unit_file_last(c->d->unit, "Container", "AddDevice"),
                                    "'%s' is not a device path", dev);
                        if ((r = cb_arg2(c, "--device", dev)) < 0)
                                return r;
                }
        }
        return 0;
}

static int limits(ContainerBuild *c)
{
        _cleanup_free_ char *v = NULL;
        const UnitEntry *e, **l = NULL;
        size_t n = 0;
        uint64_t sz;
        int r;

        {
                _cleanup_strv_free_ char **w = NULL;
                r = decl_get_words(c->g, c->d, "Sysctl", SPLIT_LIST, &w);
                if (r < 0)
                        return r;
                STRV_FOREACH (s, w) {
                        const char *eq = strchr(*s, '=');
                        if (!eq || eq == *s)
                                return decl_fail(c->g, c->d,
                                                 unit_file_last(c->d->unit, "Container", "Sysctl"),
                                                 "'%s' is not NAME=VALUE", *s);
                        if ((r = cb_arg2(c, "--sysctl", *s)) < 0)
                                return r;
                }
        }

        r = lookup_lines(c, "Ulimit", &l, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *u = l[i]->value, *eq = strchr(u, '=');
                bool ok = eq && eq != u && eq[1];
                for (const char *p = eq ? eq + 1 : u; ok && *p; p++)
                        ok = isdigit((unsigned char)*p) || *p == ':' || *p == '-';
                if (!ok) {
                        r = decl_fail(c->g, c->d, l[i], "'%s' is not NAME=SOFT[:HARD]", u);
                        free(l);
                        return r;
                }
                if ((r = cb_arg2(c, "--ulimit", u)) < 0) {
                        free(l);
                        return r;
                }
        }
        free(l);

        if (decl_get_string(c->d, "ShmSize", &v, &e) < 0)
                return log_oom();
        if (!isempty(v)) {
                if (parse_size(v, &sz) < 0)
                        return decl_fail(c->g, c->d, e, "'%s' is not a size", v);
                if ((r = cb_arg2(c, "--shm-size", v)) < 0)
                        return r;
        }
        free(v);

        /* Memory and tasks are the unit's cgroup: systemd enforces them. */
        if (decl_get_string(c->d, "Memory", &v, &e) < 0)
                return log_oom();
        if (!isempty(v)) {
                char num[32];
                if (parse_size(v, &sz) < 0)
                        return decl_fail(c->g, c->d, e, "'%s' is not a size", v);
                snprintf(num, sizeof(num), "%" PRIu64, sz);
                if (unit_file_set(c->service, "Service", "MemoryMax", num) < 0)
                        return log_oom();
        }
        free(v);
        if (decl_get_string(c->d, "PidsLimit", &v, &e) < 0)
                return log_oom();
        if (!isempty(v)) {
                uint64_t p;
                const char *val = v;
                if (streq(v, "-1") || streq(v, "0"))
                        val = "infinity";
                else if (parse_uint64(v, &p) < 0)
                        return decl_fail(c->g, c->d, e, "'%s' is not a number", v);
                if (unit_file_set(c->service, "Service", "TasksMax", val) < 0)
                        return log_oom();
        }
        return 0;
}

static bool signal_valid(const char *s)
{
        static const char *const names[] = {
            "HUP",  "INT",    "QUIT", "ILL",   "TRAP", "ABRT", "BUS",  "FPE",
            "KILL", "USR1",   "SEGV", "USR2",  "PIPE", "ALRM", "TERM", "STKFLT",
            "CHLD", "CONT",   "STOP", "TSTP",  "TTIN", "TTOU", "URG",  "XCPU",
            "XFSZ", "VTALRM", "PROF", "WINCH", "IO",   "PWR",  "SYS"};
        uint32_t n;

        if (parse_uint32(s, &n) == 0)
                return n > 0 && n < 65;
        if (strneq(s, "SIG", 3))
                s += 3;
        if (strneq(s, "RTMIN", 5) || strneq(s, "RTMAX", 5))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(s, names[i]))
                        return true;
        return false;
}

static int lifecycle(ContainerBuild *c)
{
        _cleanup_free_ char *v = NULL, *sig = NULL;
        const UnitEntry *e, *cmd_e, *sig_e;
        int r;

        r = decl_get_bool(c->g, c->d, "RunInit", 0);
        if (r < 0)
                return r;
        if (r > 0 && (r = cb_arg(c, "--init")) < 0)
                return r;

        if (decl_get_string(c->d, "Notify", &v, &e) < 0)
                return log_oom();
        if (!isempty(v)) {
                if (strcasecmp(v, "healthy") == 0)
                        return decl_fail(c->g, c->d, e,
                                         "Notify=healthy needs health checks, which berth does "
                                         "not run");
                r = parse_boolean(v);
                if (r < 0)
                        return decl_fail(c->g, c->d, e, "not a boolean: '%s'", v);
                if (r > 0 && (r = cb_arg(c, "--notify")) < 0)
                        return r;
        }
        free(v);

        /* StopSignal is also the unit's KillSignal, for signals systemd
         * sends on its own. The grace period (StopTimeout, Docker's 10 s by
         * default) is kept by ExecStop= (see exec_lines()); TimeoutStopSec=
         * leaves it room so systemd does not cut the stop short. */
        if (decl_get_string(c->d, "StopSignal", &v, &e) < 0)
                return log_oom();
        if (!isempty(v)) {
                if (!signal_valid(v))
                        return decl_fail(c->g, c->d, e, "'%s' is not a signal", v);
                if (unit_file_set(c->service, "Service", "KillSignal", v) < 0)
                        return log_oom();
        }
        free(v);
        if (decl_get_string(c->d, "StopTimeout", &v, &e) < 0)
                return log_oom();
        c->stop_grace = 10;
        if (!isempty(v) && (parse_uint64(v, &c->stop_grace) < 0 || c->stop_grace > 24 * 3600))
                return decl_fail(c->g, c->d, e, "'%s' is not a number of seconds", v);
        if (!unit_file_has_key(c->service, "Service", "TimeoutStopSec")) {
                char t[32];

                snprintf(t, sizeof(t), "%" PRIu64, c->stop_grace + 5);
                if (unit_file_set(c->service, "Service", "TimeoutStopSec", t) < 0)
                        return log_oom();
        }

        cmd_e = unit_file_last(c->d->unit, "Container", "ReloadCmd");
        if (decl_get_string(c->d, "ReloadSignal", &sig, &sig_e) < 0)
                return log_oom();
        if (cmd_e && !isempty(cmd_e->value) && !isempty(sig))
                return decl_fail(c->g, c->d, sig_e,
                                 "ReloadCmd and ReloadSignal are mutually exclusive but both are "
                                 "set");
        if (cmd_e && !isempty(cmd_e->value)) {
                _cleanup_strv_free_ char **w = NULL;
                _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
                bool bad = false;

                if (split_all(cmd_e->value, SPLIT_EXEC, &w, &bad) < 0)
                        return decl_fail(c->g, c->d, cmd_e, "unbalanced quotes in '%s'",
                                         cmd_e->value);
                if (bad)
                        decl_warn(c->d, cmd_e, "unsupported escape char in '%s', kept as written",
                                  cmd_e->value);
                escape_word(&b, c->g->runtime_path);
                strbuf_append(&b, " exec --name ");
                escape_word(&b, c->name);
                strbuf_append(&b, " --");
                STRV_FOREACH (s, w) {
                        strbuf_putc(&b, ' ');
                        escape_word(&b, *s);
                }
                if (strbuf_failed(&b) ||
                    unit_file_add(c->service, "Service", "ExecReload", b.s) < 0)
                        return log_oom();
        } else if (!isempty(sig)) {
                _cleanup_free_ char *line = NULL;
                if (!signal_valid(sig))
                        return decl_fail(c->g, c->d, sig_e, "'%s' is not a signal", sig);
                /* The container's init is the main PID. */
                if (asprintf(&line, "/bin/kill -s %s $MAINPID", sig) < 0 ||
                    unit_file_add(c->service, "Service", "ExecReload", line) < 0)
                        return log_oom();
        }
        return 0;
}

static int pods(ContainerBuild *c)
{
        _cleanup_free_ char *v = NULL;
        const UnitEntry *e;

        if (decl_get_string(c->d, "Pod", &v, &e) < 0)
                return log_oom();
        if (isempty(v))
                return 0;
        if (decl_kind_from_filename(v) != DECL_POD)
                return decl_fail(c->g, c->d, e, "pod %s is not Quadlet based", v);
        if (!generator_find_decl(c->g, v))
                return decl_fail(c->g, c->d, e, "quadlet pod unit %s does not exist", v);
        return decl_fail(c->g, c->d, e, "not supported by berth: pods");
}

/* The mapping keys Quadlet deprecated Remap* for cannot be mixed with them. */
static int remap_conflict(ContainerBuild *c)
{
        static const char *const remap[] = {"RemapUsers", "RemapUid", "RemapGid", "RemapUidSize"};
        static const char *const explicit[] = {"UserNS", "UIDMap", "GIDMap", "SubUIDMap",
                                               "SubGIDMap"};
        const UnitEntry *r = NULL, *x = NULL;

        for (size_t i = 0; i < ELEMENTSOF(remap) && !r; i++)
                r = unit_file_last(c->d->unit, "Container", remap[i]);
        for (size_t i = 0; i < ELEMENTSOF(explicit) && !x; i++)
                x = unit_file_last(c->d->unit, "Container", explicit[i]);
        if (r && x)
                return decl_fail(c->g, c->d, r,
                                 "deprecated Remap keys are set along with explicit mapping keys");
        return 0;
}

static int metadata(ContainerBuild *c)
{
        int r = cb_words(c, "Label", SPLIT_EXEC, "--label");
        return r < 0 ? r : cb_words(c, "Annotation", SPLIT_EXEC, "--annotation");
}

static int service_settings(ContainerBuild *c)
{
        const char *type = unit_file_lookup(c->service, "Service", "Type");
        const char *kill = unit_file_lookup(c->service, "Service", "KillMode");
        const UnitEntry *e;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;

        if (type && !streq(type, "notify") && !streq(type, "oneshot"))
                return decl_fail(c->g, c->d, unit_file_last(c->service, "Service", "Type"),
                                 "invalid service Type '%s': use notify or oneshot", type);
        if (kill && !streq(kill, "mixed") && !streq(kill, "control-group"))
                return decl_fail(c->g, c->d, unit_file_last(c->service, "Service", "KillMode"),
                                 "invalid KillMode '%s': use mixed or control-group", kill);
        e = unit_file_last(c->service, "Service", "ExecStart");
        if (e)
                return decl_fail(c->g, c->d, e, "ExecStart= is the container's: use Exec=");

        /* The runtime hands systemd the container's init as main PID
         * (MAINPID=, from inside the unit's cgroup, so NotifyAccess=all). */
        if (!type || streq(type, "notify")) {
                if (unit_file_set(c->service, "Service", "Type", "notify") < 0 ||
                    unit_file_set(c->service, "Service", "NotifyAccess", "all") < 0)
                        return log_oom();
        }
        /* SIGTERM to the init only, the rest of the cgroup at the timeout. */
        if (!kill && unit_file_set(c->service, "Service", "KillMode", "mixed") < 0)
                return log_oom();
        if (!unit_file_has_key(c->service, "Service", "SyslogIdentifier") &&
            unit_file_set(c->service, "Service", "SyslogIdentifier", "%N") < 0)
                return log_oom();

        strbuf_append(&b, "CONTAINER_NAME=");
        strbuf_append(&b, c->name);
        {
                _cleanup_strbuf_ StrBuf w = STRBUF_INIT;
                escape_word(&w, b.s);
                if (strbuf_failed(&w) ||
                    unit_file_add(c->service, "Service", "LogExtraFields", w.s) < 0)
                        return log_oom();
        }
        if (c->image) {
                _cleanup_strbuf_ StrBuf w = STRBUF_INIT;
                _cleanup_free_ char *f = NULL;
                if (asprintf(&f, "IMAGE=%s", c->image) < 0)
                        return log_oom();
                escape_word(&w, f);
                if (strbuf_failed(&w) ||
                    unit_file_add(c->service, "Service", "LogExtraFields", w.s) < 0)
                        return log_oom();
        }
        return 0;
}

static int exec_lines(ContainerBuild *c)
{
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT, post = STRBUF_INIT, stop = STRBUF_INIT;
        _cleanup_free_ char *stop_signal = NULL;
        const UnitEntry *e;

        escape_word(&b, c->g->runtime_path);
        strbuf_append(&b, " run");
        if (c->args.s)
                strbuf_append(&b, c->args.s);
        if (c->exec && c->exec[0]) {
                strbuf_append(&b, " --");
                STRV_FOREACH (a, c->exec) {
                        strbuf_putc(&b, ' ');
                        escape_word(&b, *a);
                }
        }
        /* systemd 252 cannot wait for a main process that is not its child:
         * without ExecStop= it follows the stop signal with SIGKILL at once.
         * The runtime signals the init and waits; TimeoutStopSec= bounds it. */
        if (decl_get_string(c->d, "StopSignal", &stop_signal, &e) < 0)
                return log_oom();
        escape_word(&stop, c->g->runtime_path);
        strbuf_printf(&stop, " stop --time %" PRIu64, c->stop_grace);
        if (!isempty(stop_signal)) {
                strbuf_append(&stop, " --signal ");
                escape_word(&stop, stop_signal);
        }
        /* "-": a failed cleanup is logged by the runtime but does not turn
         * a clean stop into a failure. */
        strbuf_putc(&post, '-');
        escape_word(&post, c->g->runtime_path);
        strbuf_append(&post, " cleanup --name ");
        escape_word(&post, c->name);
        /* run --rm: the writable layer goes with the container. */
        strbuf_append(&post, " --rm");
        if (strbuf_failed(&b) || strbuf_failed(&post) || strbuf_failed(&stop) ||
            unit_file_add(c->service, "Service", "ExecStart", b.s) < 0 ||
            unit_file_add(c->service, "Service", "ExecStop", stop.s) < 0 ||
            unit_file_add(c->service, "Service", "ExecStopPost", post.s) < 0)
                return log_oom();
        return 0;
}

int convert_container(Generator *g, Decl *d)
{
        _cleanup_unit_file_ UnitFile *service = NULL;
        ContainerBuild c = {.g = g, .d = d, .pull = PULL_MISSING};
        int r;

        /* Checks whose reasons Quadlet users know come first. */
        r = container_image(&c);
        if (r < 0)
                goto out;
        r = remap_conflict(&c);
        if (r < 0)
                goto out;
        r = pods(&c);
        if (r < 0)
                goto out;
        r = decl_check_keys(g, d, container_keys);
        if (r < 0)
                goto out;
        r = service_init(g, d, &service);
        if (r < 0)
                goto out;
        c.service = service;

        r = container_name(&c);
        if (r >= 0)
                r = cb_arg2(&c, "--name", c.name);
        if (r >= 0)
                r = c.image ? cb_arg2(&c, "--image", c.image) : cb_arg2(&c, "--rootfs", c.rootfs);
        if (r >= 0 && c.image && c.pull == PULL_NEVER)
                r = cb_arg2(&c, "--pull", "never");
        if (r >= 0)
                r = cb_arg(&c, "--rm");
        if (r >= 0)
                r = environment(&c);
        if (r >= 0)
                r = identity(&c);
        if (r >= 0)
                r = command(&c);
        if (r >= 0)
                r = security(&c);
        /* The network before the storage: Quadlet lists a network's unit
         * first among the dependencies. */
        if (r >= 0)
                r = container_network(&c);
        if (r >= 0)
                r = container_storage(&c);
        if (r >= 0)
                r = limits(&c);
        if (r >= 0)
                r = metadata(&c);
        if (r >= 0)
                r = lifecycle(&c);
        if (r >= 0)
                r = service_settings(&c);
        if (r >= 0)
                r = exec_lines(&c);
        if (r >= 0)
                r = container_pull_dependency(&c);
        if (r >= 0 && unit_file_add(service, "Unit", "RequiresMountsFor", g->state_dir) < 0)
                r = log_oom();
        if (r >= 0 && !d->failed)
                r = service_finish(g, d, service);
out:
        strbuf_done(&c.args);
        strv_free(c.exec);
        free(c.name);
        free(c.image);
        free(c.rootfs);
        if (r < 0 && !d->failed)
                (void)decl_fail(g, d, NULL, "no unit generated");
        return r;
}
