/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "berthctl.h"
#include "container-record.h"
#include "macro.h"
#include "parse-util.h"

/* --since: seconds since the epoch, "YYYY-MM-DD[ HH:MM[:SS]]" (local time),
 * or a duration ago: "10s", "5m", "2h", "1d". Returns µs since the epoch. */
static int parse_since(const char *s, uint64_t *ret)
{
        static const char *const formats[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                                              "%Y-%m-%d %H:%M", "%Y-%m-%d"};
        struct timespec now;
        uint64_t v;
        char *end;

        clock_gettime(CLOCK_REALTIME, &now);
        errno = 0;
        v = strtoull(s, &end, 10);
        if (!errno && end != s && s[0] != '-') {
                uint64_t mult = 0;
                if (*end == '\0')
                        mult = 0; /* absolute */
                else if (streq(end, "s"))
                        mult = 1;
                else if (streq(end, "m"))
                        mult = 60;
                else if (streq(end, "h"))
                        mult = 3600;
                else if (streq(end, "d"))
                        mult = 86400;
                else
                        goto date;
                if (mult == 0)
                        *ret = v * 1000000ULL;
                else
                        *ret = ((uint64_t)now.tv_sec - v * mult) * 1000000ULL;
                return 0;
        }
date:
        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct tm tm = {.tm_isdst = -1};
                const char *rest = strptime(s, formats[i], &tm);
                if (rest && *rest == '\0') {
                        time_t t = mktime(&tm);
                        if (t < 0)
                                return -EINVAL;
                        *ret = (uint64_t)t * 1000000ULL;
                        return 0;
                }
        }
        return -EINVAL;
}

static int print_entry(sd_journal *j)
{
        const void *data;
        size_t len;
        int r;

        r = sd_journal_get_data(j, "MESSAGE", &data, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        /* the container's own bytes, without the field name */
        fwrite((const char *)data + 8, 1, len - 8, stdout);
        fputc('\n', stdout);
        return 0;
}

/* A unit systemd knows (loaded, even if inactive) that berth-generator made
 * from a .container file. */
static int declared_unit(sd_bus *bus, const char *unit)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *load = NULL, *source = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "LoadUnit", NULL, &reply, "s",
                               unit);
        if (r < 0 || sd_bus_message_read(reply, "o", &path) < 0)
                return 0; /* no systemd on this bus, or a name it refuses */
        if (sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path,
                                       "org.freedesktop.systemd1.Unit", "LoadState", NULL,
                                       &load) < 0 ||
            streq(load, "not-found"))
                return 0;
        if (sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path,
                                       "org.freedesktop.systemd1.Unit", "SourcePath", NULL,
                                       &source) < 0)
                return 0;
        size_t n = strlen(source);
        return n > 10 && streq(source + n - 10, ".container");
}

/* Whether NAME is a container that may log: one of berthd's, or a declared
 * one, whose unit is NAME.service, or X.service / P@I.service for the
 * generator's default names systemd-X / systemd-P_I. Returns 1, 0 or a
 * negative errno (reported). */
static int container_known(Ctl *ctl, const char *name)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *unit = NULL;
        const char *rest;
        sd_bus *bus;
        int r;

        r = ctl_bus(ctl, &bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, "org.berth1", "/org/berth1", "org.berth1.Manager",
                               "GetContainer", &e, &reply, "s", name);
        if (r >= 0)
                return 1;
        /* without berthd there may still be declared containers */
        if (!sd_bus_error_has_names(&e, "org.berth1.NoSuchContainer", SD_BUS_ERROR_SERVICE_UNKNOWN,
                                    SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return ctl_error(ctl, &e, r, name);

        if (asprintf(&unit, "%s.service", name) < 0)
                return -ENOMEM;
        if (declared_unit(bus, unit))
                return 1;
        if (strncmp(name, "systemd-", 8) != 0)
                return 0;
        rest = name + 8;
        free(unit);
        unit = NULL;
        if (asprintf(&unit, "%s.service", rest) < 0)
                return -ENOMEM;
        if (declared_unit(bus, unit))
                return 1;
        for (char *u = strchr(unit, '_'); u; u = strchr(u + 1, '_')) {
                *u = '@';
                if (declared_unit(bus, unit))
                        return 1;
                *u = '_';
        }
        return 0;
}

int verb_logs(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"follow", no_argument, NULL, 'f'},
            {"tail", required_argument, NULL, 'n'},
            {"since", required_argument, NULL, 's'},
            {},
        };
        _cleanup_free_ char *match = NULL;
        sd_journal *j = NULL;
        bool follow = false, since_set = false;
        uint64_t tail = 0, since = 0;
        bool tail_set = false, have_current = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "+hfn:", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl logs [-f|--follow] [-n|--tail N] [--since TIME] NAME\n\n"
                               "Show what the container wrote to stdout and stderr, from the\n"
                               "journal (entries with CONTAINER_NAME=NAME).\n");
                        return 0;
                case 'f':
                        follow = true;
                        break;
                case 'n':
                        if (!streq(optarg, "all")) {
                                if (parse_uint64(optarg, &tail) < 0) {
                                        fprintf(stderr, "berthctl: invalid -n \"%s\"\n", optarg);
                                        return -EINVAL;
                                }
                                tail_set = true;
                        }
                        break;
                case 's':
                        if (parse_since(optarg, &since) < 0) {
                                fprintf(stderr, "berthctl: invalid --since \"%s\"\n", optarg);
                                return -EINVAL;
                        }
                        since_set = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "berthctl: logs: give exactly one container name\n");
                return -EINVAL;
        }
        if (!container_name_is_valid(argv[optind])) {
                fprintf(stderr, "berthctl: logs: invalid container name\n");
                return -EINVAL;
        }
        if (asprintf(&match, "CONTAINER_NAME=%s", argv[optind]) < 0)
                return -ENOMEM;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return ctl_error(ctl, NULL, r, "open the journal");
        r = sd_journal_add_match(j, match, 0);
        if (r < 0)
                goto out;
        /* Output of a removed container is still worth showing; silence
         * about a name that never was a container is not. */
        r = sd_journal_seek_head(j);
        if (r >= 0)
                r = sd_journal_next(j);
        if (r < 0)
                goto out;
        if (r == 0) {
                r = container_known(ctl, argv[optind]);
                if (r == 0) {
                        fprintf(stderr, "berthctl: logs: no container named %s\n", argv[optind]);
                        ctl_fail(ctl, ctl->exit_not_found);
                        r = -ENOENT;
                }
                if (r < 0) {
                        sd_journal_close(j);
                        return r;
                }
        }

        if (tail_set) {
                r = sd_journal_seek_tail(j);
                if (r >= 0 && tail > 0) {
                        r = sd_journal_previous_skip(j, tail);
                        have_current = r > 0;
                } else if (r >= 0)
                        /* -n 0: on the last entry, which is not printed */
                        r = sd_journal_previous(j);
        } else if (since_set)
                r = sd_journal_seek_realtime_usec(j, since);
        else
                r = sd_journal_seek_head(j);
        if (r < 0)
                goto out;

        for (;;) {
                if (have_current) {
                        have_current = false;
                        r = 1;
                } else
                        r = sd_journal_next(j);
                if (r < 0)
                        goto out;
                if (r == 0) {
                        fflush(stdout);
                        if (!follow)
                                break;
                        r = sd_journal_wait(j, UINT64_MAX);
                        if (r < 0)
                                goto out;
                        continue;
                }
                if (since_set) {
                        uint64_t t;
                        if (sd_journal_get_realtime_usec(j, &t) >= 0 && t < since)
                                continue;
                }
                r = print_entry(j);
                if (r < 0)
                        goto out;
        }
        r = 0;
out:
        sd_journal_close(j);
        if (r < 0)
                return ctl_error(ctl, NULL, r, "read the journal");
        (void)ctl;
        return 0;
}
