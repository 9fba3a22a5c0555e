/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "berthctl.h"
#include "macro.h"
#include "strv.h"

/* One property value as JSON; the types org.berth1 uses. */
static int variant_to_json(sd_bus_message *m, json_t **ret)
{
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        switch (type) {
        case 's':
        case 'o': {
                const char *s;
                r = sd_bus_message_read_basic(m, type, &s);
                *ret = json_string(s);
                return r;
        }
        case 't': {
                uint64_t v;
                r = sd_bus_message_read_basic(m, type, &v);
                *ret = json_integer((json_int_t)v);
                return r;
        }
        case 'u': {
                uint32_t v;
                r = sd_bus_message_read_basic(m, type, &v);
                *ret = json_integer(v);
                return r;
        }
        case 'i': {
                int32_t v;
                r = sd_bus_message_read_basic(m, type, &v);
                *ret = json_integer(v);
                return r;
        }
        case 'b': {
                int v;
                r = sd_bus_message_read_basic(m, type, &v);
                *ret = json_boolean(v);
                return r;
        }
        case 'd': {
                double v;
                r = sd_bus_message_read_basic(m, type, &v);
                *ret = json_real(v);
                return r;
        }
        case 'a':
                if (streq(contents, "s")) {
                        _cleanup_strv_free_ char **l = NULL;
                        json_t *a;
                        r = sd_bus_message_read_strv(m, &l);
                        if (r < 0)
                                return r;
                        a = json_array();
                        for (char **s = l; s && *s; s++)
                                json_array_append_new(a, json_string(*s));
                        *ret = a;
                        return 0;
                }
                if (streq(contents, "{ss}")) {
                        const char *k, *v;
                        json_t *o = json_object();
                        r = sd_bus_message_enter_container(m, 'a', "{ss}");
                        while (r >= 0 && (r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0)
                                json_object_set_new(o, k, json_string(v));
                        if (r >= 0)
                                r = sd_bus_message_exit_container(m);
                        *ret = o;
                        return r;
                }
                break;
        }
        *ret = json_null();
        return sd_bus_message_skip(m, NULL);
}

static int get_all(Ctl *ctl, const char *path, const char *iface, json_t **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        json_t *o;
        int r;

        r = sd_bus_call_method(ctl->bus, "org.berth1", path, "org.freedesktop.DBus.Properties",
                               "GetAll", &e, &reply, "s", iface);
        if (r < 0)
                return ctl_error(ctl, &e, r, "read properties");
        o = json_object();
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *key, *contents;
                json_t *v = NULL;

                r = sd_bus_message_read(reply, "s", &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'v', contents);
                if (r >= 0)
                        r = variant_to_json(reply, &v);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (v)
                        json_object_set_new(o, key, v);
        }
        if (r < 0) {
                json_decref(o);
                return ctl_error(ctl, NULL, r, "unreadable properties");
        }
        *ret = o;
        return 0;
}

/* The object for NAME: a container first, then an image, like docker. */
static int lookup(Ctl *ctl, const char *name, const char *type, json_t **ret)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *path;
        sd_bus *bus;
        int r;

        r = ctl_bus(ctl, &bus);
        if (r < 0)
                return r;
        if (!type || streq(type, "container")) {
                r = sd_bus_call_method(bus, "org.berth1", "/org/berth1", "org.berth1.Manager",
                                       "GetContainer", &e, &reply, "s", name);
                if (r >= 0 && sd_bus_message_read(reply, "o", &path) >= 0)
                        return get_all(ctl, path, "org.berth1.Container", ret);
                if (!sd_bus_error_has_names(&e, "org.berth1.NoSuchContainer",
                                            SD_BUS_ERROR_INVALID_ARGS) ||
                    type)
                        return ctl_error(ctl, &e, r, name);
                sd_bus_error_free(&e);
                reply = sd_bus_message_unref(reply);
        }
        r = sd_bus_call_method(bus, "org.berth1", "/org/berth1", "org.berth1.Manager", "GetImage",
                               &e, &reply, "s", name);
        if (r < 0) {
                if (!type && sd_bus_error_has_names(&e, "org.berth1.NoSuchImage",
                                                    SD_BUS_ERROR_INVALID_ARGS)) {
                        fprintf(stderr, "berthctl: inspect: no container or image named %s\n",
                                name);
                        ctl_fail(ctl, ctl->exit_not_found);
                        return -ENOENT;
                }
                return ctl_error(ctl, &e, r, name);
        }
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return ctl_error(ctl, NULL, r, name);
        return get_all(ctl, path, "org.berth1.Image", ret);
}

int verb_inspect(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"type", required_argument, NULL, 't'},
            {},
        };
        const char *type = NULL;
        json_t *a;
        char *s;
        int c, ret = 0, r;

        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl inspect [--type container|image] NAME...\n\n"
                               "Show containers or images as a JSON array.\n");
                        return 0;
                case 't':
                        if (!streq(optarg, "container") && !streq(optarg, "image")) {
                                fprintf(stderr, "berthctl: --type must be container or image\n");
                                return -EINVAL;
                        }
                        type = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind >= argc) {
                fprintf(stderr, "berthctl: inspect: nothing named\n");
                return -EINVAL;
        }
        /* a query, like systemctl status: 4 for what does not exist */
        ctl->exit_not_found = EXIT_UNKNOWN;
        a = json_array();
        for (int i = optind; i < argc; i++) {
                json_t *o;
                r = lookup(ctl, argv[i], type, &o);
                if (r < 0) {
                        if (ret == 0)
                                ret = r;
                        continue;
                }
                json_array_append_new(a, o);
        }
        s = json_dumps(a, JSON_INDENT(4));
        json_decref(a);
        if (s)
                printf("%s\n", s);
        free(s);
        return ret;
}
