/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthctl.h"
#include "macro.h"
#include "strv.h"
#include "table.h"

#define MAX_LAYERS 128
#define BAR_WIDTH  30

typedef struct Layer {
        char digest[80];
        char state[16];
        uint64_t done, total;
        bool announced;
} Layer;

typedef struct PullView {
        const char *ref;
        const char *path; /* our transfer */
        bool tty, quiet;
        Layer layers[MAX_LAYERS];
        size_t n_layers;
        uint64_t done, total;
        int last_percent;
        unsigned drawn_lines;
        char *result;  /* set by TransferRemoved */
        char **images; /* ImageNew seen meanwhile */
} PullView;

static void bar(char *buf, size_t n, uint64_t done, uint64_t total)
{
        size_t fill = total ? (size_t)((double)done / (double)total * BAR_WIDTH) : 0;

        if (fill > BAR_WIDTH)
                fill = BAR_WIDTH;
        snprintf(buf, n, "[%.*s%s%*s]", (int)fill,
                 "==============================", fill < BAR_WIDTH ? ">" : "",
                 (int)(BAR_WIDTH - fill - (fill < BAR_WIDTH)), "");
}

static void draw(PullView *v)
{
        char b[64], d[32], t[32];

        if (v->quiet)
                return;
        if (!v->tty) {
                /* plain lines: one per finished layer, and every tenth */
                for (size_t i = 0; i < v->n_layers; i++) {
                        Layer *l = &v->layers[i];
                        if (!l->announced &&
                            (streq(l->state, "done") || streq(l->state, "present"))) {
                                printf("%s: %s\n", l->digest,
                                       streq(l->state, "done") ? "pull complete"
                                                               : "already exists");
                                l->announced = true;
                        }
                }
                if (v->total > 0) {
                        int p = (int)(v->done * 100 / v->total);
                        if (p / 10 > v->last_percent / 10) {
                                printf("%s: %d%%\n", v->ref, p);
                                v->last_percent = p;
                        }
                }
                fflush(stdout);
                return;
        }
        if (v->drawn_lines > 0)
                printf("\033[%uA", v->drawn_lines);
        for (size_t i = 0; i < v->n_layers; i++) {
                Layer *l = &v->layers[i];
                const char *hex = strchr(l->digest, ':') ? strchr(l->digest, ':') + 1 : l->digest;

                bar(b, sizeof(b), l->done, l->total);
                format_size(d, sizeof(d), l->done);
                format_size(t, sizeof(t), l->total);
                printf("\r\033[K%.12s: %-11s %s %s/%s\n", hex, l->state, b, d, t);
        }
        bar(b, sizeof(b), v->done, v->total);
        format_size(d, sizeof(d), v->done);
        format_size(t, sizeof(t), v->total);
        printf("\r\033[K%-12s  %-11s %s %s/%s\n", "total", "", b, d, t);
        v->drawn_lines = v->n_layers + 1;
        fflush(stdout);
}

static int read_layers(sd_bus_message *m, PullView *v)
{
        const char *digest, *state;
        uint64_t done, total;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(sstt)");
        if (r < 0)
                return r;
        v->n_layers = 0;
        while ((r = sd_bus_message_read(m, "(sstt)", &digest, &state, &done, &total)) > 0) {
                Layer *l;
                bool announced = false;

                if (v->n_layers >= MAX_LAYERS)
                        continue;
                l = &v->layers[v->n_layers++];
                announced = l->announced && streq(l->digest, digest);
                snprintf(l->digest, sizeof(l->digest), "%s", digest);
                snprintf(l->state, sizeof(l->state), "%s", state);
                l->done = done;
                l->total = total;
                l->announced = announced;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_properties(sd_bus_message *m, PullView *v)
{
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "BytesDone"))
                        r = sd_bus_message_read(m, "v", "t", &v->done);
                else if (streq(key, "BytesTotal"))
                        r = sd_bus_message_read(m, "v", "t", &v->total);
                else if (streq(key, "Layers")) {
                        r = sd_bus_message_enter_container(m, 'v', "a(sstt)");
                        if (r >= 0)
                                r = read_layers(m, v);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        PullView *v = userdata;

        if (!v->path || !streq(strempty(sd_bus_message_get_path(m)), v->path))
                return 0;
        if (sd_bus_message_skip(m, "s") < 0 || read_properties(m, v) < 0)
                return 0;
        draw(v);
        return 0;
}

static int on_transfer_removed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        PullView *v = userdata;
        const char *path, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uos", &id, &path, &result) < 0)
                return 0;
        if (v->path && streq(path, v->path) && !v->result)
                v->result = strdup(result);
        return 0;
}

static int on_image_new(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        PullView *v = userdata;
        const char *id, *path;

        if (sd_bus_message_read(m, "so", &id, &path) >= 0 && v->path && !v->result)
                (void)strv_extend(&v->images, id);
        return 0;
}

/* Sends call (a method returning a Transfer), follows the transfer to its
 * end and shows its progress. ret_images: what ImageNew announced. */
int run_transfer(Ctl *ctl, sd_bus_message *call, const char *label, bool quiet, char ***ret_images)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *props = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        PullView v = {
            .ref = label, .quiet = quiet, .tty = isatty(STDOUT_FILENO), .last_percent = -1};
        sd_bus *bus = ctl->bus;
        const char *p;
        int r;

        /* watch before asking, so a quick transfer's end is not missed */
        r = sd_bus_add_match(bus, NULL,
                             "type='signal',sender='org.berth1',interface='org.freedesktop.DBus."
                             "Properties',member='PropertiesChanged',path_namespace='/org/berth1/"
                             "transfer'",
                             on_properties_changed, &v);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.berth1", "/org/berth1",
                                        "org.berth1.Manager", "TransferRemoved",
                                        on_transfer_removed, &v);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.berth1", "/org/berth1",
                                        "org.berth1.Manager", "ImageNew", on_image_new, &v);
        if (r < 0)
                return ctl_error(ctl, NULL, r, "watch the transfer");

        r = ctl_send(ctl, call, &reply, label);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &p);
        if (r < 0 || !(path = strdup(p)))
                return ctl_error(ctl, NULL, r, label);
        v.path = path;
        /* a joined transfer may be halfway: show where it is */
        if (sd_bus_call_method(bus, "org.berth1", path, "org.freedesktop.DBus.Properties", "GetAll",
                               &e, &props, "s", "org.berth1.Transfer") >= 0 &&
            read_properties(props, &v) >= 0)
                draw(&v);
        sd_bus_error_free(&e);

        while (!v.result) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return ctl_error(ctl, NULL, r, label);
                if (r == 0 && (r = sd_bus_wait(bus, UINT64_MAX)) < 0)
                        return ctl_error(ctl, NULL, r, label);
        }
        if (streq(v.result, "done")) {
                free(v.result);
                if (ret_images)
                        *ret_images = TAKE_PTR(v.images);
                strv_free(v.images);
                return 0;
        }
        fprintf(stderr, "berthctl: %s: %s\n", label, v.result);
        if (strncmp(v.result, "unreachable:", 12) == 0) {
                r = -EHOSTUNREACH;
                ctl_fail(ctl, EXIT_UNREACHABLE);
        } else {
                r = -EIO;
                ctl_fail(ctl, EXIT_FAIL);
        }
        free(v.result);
        strv_free(v.images);
        return r;
}

int pull_image(Ctl *ctl, const char *ref, bool quiet)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *label = NULL;
        int r;

        if (asprintf(&label, "pull %s", ref) < 0)
                return -ENOMEM;
        r = ctl_new_call(ctl, "PullImage", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", ref);
        if (r < 0)
                return ctl_error(ctl, NULL, r, label);
        if (!quiet)
                printf("Pulling %s\n", ref);
        r = run_transfer(ctl, m, label, quiet, NULL);
        if (r >= 0 && !quiet)
                printf("Pulled %s\n", ref);
        return r;
}

/* For pull units at boot: the network or the registry may come up later
 * than the unit starts, so "cannot connect" is retried, with back-off, until
 * the pull works, fails otherwise, or the unit is stopped. */
static int pull_image_retrying(Ctl *ctl, const char *ref, bool quiet)
{
        unsigned delay = 1;

        for (;;) {
                int r;

                ctl->status = 0; /* this attempt's failure is the one to report */
                r = pull_image(ctl, ref, quiet);
                if (r != -EHOSTUNREACH)
                        return r;
                fprintf(stderr, "berthctl: %s: registry not reachable, retrying in %us\n", ref,
                        delay);
                sleep(delay);
                delay = delay >= 16 ? 30 : delay * 2;
        }
}

int verb_pull(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"quiet", no_argument, NULL, 'q'},
            {"policy", required_argument, NULL, 'p'},
            {"retry-unreachable", no_argument, NULL, 'r'},
            {},
        };
        const char *policy = "always";
        bool quiet = false, retry = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "+hq", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl pull [-q|--quiet] [--policy=missing|always|newer]\n"
                               "              [--retry-unreachable] REFERENCE\n\n"
                               "Pull an image from its registry. missing: only when it is not\n"
                               "here yet; always and newer: ask the registry (layers already\n"
                               "here are not downloaded again). --retry-unreachable: while the\n"
                               "registry cannot be reached, try again (1 s, 2 s, ... 30 s).\n");
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case 'r':
                        retry = true;
                        break;
                case 'p':
                        if (!streq(optarg, "missing") && !streq(optarg, "always") &&
                            !streq(optarg, "newer")) {
                                fprintf(stderr,
                                        "berthctl: --policy must be missing, always or newer\n");
                                return -EINVAL;
                        }
                        policy = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "berthctl: pull: give exactly one reference\n");
                return -EINVAL;
        }
        if (streq(policy, "missing")) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                sd_bus *bus;

                r = ctl_bus(ctl, &bus);
                if (r < 0)
                        return r;
                r = sd_bus_call_method(bus, "org.berth1", "/org/berth1", "org.berth1.Manager",
                                       "GetImage", &e, NULL, "s", argv[optind]);
                if (r >= 0) {
                        if (!quiet)
                                printf("%s: present, not pulled (--policy=missing)\n",
                                       argv[optind]);
                        return 0;
                }
                if (!sd_bus_error_has_name(&e, "org.berth1.NoSuchImage"))
                        return ctl_error(ctl, &e, r, "pull");
        }
        return retry ? pull_image_retrying(ctl, argv[optind], quiet)
                     : pull_image(ctl, argv[optind], quiet);
}
