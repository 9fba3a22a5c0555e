/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-runtime run [OPTIONS] (--image REF | --rootfs DIR | --layers DIR[:DIR...]) [-- CMD...] */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "fileio.h"
#include "handoff.h"
#include "layer.h"
#include "limits.h"
#include "log.h"
#include "mount-opts.h"
#include "netattach.h"
#include "parse-util.h"
#include "run.h"
#include "security.h"
#include "spawn.h"
#include "strv.h"
#include "verbs.h"
#ifdef BERTH_HAVE_STORE
#include "store.h"
#endif

#define DEFAULT_SHM_SIZE (64ULL * 1024 * 1024)

typedef enum PullPolicy {
        PULL_MISSING,
        PULL_NEVER,
        PULL_ALWAYS,
} PullPolicy;

typedef struct RunArgs {
        char *store;
        char *image;
        char *rootfs;
        char *layers;
        char *upper;
        char *entrypoint;
        char *network;
        ContainerNet net; /* --publish, --dns …: moved into the Container */
        char **env_files;
        char **env;
        char **cap_add;
        char **cap_drop;
        char **volumes;
        char **mounts;
        char **tmpfs;
        char **sysctls;
        char **ulimits;
        char **devices;
        uint64_t shm_size;
        PullPolicy pull;
        char **labels;
        char **annotations;
        bool env_host;
        char **command;
} RunArgs;

static void run_args_done(RunArgs *a)
{
        free(a->store);
        free(a->image);
        free(a->rootfs);
        free(a->layers);
        free(a->upper);
        free(a->entrypoint);
        free(a->network);
        container_net_done(&a->net);
        strv_free(a->env_files);
        strv_free(a->env);
        strv_free(a->cap_add);
        strv_free(a->cap_drop);
        strv_free(a->volumes);
        strv_free(a->mounts);
        strv_free(a->tmpfs);
        strv_free(a->sysctls);
        strv_free(a->ulimits);
        strv_free(a->devices);
        strv_free(a->labels);
        strv_free(a->annotations);
        strv_free(a->command);
}

static int random_name(char **ret)
{
        uint8_t b[6];
        char *s;

        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                return -errno;
        if (asprintf(&s, "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int set_str(char **p, const char *v)
{
        free(*p);
        *p = strdup(v);
        return *p ? 0 : -ENOMEM;
}

/* "K=V", or "K" alone meaning the host's value (docker run -e K). */
static int env_add(char ***env, const char *s)
{
        _cleanup_free_ char *kv = NULL;
        const char *v;

        if (strchr(s, '='))
                return strv_env_set(env, s);
        v = getenv(s);
        if (!v)
                return 0;
        if (asprintf(&kv, "%s=%s", s, v) < 0)
                return -ENOMEM;
        return strv_env_set(env, kv);
}

static int env_file_load(char ***env, const char *path)
{
        _cleanup_free_ char *buf = NULL;
        char *line, *save = NULL;
        int r;

        r = read_full_file(path, 4 * 1024 * 1024, &buf, NULL);
        if (r < 0)
                return log_error_errno(r, "read env file %s", path);
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t n = strlen(line);

                if (n > 0 && line[n - 1] == '\r')
                        line[n - 1] = 0;
                while (*line == ' ' || *line == '\t')
                        line++;
                if (*line == 0 || *line == '#')
                        continue;
                r = env_add(env, line);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

static bool env_is_ours(const char *kv)
{
        static const char *const prefixes[] = {
            "NOTIFY_SOCKET=", "LISTEN_FDS=",     "LISTEN_PID=",     "LISTEN_FDNAMES=",
            "INVOCATION_ID=", "JOURNAL_STREAM=", "BERTH_LOG_LEVEL="};

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (strneq(kv, prefixes[i], strlen(prefixes[i])))
                        return true;
        return false;
}

static int build_env(Container *c, RunArgs *a)
{
        if (a->env_host)
                for (char **e = environ; e && *e; e++)
                        if (!env_is_ours(*e) && strv_env_set(&c->env, *e) < 0)
                                return log_oom();
        STRV_FOREACH (f, a->env_files) {
                int r = env_file_load(&c->env, *f);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH (e, a->env)
                if (env_add(&c->env, *e) < 0)
                        return log_oom();
        return 0;
}

static int build_caps(Container *c, RunArgs *a)
{
        uint64_t add = 0, drop = 0, m;
        int r;

        /* caps_parse_list() names the capability it does not know */
        STRV_FOREACH (n, a->cap_add) {
                r = caps_parse_list(*n, &m);
                if (r < 0)
                        return r;
                add |= m;
        }
        STRV_FOREACH (n, a->cap_drop) {
                r = caps_parse_list(*n, &m);
                if (r < 0)
                        return r;
                drop |= m;
        }
        c->caps = caps_tweak(caps_default(), add, drop);
        return 0;
}

static int add_parsed_mounts(Container *c, RunArgs *a, const char *volumes_dir)
{
        unsigned n_anonymous = 0;
        MountSpec m;
        int r;

        STRV_FOREACH (v, a->volumes) {
                r = volume_parse(*v, volumes_dir, &m);
                if (r < 0)
                        return log_error_errno(r, "--volume %s", *v);
                /* Anonymous volumes live in the writable layer dir: kept
                 * across restarts, removed by cleanup --rm. */
                if (m.create_source &&
                    asprintf(&m.source, "%s/volumes/anon-%u", c->layer_dir, n_anonymous++) < 0) {
                        mount_spec_done_static(&m);
                        return log_oom();
                }
                r = container_add_mount(c, &m);
                mount_spec_done_static(&m);
                if (r < 0)
                        return log_oom();
        }
        STRV_FOREACH (v, a->mounts) {
                r = mount_parse(*v, volumes_dir, &m);
                if (r < 0)
                        return log_error_errno(r, "--mount %s", *v);
                r = container_add_mount(c, &m);
                mount_spec_done_static(&m);
                if (r < 0)
                        return log_oom();
        }
        STRV_FOREACH (v, a->tmpfs) {
                r = tmpfs_parse(*v, &m);
                if (r < 0)
                        return log_error_errno(r, "--tmpfs %s", *v);
                r = container_add_mount(c, &m);
                mount_spec_done_static(&m);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

/* --device HOST[:CONTAINER[:PERMS]]: the same node, made inside the container. */
static int add_devices(Container *c, RunArgs *a)
{
        STRV_FOREACH (d, a->devices) {
                _cleanup_free_ char *host = strdup(*d);
                char *cpath, *perms;
                struct stat st;
                DeviceSpec *n;

                if (!host)
                        return log_oom();
                cpath = strchr(host, ':');
                if (cpath) {
                        *cpath++ = 0;
                        perms = strchr(cpath, ':');
                        if (perms)
                                *perms = 0;
                }
                if (isempty(cpath))
                        cpath = host;
                if (host[0] != '/' || cpath[0] != '/')
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "--device %s: paths must be absolute", *d);
                if (stat(host, &st) < 0)
                        return log_error_errno(errno, "--device %s: stat %s", *d, host);
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        return log_error_errno(SYNTHETIC_ERRNO(ENODEV),
                                               "--device %s: %s is not a device node", *d, host);
                n = realloc(c->devices, sizeof(DeviceSpec) * (c->n_devices + 1));
                if (!n)
                        return log_oom();
                c->devices = n;
                n[c->n_devices] = (DeviceSpec){.path = strdup(cpath),
                                               .mode = st.st_mode,
                                               .rdev = st.st_rdev,
                                               .uid = st.st_uid,
                                               .gid = st.st_gid};
                if (!n[c->n_devices++].path)
                        return log_oom();
        }
        return 0;
}

static int add_limits(Container *c, RunArgs *a, bool host_network)
{
        STRV_FOREACH (s, a->sysctls) {
                _cleanup_free_ char *k = strdup(*s);
                char *v;
                int r;

                if (!k)
                        return log_oom();
                v = strchr(k, '=');
                if (!v)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "--sysctl %s: expected KEY=VALUE", *s);
                *v++ = 0;
                r = sysctl_check(k, host_network);
                if (r == -EPERM)
                        return log_error_errno(r,
                                               "--sysctl %s: not namespaced for this container "
                                               "(allowed: net.* without --network host, "
                                               "kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)",
                                               k);
                if (r < 0)
                        return log_error_errno(r, "--sysctl %s", *s);
                if (container_add_sysctl(c, k, v) < 0)
                        return log_oom();
        }
        STRV_FOREACH (s, a->ulimits) {
                Rlimit rl;
                if (rlimit_parse(*s, &rl) < 0)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "--ulimit %s: expected NAME=SOFT[:HARD] "
                                               "with a known limit name",
                                               *s);
                if (container_add_rlimit(c, &rl) < 0)
                        return log_oom();
        }
        return 0;
}

static int split_layers(const char *s, char ***ret)
{
        _cleanup_free_ char *copy = strdup(s);
        _cleanup_strv_free_ char **l = NULL;
        char *save = NULL;

        if (!copy)
                return log_oom();
        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
                if (t[0] != '/')
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "--layers: %s is not an absolute path", t);
                if (strv_extend(&l, t) < 0)
                        return log_oom();
        }
        if (!l)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--layers: no layer given");
        *ret = TAKE_PTR(l);
        return 0;
}

/* A missing image is pulled by berth-pull (the registry client), in the
 * unit's journal; only a start that needs it pays for the exec. */
static int image_pull(const char *ref, const char *store_root)
{
        const char *argv[] = {
            BERTH_LIBEXECDIR "/berth-pull", "--root", store_root, "--quiet", "--", ref, NULL};
        int status;
        pid_t pid;

        log_info("pulling %s", ref);
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "pull %s: fork", ref);
        if (pid == 0) {
                /* its stdout (the image id) is of no use here */
                (void)dup2(STDERR_FILENO, STDOUT_FILENO);
                execv(argv[0], (char **)argv);
                log_error_errno(errno, "pull %s: execute %s", ref, argv[0]);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return log_error_errno(errno, "pull %s: wait for berth-pull", ref);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return log_error_errno(SYNTHETIC_ERRNO(EIO), "pull %s failed", ref);
        return 0;
}

/* The image's config fills what the command line leaves open. */
static int apply_image(Container *c, RunArgs *a, const char *store_root)
{
#ifdef BERTH_HAVE_STORE
        _cleanup_(store_freep) Store *s = NULL;
        _cleanup_(image_freep) Image *img = NULL;
        int r;

        /* Lookups only: the pull, if one is needed, is berth-pull's. */
        r = store_open_readonly(store_root, &s);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "open the image store %s", strna(store_root));
        if (r >= 0 && a->pull != PULL_ALWAYS)
                r = store_image_resolve(s, a->image, &img);
        else
                r = -ENOENT;
        if (r == -ENOENT && a->pull != PULL_NEVER) {
                r = image_pull(a->image, store_root);
                if (r < 0)
                        return r;
                if (!s) {
                        r = store_open_readonly(store_root, &s);
                        if (r < 0)
                                return log_error_errno(r, "open the image store %s",
                                                       strna(store_root));
                }
                r = store_image_resolve(s, a->image, &img);
        }
        if (r == -ENOENT)
                return log_error_errno(r, "image %s is not in the store %s%s", a->image, store_root,
                                       a->pull == PULL_NEVER ? " (--pull never)" : "");
        if (r < 0)
                return log_error_errno(r, "resolve image %s", a->image);
        c->lower_dirs = strv_copy(img->layer_dirs);
        if (!c->lower_dirs || !(c->image_id = strdup(img->id)))
                return log_oom();
        STRV_FOREACH (e, img->config.env)
                if (strv_env_set(&c->env, *e) < 0)
                        return log_oom();
        if (!c->user_spec && img->config.user && !(c->user_spec = strdup(img->config.user)))
                return log_oom();
        if (!c->cwd && !isempty(img->config.workdir) && !(c->cwd = strdup(img->config.workdir)))
                return log_oom();
        /* docker: --entrypoint PROGRAM replaces the image's and drops its
         * CMD; --entrypoint "" clears the entrypoint and keeps the CMD. */
        if (!a->entrypoint && strv_extend_strv(&c->args, img->config.entrypoint) < 0)
                return log_oom();
        if (!isempty(a->entrypoint) && strv_extend(&c->args, a->entrypoint) < 0)
                return log_oom();
        if (a->command) {
                if (strv_extend_strv(&c->args, a->command) < 0)
                        return log_oom();
        } else if (isempty(a->entrypoint) && strv_extend_strv(&c->args, img->config.cmd) < 0)
                return log_oom();
        return 0;
#else
        return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
                               "--image %s: this berth-runtime was built without the "
                               "image store; use --rootfs or --layers",
                               a->image);
#endif
}

static int build_rootfs_and_command(Container *c, RunArgs *a, const char *store_root)
{
        int sources = !!a->image + !!a->rootfs + !!a->layers;
        int r;

        if (sources != 1)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "exactly one of --image, --rootfs and --layers is "
                                       "needed");
        c->rootfs_kind = ROOTFS_OVERLAY;
        if (a->image)
                return apply_image(c, a, store_root);
        if (a->rootfs) {
                if (a->rootfs[0] != '/')
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "--rootfs %s: not an absolute path", a->rootfs);
                if (strv_extend(&c->lower_dirs, a->rootfs) < 0)
                        return log_oom();
        } else {
                r = split_layers(a->layers, &c->lower_dirs);
                if (r < 0)
                        return r;
        }
        if (!isempty(a->entrypoint) && strv_extend(&c->args, a->entrypoint) < 0)
                return log_oom();
        if (strv_extend_strv(&c->args, a->command) < 0)
                return log_oom();
        return 0;
}

enum {
        ARG_NAME = 0x100,
        ARG_STORE,
        ARG_IMAGE,
        ARG_ROOTFS,
        ARG_LAYERS,
        ARG_ENV_FILE,
        ARG_ENV_HOST,
        ARG_GROUP_ADD,
        ARG_ENTRYPOINT,
        ARG_CAP_ADD,
        ARG_CAP_DROP,
        ARG_NNP,
        ARG_SECCOMP,
        ARG_READ_ONLY,
        ARG_MOUNT,
        ARG_TMPFS,
        ARG_SYSCTL,
        ARG_ULIMIT,
        ARG_DEVICE,
        ARG_SHM_SIZE,
        ARG_NETWORK,
        ARG_NETWORK_RUN_DIR,
        ARG_PUBLISH,
        ARG_DNS,
        ARG_DNS_SEARCH,
        ARG_DNS_OPTION,
        ARG_ADD_HOST,
        ARG_IP,
        ARG_NOTIFY,
        ARG_INIT,
        ARG_UPPER,
        ARG_RM,
        ARG_PULL,
        ARG_LABEL,
        ARG_ANNOTATION,
};

static const struct option run_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"name", required_argument, NULL, ARG_NAME},
    {"store", required_argument, NULL, ARG_STORE},
    {"image", required_argument, NULL, ARG_IMAGE},
    {"rootfs", required_argument, NULL, ARG_ROOTFS},
    {"layers", required_argument, NULL, ARG_LAYERS},
    {"env", required_argument, NULL, 'e'},
    {"env-file", required_argument, NULL, ARG_ENV_FILE},
    {"env-host", no_argument, NULL, ARG_ENV_HOST},
    {"user", required_argument, NULL, 'u'},
    {"group-add", required_argument, NULL, ARG_GROUP_ADD},
    {"workdir", required_argument, NULL, 'w'},
    {"entrypoint", required_argument, NULL, ARG_ENTRYPOINT},
    {"hostname", required_argument, NULL, ARG_NAME + 0x1000},
    {"cap-add", required_argument, NULL, ARG_CAP_ADD},
    {"cap-drop", required_argument, NULL, ARG_CAP_DROP},
    {"no-new-privileges", no_argument, NULL, ARG_NNP},
    {"seccomp-profile", required_argument, NULL, ARG_SECCOMP},
    {"read-only", no_argument, NULL, ARG_READ_ONLY},
    {"volume", required_argument, NULL, 'v'},
    {"mount", required_argument, NULL, ARG_MOUNT},
    {"tmpfs", required_argument, NULL, ARG_TMPFS},
    {"sysctl", required_argument, NULL, ARG_SYSCTL},
    {"ulimit", required_argument, NULL, ARG_ULIMIT},
    {"device", required_argument, NULL, ARG_DEVICE},
    {"shm-size", required_argument, NULL, ARG_SHM_SIZE},
    {"network", required_argument, NULL, ARG_NETWORK},
    {"network-run-dir", required_argument, NULL, ARG_NETWORK_RUN_DIR},
    {"publish", required_argument, NULL, 'p'},
    {"dns", required_argument, NULL, ARG_DNS},
    {"dns-search", required_argument, NULL, ARG_DNS_SEARCH},
    {"dns-option", required_argument, NULL, ARG_DNS_OPTION},
    {"add-host", required_argument, NULL, ARG_ADD_HOST},
    {"ip", required_argument, NULL, ARG_IP},
    {"notify", no_argument, NULL, ARG_NOTIFY},
    {"init", no_argument, NULL, ARG_INIT},
    {"upper", required_argument, NULL, ARG_UPPER},
    {"rm", no_argument, NULL, ARG_RM},
    {"tty", no_argument, NULL, 't'},
    {"pull", required_argument, NULL, ARG_PULL},
    {"label", required_argument, NULL, ARG_LABEL},
    {"annotation", required_argument, NULL, ARG_ANNOTATION},
    {}};

static int parse_run_args(int argc, char **argv, Container *c, RunArgs *a)
{
        int opt, r = 0;

        optind = 0;
        while ((opt = getopt_long(argc, argv, "+he:u:w:v:p:t", run_options, NULL)) >= 0) {
                switch (opt) {
                case 'h':
                        run_help();
                        return 1;
                case ARG_NAME:
                        r = set_str(&c->name, optarg);
                        break;
                case ARG_NAME + 0x1000:
                        r = set_str(&c->hostname, optarg);
                        break;
                case ARG_STORE:
                        r = set_str(&a->store, optarg);
                        break;
                case ARG_IMAGE:
                        r = set_str(&a->image, optarg);
                        break;
                case ARG_ROOTFS:
                        r = set_str(&a->rootfs, optarg);
                        break;
                case ARG_LAYERS:
                        r = set_str(&a->layers, optarg);
                        break;
                case 'e':
                        r = strv_extend(&a->env, optarg);
                        break;
                case ARG_ENV_FILE:
                        r = strv_extend(&a->env_files, optarg);
                        break;
                case ARG_ENV_HOST:
                        a->env_host = true;
                        break;
                case 'u':
                        r = set_str(&c->user_spec, optarg);
                        break;
                case ARG_GROUP_ADD:
                        r = strv_extend(&c->group_add, optarg);
                        break;
                case 'w':
                        if (optarg[0] != '/')
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--workdir %s: not absolute", optarg);
                        r = set_str(&c->cwd, optarg);
                        break;
                case ARG_ENTRYPOINT:
                        r = set_str(&a->entrypoint, optarg);
                        break;
                case ARG_CAP_ADD:
                        r = strv_extend(&a->cap_add, optarg);
                        break;
                case ARG_CAP_DROP:
                        r = strv_extend(&a->cap_drop, optarg);
                        break;
                case ARG_NNP:
                        c->no_new_privileges = true;
                        break;
                case ARG_SECCOMP:
                        if (streq(optarg, "unconfined"))
                                c->seccomp_mode = SECCOMP_MODE_UNCONFINED;
                        else {
                                c->seccomp_mode = SECCOMP_MODE_FILE;
                                r = set_str(&c->seccomp_file, optarg);
                        }
                        break;
                case ARG_READ_ONLY:
                        c->read_only = true;
                        break;
                case 'v':
                        r = strv_extend(&a->volumes, optarg);
                        break;
                case ARG_MOUNT:
                        r = strv_extend(&a->mounts, optarg);
                        break;
                case ARG_TMPFS:
                        r = strv_extend(&a->tmpfs, optarg);
                        break;
                case ARG_SYSCTL:
                        r = strv_extend(&a->sysctls, optarg);
                        break;
                case ARG_ULIMIT:
                        r = strv_extend(&a->ulimits, optarg);
                        break;
                case ARG_DEVICE:
                        r = strv_extend(&a->devices, optarg);
                        break;
                case ARG_SHM_SIZE:
                        if (parse_size(optarg, &a->shm_size) < 0 || a->shm_size == 0)
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--shm-size %s: not a size", optarg);
                        break;
                case ARG_NETWORK:
                        if (!streq(optarg, "none") && !streq(optarg, "host") &&
                            !container_net_name_is_valid(optarg))
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--network %s: use none, host, bridge "
                                                       "or the name of a network",
                                                       optarg);
                        r = set_str(&a->network, optarg);
                        break;
                case ARG_NETWORK_RUN_DIR:
                        if (optarg[0] != '/')
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--network-run-dir %s: not absolute",
                                                       optarg);
                        r = set_str(&a->net.run_dir, optarg);
                        break;
                case ARG_IP:
                        r = set_str(&a->net.ip, optarg);
                        break;
                case 'p':
                        r = strv_extend(&a->net.publish, optarg);
                        break;
                case ARG_DNS:
                        r = strv_extend(&a->net.dns, optarg);
                        break;
                case ARG_DNS_SEARCH:
                        r = strv_extend(&a->net.dns_search, optarg);
                        break;
                case ARG_DNS_OPTION:
                        r = strv_extend(&a->net.dns_option, optarg);
                        break;
                case ARG_ADD_HOST:
                        r = strv_extend(&a->net.add_host, optarg);
                        break;
                case ARG_NOTIFY:
                        c->notify = true;
                        break;
                case ARG_INIT:
                        c->init = true;
                        break;
                case ARG_UPPER:
                        if (optarg[0] != '/')
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--upper %s: not absolute", optarg);
                        r = set_str(&a->upper, optarg);
                        break;
                case ARG_PULL:
                        if (streq(optarg, "never"))
                                a->pull = PULL_NEVER;
                        else if (streq(optarg, "missing"))
                                a->pull = PULL_MISSING;
                        else if (streq(optarg, "always") || streq(optarg, "newer"))
                                a->pull = PULL_ALWAYS;
                        else
                                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                                       "--pull %s: use always, missing, "
                                                       "newer or never",
                                                       optarg);
                        break;
                case ARG_LABEL:
                case ARG_ANNOTATION:
                        if (!strchr(optarg, '=') || optarg[0] == '=')
                                return log_error_errno(
                                    SYNTHETIC_ERRNO(EINVAL), "--%s %s: expected KEY=VALUE",
                                    opt == ARG_LABEL ? "label" : "annotation", optarg);
                        r = strv_extend(opt == ARG_LABEL ? &a->labels : &a->annotations, optarg);
                        break;
                case ARG_RM:
                        c->remove = true;
                        break;
                case 't':
                        c->tty = true;
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return log_oom();
        }
        if (optind < argc && !(a->command = strv_copy(argv + optind)))
                return log_oom();
        return 0;
}

/* --network bridge|NAME. Without it (none, host, or no --network at all)
 * the library is not touched, so those starts stay as cheap as before. */
static int build_network(Container *c, RunArgs *a, const char *store_root)
{
        bool joined = a->network && !streq(a->network, "none") && !streq(a->network, "host");
        ContainerNet *n;

        if (!joined) {
                if (a->net.publish || a->net.dns || a->net.dns_search || a->net.dns_option ||
                    a->net.add_host || a->net.ip)
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                               "--publish, --dns, --dns-search, "
                                               "--dns-option, --add-host and --ip need "
                                               "--network bridge or a network name");
                return 0;
        }
        n = c->net = malloc(sizeof(ContainerNet));
        if (!n)
                return log_oom();
        *n = a->net;
        a->net = (ContainerNet){};
        n->network = TAKE_PTR(a->network);
        /* Networks live next to the store they were declared for. */
        if (a->store && asprintf(&n->state_dir, "%s/networks", store_root) < 0)
                return log_oom();
        return 0;
}

int container_from_run_args(int argc, char **argv, Container **ret, bool *ret_fresh)
{
        _cleanup_(run_args_done) RunArgs a = {};
        _cleanup_(container_freep) Container *c = container_new();
        _cleanup_free_ char *volumes_dir = NULL;
        const char *store_root;
        bool host_network;
        int r;

        if (!c)
                return log_oom();
        r = parse_run_args(argc, argv, c, &a);
        if (r != 0)
                return r;
        store_root = a.store ?: BERTH_STATEDIR;
        host_network = a.network && streq(a.network, "host");

        if (!c->name && (r = random_name(&c->name)) < 0)
                return log_error_errno(r, "generate a container name");
        if (!container_name_is_valid(c->name))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "--name %s: use letters, digits, '_', '.' and '-'", c->name);
        *ret_fresh = !a.upper;
        if (a.upper)
                c->layer_dir = TAKE_PTR(a.upper);
        else if (asprintf(&c->layer_dir, "%s/containers/%s", store_root, c->name) < 0)
                return log_oom();

        c->clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                         CLONE_NEWCGROUP | CLONE_NEWTIME | (host_network ? 0 : CLONE_NEWNET);
        if (!c->hostname && !host_network && set_str(&c->hostname, c->name) < 0)
                return log_oom();
        if (c->notify && !handoff_wanted())
                c->notify = false;

        r = build_network(c, &a, store_root);
        if (r < 0)
                return r;
        r = build_rootfs_and_command(c, &a, store_root);
        if (r < 0)
                return r;
        r = build_env(c, &a);
        if (r < 0)
                return r;
        r = build_caps(c, &a);
        if (r < 0)
                return r;
        r = container_add_default_mounts(c, a.shm_size ?: DEFAULT_SHM_SIZE);
        if (r < 0)
                return log_oom();
        if (asprintf(&volumes_dir, "%s/volumes", store_root) < 0)
                return log_oom();
        r = add_parsed_mounts(c, &a, volumes_dir);
        if (r < 0)
                return r;
        r = add_devices(c, &a);
        if (r < 0)
                return r;
        r = add_limits(c, &a, host_network);
        if (r < 0)
                return r;
        r = container_add_default_masks(c);
        if (r < 0)
                return log_oom();
        c->labels = TAKE_PTR(a.labels);
        c->annotations = TAKE_PTR(a.annotations);
        if (a.image && !(c->image_ref = strdup(a.image)))
                return log_oom();
        if (strv_env_set(&c->env, "container=berth") < 0)
                return log_oom();
        *ret = TAKE_PTR(c);
        return 0;
}

/* `run --bundle DIR ID` is the OCI verb, not ours. */
static bool is_oci_run(int argc, char **argv)
{
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
                if (streq(argv[i], "--bundle") || streq(argv[i], "-b") ||
                    strneq(argv[i], "--bundle=", 9))
                        return true;
        return false;
}

int verb_run(int argc, char **argv, const char *oci_root)
{
        _cleanup_(container_freep) Container *c = NULL;
        _cleanup_close_ int pidfd = -EBADF, status_fd = -EBADF;
        _cleanup_close_pair_ int console[2] = {-EBADF, -EBADF};
        bool fresh = false, foreground;
        pid_t pid;
        int r;

        if (is_oci_run(argc, argv))
                return verb_oci("run", argc, argv, oci_root);
        r = container_from_run_args(argc, argv, &c, &fresh);
        if (r == 1)
                return 0;
        if (r < 0)
                return r == -EINVAL ? 2 : 1;

        /* A start always gets an empty writable layer unless --upper names
         * one to keep (see berth-runtime(8)). */
        if (fresh && layer_dir_reset(c->layer_dir) < 0)
                return 1;

        foreground = !handoff_wanted();
        if (c->tty && !foreground) {
                /* the master would close with us, hanging up the container */
                log_error("--tty needs the foreground: a unit's runtime hands over and exits");
                return 2;
        }
        if (c->tty && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, console) < 0)
                return log_error_errno(errno, "create the console socket"), 1;
        r = container_spawn(c, foreground ? SPAWN_WAIT_NONE : SPAWN_WAIT_EXEC, -EBADF, console[1],
                            &pid, &pidfd, &status_fd);
        console[1] = safe_close(console[1]);
        if (r < 0)
                return 1;
        (void)layer_dir_write_metadata(c);

        if (!foreground) {
                r = handoff_to_systemd(pid, c->notify);
                return r < 0 ? 1 : 0;
        }
        r = console_wait(console[0], pid, pidfd);
        if (container_spawn_result(c, status_fd) < 0)
                return 1;
        /* Nobody runs `cleanup` after a foreground run. */
        if (c->net)
                (void)container_net_detach(c->net->state_dir, c->net->run_dir, c->name);
        (void)layer_dir_cleanup(c->layer_dir, c->remove);
        return r < 0 ? 1 : r;
}
