/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthctl.h"
#include "container-record.h"
#include "macro.h"
#include "parse-util.h"
#include "scope.h"
#include "strv.h"

typedef struct RunArgs {
        bool detach, interactive, tty;
        ContainerRecord *rec;
        const char *image;
} RunArgs;

static void run_help(const char *verb)
{
        printf("berthctl %s [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
               "%s a container from IMAGE.\n\n"
               "  -d --detach            Run as the service berth-NAME.service and return\n"
               "  -i --interactive       Keep stdin open (the terminal stays attached)\n"
               "  -t --tty               Give the container the terminal\n"
               "     --rm                Remove the container when it exits\n"
               "     --name NAME         Name the container (default: generated)\n"
               "  -e --env KEY=VALUE     Set an environment variable (KEY alone: from here)\n"
               "  -v --volume SRC:DST[:ro]  Bind a path or a named volume\n"
               "  -u --user USER[:GROUP] Run as this user\n"
               "  -w --workdir DIR       Working directory inside the container\n"
               "     --entrypoint CMD    Override the image's entrypoint\n"
               "     --restart POLICY    no, on-failure, always or unless-stopped\n"
               "  -m --memory SIZE       MemoryMax= of the unit (e.g. 256m)\n"
               "     --cpus N            CPUQuota= of the unit, in CPUs (e.g. 0.5)\n"
               "     --pids-limit N      TasksMax= of the unit\n"
               "     --network NET       none, host, bridge (the default) or a network's name\n"
               "  -p --publish SPEC      [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], repeatable\n"
               "     --ip IP             A fixed IPv4 address on the network\n"
               "     --dns IP            A DNS server for the container (repeatable)\n"
               "     --dns-search DOMAIN A search domain (repeatable)\n"
               "     --dns-option OPT    A resolver option, e.g. ndots:2 (repeatable)\n"
               "     --add-host NAME:IP  An /etc/hosts entry (repeatable)\n",
               verb, streq(verb, "create") ? "Create" : "Run");
}

static int add_env(ContainerRecord *rec, const char *s)
{
        const char *v;

        if (!strchr(s, '=')) {
                /* docker -e KEY: take the value from our environment */
                v = getenv(s);
                if (!v)
                        return 0;
                _cleanup_free_ char *a = NULL;
                if (asprintf(&a, "%s=%s", s, v) < 0)
                        return -ENOMEM;
                return strv_env_set(&rec->env, a);
        }
        if (!env_assignment_is_valid(s)) {
                fprintf(stderr, "berthctl: invalid environment assignment \"%s\"\n", s);
                return -EINVAL;
        }
        return strv_env_set(&rec->env, s);
}

static int parse_cpus(const char *s, uint64_t *ret)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || *end || end == s || !isfinite(v) || v <= 0 || v > 1024)
                return -EINVAL;
        *ret = (uint64_t)(v * 1000000.0);
        return 0;
}

/* Network options are checked here too, so that a foreground --rm run (no
 * berthd involved) gets the same message. */
static bool net_value_ok(const char *opt, bool (*valid)(const char *), const char *expected,
                         const char *value)
{
        if (valid(value))
                return true;
        fprintf(stderr, "berthctl: invalid %s \"%s\": expected %s\n", opt, value, expected);
        return false;
}

static int add_net_value(char ***l, const char *opt, bool (*valid)(const char *),
                         const char *expected, const char *value)
{
        return net_value_ok(opt, valid, expected, value) ? strv_extend(l, value) : -EINVAL;
}

static int set_net_value(char **dst, const char *opt, bool (*valid)(const char *),
                         const char *expected, const char *value)
{
        if (!net_value_ok(opt, valid, expected, value))
                return -EINVAL;
        free(*dst);
        *dst = strdup(value);
        return *dst ? 0 : -ENOMEM;
}

static int parse_run_args(int argc, char **argv, const char *verb, RunArgs *a)
{
        enum {
                ARG_RM = 0x100,
                ARG_NAME,
                ARG_ENTRYPOINT,
                ARG_RESTART,
                ARG_CPUS,
                ARG_PIDS,
                ARG_NETWORK,
                ARG_IP,
                ARG_DNS,
                ARG_DNS_SEARCH,
                ARG_DNS_OPTION,
                ARG_ADD_HOST,
        };
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"detach", no_argument, NULL, 'd'},
            {"interactive", no_argument, NULL, 'i'},
            {"tty", no_argument, NULL, 't'},
            {"rm", no_argument, NULL, ARG_RM},
            {"name", required_argument, NULL, ARG_NAME},
            {"env", required_argument, NULL, 'e'},
            {"volume", required_argument, NULL, 'v'},
            {"user", required_argument, NULL, 'u'},
            {"workdir", required_argument, NULL, 'w'},
            {"entrypoint", required_argument, NULL, ARG_ENTRYPOINT},
            {"restart", required_argument, NULL, ARG_RESTART},
            {"memory", required_argument, NULL, 'm'},
            {"cpus", required_argument, NULL, ARG_CPUS},
            {"pids-limit", required_argument, NULL, ARG_PIDS},
            {"network", required_argument, NULL, ARG_NETWORK},
            {"publish", required_argument, NULL, 'p'},
            {"ip", required_argument, NULL, ARG_IP},
            {"dns", required_argument, NULL, ARG_DNS},
            {"dns-search", required_argument, NULL, ARG_DNS_SEARCH},
            {"dns-option", required_argument, NULL, ARG_DNS_OPTION},
            {"add-host", required_argument, NULL, ARG_ADD_HOST},
            {},
        };
        const char *name = NULL;
        ContainerRecord *rec;
        int c, r;

        r = container_record_new(NULL, &a->rec);
        if (r < 0)
                return r;
        rec = a->rec;
        while ((c = getopt_long(argc, argv, "+hdite:v:u:w:m:p:", opts, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        run_help(verb);
                        return 0;
                case 'd':
                        a->detach = true;
                        break;
                case 'i':
                        a->interactive = true;
                        break;
                case 't':
                        a->tty = true;
                        break;
                case ARG_RM:
                        rec->auto_remove = true;
                        break;
                case ARG_NAME:
                        if (!container_name_is_valid(optarg)) {
                                fprintf(stderr,
                                        "berthctl: invalid container name \"%s\": use "
                                        "[a-zA-Z0-9][a-zA-Z0-9_.-]*, at most %d characters\n",
                                        optarg, CONTAINER_NAME_MAX);
                                return -EINVAL;
                        }
                        name = optarg;
                        break;
                case 'e':
                        r = add_env(rec, optarg);
                        if (r < 0)
                                return r;
                        break;
                case 'v':
                        if (!volume_spec_is_valid(optarg)) {
                                fprintf(stderr, "berthctl: invalid volume \"%s\"\n", optarg);
                                return -EINVAL;
                        }
                        r = strv_extend(&rec->volumes, optarg);
                        if (r < 0)
                                return r;
                        break;
                case 'u':
                        free(rec->user);
                        rec->user = strdup(optarg);
                        break;
                case 'w':
                        if (optarg[0] != '/') {
                                fprintf(stderr, "berthctl: --workdir must be absolute\n");
                                return -EINVAL;
                        }
                        free(rec->workdir);
                        rec->workdir = strdup(optarg);
                        break;
                case ARG_ENTRYPOINT:
                        free(rec->entrypoint);
                        rec->entrypoint = strdup(optarg);
                        break;
                case ARG_RESTART:
                        rec->restart = restart_policy_from_string(optarg);
                        if (rec->restart < 0) {
                                fprintf(stderr, "berthctl: --restart must be no, on-failure, "
                                                "always or unless-stopped\n");
                                return -EINVAL;
                        }
                        break;
                case 'm':
                        if (parse_size(optarg, &rec->memory_max) < 0 || rec->memory_max == 0) {
                                fprintf(stderr, "berthctl: invalid --memory \"%s\"\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_CPUS:
                        if (parse_cpus(optarg, &rec->cpu_quota) < 0) {
                                fprintf(stderr, "berthctl: invalid --cpus \"%s\"\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_PIDS:
                        if (parse_uint64(optarg, &rec->tasks_max) < 0 || rec->tasks_max == 0) {
                                fprintf(stderr, "berthctl: invalid --pids-limit \"%s\"\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_NETWORK:
                        r = set_net_value(&rec->network, "--network", network_mode_is_valid,
                                          "none, host, bridge or a network name", optarg);
                        break;
                case 'p':
                        r = add_net_value(&rec->publish, "--publish", publish_spec_is_valid,
                                          "[IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]", optarg);
                        break;
                case ARG_IP:
                        r = set_net_value(&rec->ip, "--ip", ipv4_address_is_valid,
                                          "an IPv4 address", optarg);
                        break;
                case ARG_DNS:
                        r = add_net_value(&rec->dns, "--dns", ip_address_is_valid, "an IP address",
                                          optarg);
                        break;
                case ARG_DNS_SEARCH:
                        r = add_net_value(&rec->dns_search, "--dns-search", dns_search_is_valid,
                                          "a domain name", optarg);
                        break;
                case ARG_DNS_OPTION:
                        r = add_net_value(&rec->dns_option, "--dns-option", dns_option_is_valid,
                                          "a resolver option", optarg);
                        break;
                case ARG_ADD_HOST:
                        r = add_net_value(&rec->add_host, "--add-host", add_host_is_valid,
                                          "HOSTNAME:IP", optarg);
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (container_record_network_error(a->rec)) {
                fprintf(stderr,
                        "berthctl: --publish, --dns, --dns-search, --dns-option, "
                        "--add-host and --ip need a network, not --network %s\n",
                        a->rec->network);
                return -EINVAL;
        }
        if (optind >= argc) {
                fprintf(stderr, "berthctl: %s: no image given\n", verb);
                return -EINVAL;
        }
        if (a->detach && (a->tty || a->interactive)) {
                /* a unit's stdin is /dev/null and berth has no attach */
                fprintf(stderr, "berthctl: -i and -t need the foreground; drop -d\n");
                return -EINVAL;
        }
        if (a->rec->auto_remove && a->rec->restart != RESTART_NO) {
                fprintf(stderr, "berthctl: --rm and --restart exclude each other\n");
                return -EINVAL;
        }
        a->image = argv[optind];
        rec->image = strdup(a->image);
        if (!rec->image)
                return -ENOMEM;
        if (optind + 1 < argc) {
                rec->command = strv_copy(argv + optind + 1);
                if (!rec->command)
                        return -ENOMEM;
        }
        if (name) {
                free(rec->name);
                rec->name = strdup(name);
        }
        if (!rec->name)
                return -ENOMEM;
        return 1;
}

static int append_strv_option(sd_bus_message *m, const char *key, char **l)
{
        int r;

        if (!l)
                return 0;
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, l);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int append_options(sd_bus_message *m, const ContainerRecord *rec)
{
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = append_strv_option(m, "Command", rec->command);
        if (r >= 0)
                r = append_strv_option(m, "Env", rec->env);
        if (r >= 0)
                r = append_strv_option(m, "Volumes", rec->volumes);
        if (r >= 0 && rec->entrypoint)
                r = sd_bus_message_append(m, "{sv}", "Entrypoint", "s", rec->entrypoint);
        if (r >= 0 && rec->user)
                r = sd_bus_message_append(m, "{sv}", "User", "s", rec->user);
        if (r >= 0 && rec->workdir)
                r = sd_bus_message_append(m, "{sv}", "WorkingDirectory", "s", rec->workdir);
        if (r >= 0 && rec->restart != RESTART_NO)
                r = sd_bus_message_append(m, "{sv}", "Restart", "s",
                                          restart_policy_to_string(rec->restart));
        if (r >= 0 && rec->memory_max)
                r = sd_bus_message_append(m, "{sv}", "MemoryMax", "t", rec->memory_max);
        if (r >= 0 && rec->cpu_quota)
                r = sd_bus_message_append(m, "{sv}", "CPUQuotaPerSecUSec", "t", rec->cpu_quota);
        if (r >= 0 && rec->tasks_max)
                r = sd_bus_message_append(m, "{sv}", "TasksMax", "t", rec->tasks_max);
        if (r >= 0 && rec->auto_remove)
                r = sd_bus_message_append(m, "{sv}", "AutoRemove", "b", 1);
        if (r >= 0 && rec->network)
                r = sd_bus_message_append(m, "{sv}", "Network", "s", rec->network);
        if (r >= 0 && rec->ip)
                r = sd_bus_message_append(m, "{sv}", "IP", "s", rec->ip);
        if (r >= 0)
                r = append_strv_option(m, "Publish", rec->publish);
        if (r >= 0)
                r = append_strv_option(m, "DNS", rec->dns);
        if (r >= 0)
                r = append_strv_option(m, "DNSSearch", rec->dns_search);
        if (r >= 0)
                r = append_strv_option(m, "DNSOption", rec->dns_option);
        if (r >= 0)
                r = append_strv_option(m, "AddHost", rec->add_host);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int create_once(Ctl *ctl, RunArgs *a, sd_bus_error *e, char **ret_path)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *path;
        int r;

        r = ctl_new_call(ctl, "CreateContainer", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", a->rec->name, a->image);
        if (r >= 0)
                r = append_options(m, a->rec);
        if (r < 0)
                return r;
        r = sd_bus_call(ctl->bus, m, 0, e, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        *ret_path = strdup(path);
        return *ret_path ? 0 : -ENOMEM;
}

/* Creates the container; a missing image is pulled first, as docker does. */
static int create(Ctl *ctl, RunArgs *a, char **ret_path)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = create_once(ctl, a, &e, ret_path);
        if (r < 0 && sd_bus_error_has_name(&e, "org.berth1.NoSuchImage")) {
                fprintf(stderr, "Unable to find image '%s' locally\n", a->image);
                r = pull_image(ctl, a->image, false);
                if (r < 0)
                        return r;
                sd_bus_error_free(&e);
                r = create_once(ctl, a, &e, ret_path);
        }
        if (r < 0)
                return ctl_error(ctl, &e, r, "create container");
        return 0;
}

static int read_string_property(Ctl *ctl, const char *path, const char *prop, char **ret)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_string(ctl->bus, "org.berth1", path, "org.berth1.Container", prop,
                                       &e, ret);
        return r < 0 ? ctl_error(ctl, &e, r, "read container") : 0;
}

int verb_create(Ctl *ctl, int argc, char **argv)
{
        _cleanup_free_ char *path = NULL, *id = NULL;
        RunArgs a = {};
        int r;

        r = parse_run_args(argc, argv, "create", &a);
        if (r <= 0)
                goto out;
        r = create(ctl, &a, &path);
        if (r >= 0)
                r = read_string_property(ctl, path, "Id", &id);
        if (r >= 0)
                printf("%s\n", id);
out:
        container_record_free(a.rec);
        return r < 0 ? r : 0;
}

static int run_detached(Ctl *ctl, RunArgs *a)
{
        _cleanup_free_ char *path = NULL, *id = NULL;
        int r;

        r = create(ctl, a, &path);
        if (r < 0)
                return r;
        r = read_string_property(ctl, path, "Id", &id);
        if (r < 0)
                return r;
        r = ctl_call(ctl, "StartContainer", NULL, "start container", "s", a->rec->name);
        if (r < 0) {
                if (a->rec->auto_remove)
                        (void)ctl_call(ctl, "RemoveContainer", NULL, "remove container", "sb",
                                       a->rec->name, 1);
                return r;
        }
        printf("%s\n", id);
        return 0;
}

/* "RUNTIME run --tty …": an option of the verb, so before any "--". */
static int argv_add_tty(char ***argv)
{
        size_t n = strv_length(*argv);
        char **l, *s;

        assert(n >= 2);
        s = strdup("--tty");
        if (!s)
                return -ENOMEM;
        l = realloc(*argv, (n + 2) * sizeof(char *));
        if (!l) {
                free(s);
                return -ENOMEM;
        }
        memmove(l + 3, l + 2, (n - 2 + 1) * sizeof(char *));
        l[2] = s;
        *argv = l;
        return 0;
}

static int run_foreground(Ctl *ctl, RunArgs *a)
{
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *unit = NULL, *path = NULL;
        const char *runtime = getenv("BERTH_RUNTIME") ?: BERTH_RUNTIME_PATH;
        int r;

        if (geteuid() != 0) {
                fprintf(stderr, "berthctl: run: not authorized: a foreground container needs "
                                "root; use -d to run it through berthd\n");
                return -EACCES;
        }
        /* Without --rm the container gets a record, so that ps -a, start and
         * rm know it; with --rm nothing outlives it and berthd is not needed. */
        if (!a->rec->auto_remove) {
                r = create(ctl, a, &path);
                if (r < 0)
                        return r;
                free(a->rec->image_id);
                r = read_string_property(ctl, path, "ImageId", &a->rec->image_id);
                if (r < 0)
                        return r;
        }
        r = container_runtime_argv(a->rec, runtime, getenv("BERTH_STATE_DIR"), &argv);
        if (r >= 0 && a->tty)
                r = argv_add_tty(&argv);
        if (r >= 0 && !a->interactive)
                r = stdin_from_null();
        if (r < 0)
                return r;
        r = container_unit_name(a->rec->name, "scope", &unit);
        if (r < 0)
                return r;
        r = scope_enter(unit, a->rec);
        if (r < 0)
                return r;
        sd_bus_flush_close_unref(TAKE_PTR(ctl->bus));
        /* foreground mode of the runtime: no NOTIFY_SOCKET */
        unsetenv("NOTIFY_SOCKET");
        execv(runtime, argv);
        fprintf(stderr, "berthctl: cannot execute %s: %m\n", runtime);
        return -errno;
}

int verb_run(Ctl *ctl, int argc, char **argv)
{
        RunArgs a = {};
        int r;

        r = parse_run_args(argc, argv, "run", &a);
        if (r > 0)
                r = a.detach ? run_detached(ctl, &a) : run_foreground(ctl, &a);
        container_record_free(a.rec);
        return r < 0 ? r : 0;
}
