/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs berth-generator over Quadlet's own test corpus
 * ($BERTH_SHARED_DIR/quadlet-corpus) the way Quadlet's test runs quadlet:
 * each file alone in a fresh directory, with the declarations it depends on
 * and its drop-in directories, then checks the "## assert-…" lines against
 * the generated unit.
 *
 * Which checks apply to berth (decided here, counted separately):
 * - assert-podman-*: about podman's command line. berth's ExecStart= runs
 *   berth-runtime, so these are skipped ("podman args").
 * - assert-key-* checks whose key or values are podman machinery are
 *   skipped ("podman-specific"): Delegate=yes (podman's cgroup split; berth
 *   leaves the cgroup to systemd), Environment=PODMAN_SYSTEMD_UNIT=%n (for
 *   podman auto-update), ExecStop=/ExecStopPost= running podman, and
 *   RequiresMountsFor=%t/containers (podman's storage; berth requires its
 *   state directory instead).
 * - berth adds its pull unit (berth-pull-*.service, see berth.container(5))
 *   to Requires= and After= of every container that pulls; Requires=/After=
 *   checks compare the values without it. That is the one systematic
 *   difference from Quadlet's units.
 * - Everything else applies and must hold: Type=notify, NotifyAccess=all,
 *   KillMode=mixed, SyslogIdentifier=%N, the default and translated
 *   dependencies, RequiresMountsFor= of bind mounts, passed-through keys,
 *   X-Container, the [Install] symlinks and the error messages.
 *
 * - A template naming a template: Quadlet writes Requires=x-network@.service,
 *   which systemd resolves to the referrer's instance; berth writes that
 *   instance out (x-network@%i.service). The checks compare them as equal.
 *
 * The .container and .network files are run (the other kinds are not
 * berth's). Files berth refuses on purpose, with the reason it must give,
 * are listed in berth_refuses[] below: networking keys berth does not
 * implement yet (IP6=, NetworkAlias=, ExposeHostPort=), sharing another
 * container's network namespace, networks berth cannot make (IPv6, other
 * drivers, several subnets), and keys berth cannot honour safely. They count
 * as "refused as designed".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "gen-test.h"
#include "split.h"
#include "strv.h"

/* The declarations each test needs beside it, as in Quadlet's test. */
static const struct {
        const char *file;
        const char *deps[9];
} dependencies[] = {
    {"mount.container", {"basic.image", "basic.volume", "basic.artifact"}},
    {"network.quadlet.container", {"basic.network"}},
    {"volume.container", {"basic.volume"}},
    {"mount.servicename.container", {"service-name.volume"}},
    {"network.quadlet.servicename.container", {"service-name.network"}},
    {"volume.servicename.container", {"service-name.volume"}},
    {"build.multiple-tags.container", {"multiple-tags.build"}},
    {"artifact-mount.container", {"basic.artifact"}},
    {"network.reuse.container", {"basic.container"}},
    {"network.reuse.name.container", {"name.container"}},
    {"a.network.reuse.container", {"basic.container"}},
    {"a.network.reuse.name.container", {"name.container"}},
    {"dependent.container",
     {"basic.artifact", "basic.build", "basic.container", "basic.image", "basic.kube",
      "basic.network", "basic.pod", "basic.volume"}},
    {"dependent.network",
     {"basic.artifact", "basic.build", "basic.container", "basic.image", "basic.kube",
      "basic.network", "basic.pod", "basic.volume"}},
    {"template-dependency@.container",
     {"template-dependency@.volume", "template-dependency@.network"}},
    {"startwithpod_no.container", {"startwithpod.pod"}},
    {"startwithpod_yes.container", {"startwithpod.pod"}},
    {"startwithpod@.container", {"startwithpod.pod"}},
    {"startwithpod@foo.container", {"startwithpod.pod"}},
};

#define NET   "not supported yet"
#define SHARE "(joining another container's network namespace)"
/* Files berth refuses by design, and the text its error must contain. */
static const struct {
        const char *file;
        const char *reason;
} berth_refuses[] = {
    /* networking */
    {"a.network.reuse.container", "not supported by berth: Network=basic.container " SHARE},
    {"a.network.reuse.name.container", "not supported by berth: Network=name.container " SHARE},
    {"ip.container", "IP6: " NET},
    {"network-alias.container", "NetworkAlias: " NET},
    {"network.reuse.container", "not supported by berth: Network=basic.container " SHARE},
    {"network.reuse.name.container", "not supported by berth: Network=name.container " SHARE},
    {"ports.container", "ExposeHostPort: " NET},
    {"containersconfmodule.network", "ContainersConfModule: not supported by berth"},
    {"driver.network", "not supported by berth: Driver macvlan"},
    {"globalargs.network", "GlobalArgs: not supported by berth"},
    {"ipam-driver.network", "not supported by berth: IPAMDriver dhcp"},
    {"ipv6.network", "not supported by berth: IPv6 networks"},
    {"options.multiple.network", "not supported by berth: option 'isolate=true'"},
    {"podmanargs.network", "PodmanArgs: not supported by berth"},
    {"subnet-trio.multiple.network", "not supported by berth: a second subnet"},
    {"subnets.network", "not supported by berth: a second subnet"},
    /* cannot be honoured safely */
    {"apparmor.container", "AppArmor profiles are not applied"},
    {"artifact-mount.container", "mount type artifact"},
    {"build.multiple-tags.container", "building images"},
    {"containersconfmodule.container", "ContainersConfModule: not supported by berth"},
    {"globalargs.container", "GlobalArgs: not supported by berth"},
    {"idmapping.container", "user namespaces are not supported yet"},
    {"mask.container", "extra masked paths are not implemented"},
    {"mount.container", "mount option 'U' is not supported"},
    {"notify-healthy.container", "Notify=healthy needs health checks"},
    {"podmanargs.container", "PodmanArgs: not supported by berth"},
    {"quotes.container", "is not a valid container name"},
    {"remap-auto.container", "user namespaces are not supported yet"},
    {"remap-auto2.container", "user namespaces are not supported yet"},
    {"remap-keep-id.container", "user namespaces are not supported yet"},
    {"remap-keep-id2.container", "user namespaces are not supported yet"},
    {"remap-manual.container", "user namespaces are not supported yet"},
    {"secrets.container", "secrets are not implemented"},
    {"startwithpod@.container", "not supported by berth: pods"},
    {"startwithpod@foo.container", "not supported by berth: pods"},
    {"startwithpod_no.container", "not supported by berth: pods"},
    {"startwithpod_yes.container", "not supported by berth: pods"},
    {"subidmapping.container", "user namespaces are not supported yet"},
    {"timezone.container", "unknown time zone 'foo'"},
    {"userns.container", "user namespaces are not supported yet"},
};

/* ServiceName= tests name their unit differently. */
static const struct {
        const char *file;
        const char *service;
} service_names[] = {{"service-name.container", "basic.service"},
                     {"service-name.network", "basic.service"}};

static struct {
        unsigned files, generated, must_fail_ok, refused_ok, file_failures;
        unsigned passed, failed, skipped_podman_args, skipped_podman_specific, skipped_refused;
} n;

static const char *corpus;

static void fail(const char *file, const char *fmt, ...) _printf_(2, 3);
static void fail(const char *file, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "FAIL %s: ", file);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static int link_into(const char *dir, const char *name)
{
        char src[4096], dst[4096];
        struct stat st;

        snprintf(src, sizeof(src), "%s/%s", corpus, name);
        snprintf(dst, sizeof(dst), "%s/%s", dir, name);
        if (stat(src, &st) < 0)
                return 0;
        return symlink(src, dst) < 0 && errno != EEXIST ? -errno : 1;
}

/* Raw values of a key, in order, as Quadlet's test reads them. */
static char **values_of(const UnitFile *u, const char *group, const char *key)
{
        char **l = calloc(1, sizeof(char *));
        const UnitSection *s = unit_file_find_section(u, group);

        for (size_t i = 0; s && i < s->n_entries; i++)
                if (streq(s->entries[i].key, key) &&
                    !((streq(key, "Requires") || streq(key, "After")) &&
                      strneq(s->entries[i].value, "berth-pull-", 11))) {
                        _cleanup_free_ char *v = strdup(s->entries[i].value);
                        char *inst = v ? strstr(v, "@%i.service") : NULL;

                        /* x@%i.service is what Quadlet's x@.service means. */
                        if (inst)
                                memmove(inst + 1, inst + 3, strlen(inst + 3) + 1);
                        (void)strv_extend(&l, v ? v : "");
                }
        return l;
}

static bool regex_match(const char *re, const char *s)
{
        regex_t r;
        bool m;

        if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
                return false;
        m = regexec(&r, s, 0, NULL, 0) == 0;
        regfree(&r);
        return m;
}

static bool run_check(char **c, const UnitFile *u, const char *out_dir, const char *err)
{
        const char *op = c[0];
        size_t argc = strv_length(c) - 1;
        char **a = c + 1;
        _cleanup_strv_free_ char **v = NULL;

        if (streq(op, "assert-stderr-contains"))
                return argc >= 1 && strstr(err, a[0]);
        if (streq(op, "assert-symlink")) {
                char p[4096], t[4096];
                ssize_t k;
                if (argc != 2)
                        return false;
                snprintf(p, sizeof(p), "%s/%s", out_dir, a[0]);
                k = readlink(p, t, sizeof(t) - 1);
                if (k < 0)
                        return false;
                t[k] = 0;
                return streq(t, a[1]);
        }
        if (!u || argc < 2)
                return false;
        v = values_of(u, a[0], a[1]);
        if (streq(op, "assert-key-is") || streq(op, "assert-key-is-regex")) {
                bool rx = streq(op, "assert-key-is-regex");
                if (strv_length(v) != argc - 2)
                        return false;
                for (size_t i = 0; i < argc - 2; i++)
                        if (rx ? !regex_match(a[2 + i], v[i]) : !streq(a[2 + i], v[i]))
                                return false;
                return true;
        }
        if (streq(op, "assert-has-key"))
                return argc == 3 && strv_contains(v, a[2]);
        if (streq(op, "assert-key-is-empty"))
                return strv_length(v) == 0;
        if (streq(op, "assert-key-contains")) {
                STRV_FOREACH (x, v)
                        if (argc == 3 && strstr(*x, a[2]))
                                return true;
                return false;
        }
        if (streq(op, "assert-last-key-is-regex") || streq(op, "assert-last-key-contains")) {
                size_t k = strv_length(v);
                if (k == 0 || argc != 3)
                        return false;
                return streq(op, "assert-last-key-contains") ? strstr(v[k - 1], a[2]) != NULL
                                                             : regex_match(a[2], v[k - 1]);
        }
        fprintf(stderr, "unknown check %s\n", op);
        return false;
}

static bool podman_specific(char **c)
{
        STRV_FOREACH (w, c)
                if (strstr(*w, "podman") || strstr(*w, "PODMAN") || strstr(*w, "%t/containers") ||
                    streq(*w, "Delegate"))
                        return true;
        return false;
}

/* "## !assert-key-is …" → words, with \n and \t applied as Quadlet's test does. */
static char **parse_check(const char *line, bool *negate)
{
        char **w = NULL;

        if (split_all(line, SPLIT_UNQUOTE | SPLIT_RELAX, &w, NULL) < 0 || !w[0]) {
                strv_free(w);
                return NULL;
        }
        *negate = w[0][0] == '!';
        if (*negate)
                memmove(w[0], w[0] + 1, strlen(w[0]));
        STRV_FOREACH (s, w) {
                char *p = *s, *o = *s;
                for (; *p; p++) {
                        if (p[0] == '\\' && (p[1] == 'n' || p[1] == 't')) {
                                *o++ = p[1] == 'n' ? '\n' : '\t';
                                p++;
                        } else
                                *o++ = *p;
                }
                *o = 0;
        }
        return w;
}

static int generate(const char *qdir, const char *out_dir, const char *err_path)
{
        const char *const paths[] = {qdir, NULL};
        GenTestRun t = {.search_paths = paths, .output_dir = out_dir, .stderr_path = err_path};

        return gen_test_run(&t);
}

static const char *refusal_of(const char *file)
{
        for (size_t i = 0; i < ELEMENTSOF(berth_refuses); i++)
                if (streq(berth_refuses[i].file, file))
                        return berth_refuses[i].reason;
        return NULL;
}

static void service_name_of(const char *file, char *out, size_t size)
{
        DeclKind k = decl_kind_from_filename(file);
        _cleanup_free_ char *s = decl_service_name(file, k);

        for (size_t i = 0; i < ELEMENTSOF(service_names); i++)
                if (streq(service_names[i].file, file)) {
                        snprintf(out, size, "%s", service_names[i].service);
                        return;
                }
        snprintf(out, size, "%s", s ? s : "");
}

static void test_file(const char *file)
{
        char tmpl[] = "/tmp/berth-corpus-XXXXXX", qdir[4096], out[4096], errp[4096],
             unit_path[4096], svc[512];
        _cleanup_free_ char *text = NULL, *err = NULL;
        _cleanup_strv_free_ char **lines = NULL;
        _cleanup_unit_file_ UnitFile *u = NULL;
        const char *refused = refusal_of(file);
        bool must_fail = false, generated;
        size_t len;
        struct stat st;
        int file_failures_before = n.failed;

        n.files++;
        if (!mkdtemp(tmpl)) {
                perror("mkdtemp");
                exit(1);
        }
        snprintf(qdir, sizeof(qdir), "%s/q", tmpl);
        snprintf(out, sizeof(out), "%s/out", tmpl);
        snprintf(errp, sizeof(errp), "%s/stderr", tmpl);
        mkdir(qdir, 0755);
        mkdir(out, 0755);

        link_into(qdir, file);
        for (size_t i = 0; i < ELEMENTSOF(dependencies); i++)
                if (streq(dependencies[i].file, file))
                        for (size_t k = 0;
                             k < ELEMENTSOF(dependencies[i].deps) && dependencies[i].deps[k]; k++)
                                link_into(qdir, dependencies[i].deps[k]);
        {
                char d[1024];
                _cleanup_free_ char *prefix = NULL, *instance = NULL;
                snprintf(d, sizeof(d), "%s.d", file);
                link_into(qdir, d);
                if (unit_name_split_instance(file, &prefix, &instance) && !isempty(instance)) {
                        snprintf(d, sizeof(d), "%s@%s.d", prefix, strrchr(file, '.'));
                        link_into(qdir, d);
                }
        }

        generate(qdir, out, errp);
        if (read_full_file(errp, 16 << 20, &err, &len) < 0)
                err = strdup("");

        snprintf(unit_path, sizeof(unit_path), "%s/%s", corpus, file);
        if (read_full_file(unit_path, 1 << 20, &text, &len) < 0) {
                fail(file, "cannot read%s%s", "", "");
                n.file_failures++;
                goto out;
        }
        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
                if (strneq(l, "##", 2)) {
                        (void)strv_extend(&lines, l + 2);
                        if (strstr(l, "assert-failed"))
                                must_fail = true;
                }

        service_name_of(file, svc, sizeof(svc));
        snprintf(unit_path, sizeof(unit_path), "%s/%s", out, svc);
        generated = stat(unit_path, &st) == 0;

        if (must_fail || refused) {
                const char *why = refused ? refused : NULL;
                if (generated) {
                        fail(file, "a unit was generated although it must fail%s%s", "", "");
                        n.file_failures++;
                } else if (why && !strstr(err, why)) {
                        fail(file, "error does not say \"%s\": %s", why, err);
                        n.file_failures++;
                } else if (must_fail)
                        n.must_fail_ok++;
                else
                        n.refused_ok++;
        } else if (!generated) {
                fail(file, "no unit generated: %s%s", err, "");
                n.file_failures++;
        } else {
                _cleanup_free_ char *ut = NULL;
                size_t ul;
                n.generated++;
                u = unit_file_new();
                if (!u || read_full_file(unit_path, 1 << 20, &ut, &ul) < 0 ||
                    unit_file_parse(u, unit_path, ut, ul) < 0) {
                        fail(file, "generated unit does not parse%s%s", "", "");
                        n.file_failures++;
                        goto out;
                }
        }

        STRV_FOREACH (l, lines) {
                bool negate, ok;
                _cleanup_strv_free_ char **c = parse_check(*l, &negate);

                if (!c || streq(c[0], "assert-failed"))
                        continue;
                if (strneq(c[0], "assert-podman", 13)) {
                        n.skipped_podman_args++;
                        continue;
                }
                if (podman_specific(c)) {
                        n.skipped_podman_specific++;
                        continue;
                }
                if (refused && !streq(c[0], "assert-stderr-contains")) {
                        n.skipped_refused++;
                        continue;
                }
                ok = run_check(c, u, out, err) != negate;
                if (ok)
                        n.passed++;
                else {
                        n.failed++;
                        fail(file, "check failed:%s\n%s", *l, err);
                }
        }
        if ((int)n.failed != file_failures_before && u) {
                _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
                unit_file_serialize(u, &b);
                fprintf(stderr, "--- generated %s ---\n%s\n", svc, b.s);
        }
out:
        rm_rf(tmpl);
}

/* Sub-directories are searched: every unit of test_subdir/ appears. */
static void test_subdir(void)
{
        static const char *const expect[] = {"mysleep.service", "mysleep_1.service",
                                             "mysleep_2.service"};
        char tmpl[] = "/tmp/berth-corpus-XXXXXX", qdir[4096], out[4096], errp[4096], p[4096];
        struct stat st;

        if (!mkdtemp(tmpl))
                exit(1);
        snprintf(qdir, sizeof(qdir), "%s/test_subdir", corpus);
        snprintf(out, sizeof(out), "%s/out", tmpl);
        snprintf(errp, sizeof(errp), "%s/stderr", tmpl);
        mkdir(out, 0755);
        generate(qdir, out, errp);
        for (size_t i = 0; i < ELEMENTSOF(expect); i++) {
                snprintf(p, sizeof(p), "%s/%s", out, expect[i]);
                if (stat(p, &st) == 0)
                        n.passed++;
                else {
                        n.failed++;
                        fail("test_subdir", "%s missing%s", expect[i], "");
                }
        }
        rm_rf(tmpl);
}

static int cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
        const char *shared = getenv("BERTH_SHARED_DIR");
        _cleanup_free_ char *dir = NULL;
        _cleanup_strv_free_ char **files = NULL;
        DIR *d;
        struct dirent *de;

        if (asprintf(&dir, "%s/quadlet-corpus", shared ? shared : "../shared") < 0)
                return 1;
        corpus = dir;
        d = opendir(corpus);
        if (!d) {
                printf("skip: no Quadlet corpus at %s (set BERTH_SHARED_DIR)\n", corpus);
                return 77;
        }
        log_setup("berth-generator", LOG_TARGET_STDERR);
        while ((de = readdir(d)))
                if (decl_kind_from_filename(de->d_name) == DECL_CONTAINER ||
                    decl_kind_from_filename(de->d_name) == DECL_NETWORK)
                        (void)strv_extend(&files, de->d_name);
        closedir(d);
        qsort(files, strv_length(files), sizeof(char *), cmp);
        STRV_FOREACH (f, files)
                test_file(*f);
        test_subdir();

        printf("quadlet corpus: %u .container and .network files: %u generated, %u failed as the "
               "corpus "
               "requires, %u refused as designed, %u wrong\n",
               n.files, n.generated, n.must_fail_ok, n.refused_ok, n.file_failures);
        printf("checks: %u passed, %u failed, skipped: %u podman command line, %u "
               "podman-specific settings, %u in refused files\n",
               n.passed, n.failed, n.skipped_podman_args, n.skipped_podman_specific,
               n.skipped_refused);
        return n.failed || n.file_failures ? 1 : 0;
}
