/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berthctl.h"
#include "macro.h"

int ctl_bus(Ctl *ctl, sd_bus **ret)
{
        const char *address = getenv("BERTH_BUS_ADDRESS");
        int r;

        if (!ctl->bus) {
                /* tests may point berthctl at a private bus */
                if (address) {
                        r = sd_bus_new(&ctl->bus);
                        if (r >= 0)
                                r = sd_bus_set_address(ctl->bus, address);
                        if (r >= 0)
                                r = sd_bus_set_bus_client(ctl->bus, true);
                        if (r >= 0)
                                r = sd_bus_start(ctl->bus);
                } else
                        r = sd_bus_open_system(&ctl->bus);
                if (r < 0) {
                        fprintf(stderr, "berthctl: cannot connect to the system bus: %s\n",
                                strerror(-r));
                        ctl_fail(ctl, EXIT_FAIL);
                        ctl->bus = sd_bus_unref(ctl->bus);
                        return r;
                }
                (void)sd_bus_set_allow_interactive_authorization(ctl->bus, ctl->ask_password);
        }
        *ret = ctl->bus;
        return 0;
}

void ctl_fail(Ctl *ctl, int status)
{
        if (ctl->status == 0)
                ctl->status = status;
}

int ctl_error(Ctl *ctl, const sd_bus_error *e, int r, const char *what)
{
        if (e && sd_bus_error_is_set(e)) {
                fprintf(stderr, "berthctl: %s: %s\n", what, e->message ?: e->name);
                /* Classified by the error's name only: the errno sd-bus maps
                 * a name to says little (ServiceUnknown is EHOSTUNREACH, which
                 * must not read as "registry unreachable"). */
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
                    sd_bus_error_has_name(
                        e, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")) {
                        ctl_fail(ctl, EXIT_NOPERMISSION);
                        return -EACCES;
                }
                if (sd_bus_error_has_names(e, "org.berth1.NoSuchContainer",
                                           "org.berth1.NoSuchImage", "org.berth1.NoSuchNetwork",
                                           SD_BUS_ERROR_UNKNOWN_OBJECT)) {
                        ctl_fail(ctl, ctl->exit_not_found);
                        return -ENOENT;
                }
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_INVALID_ARGS)) {
                        ctl_fail(ctl, EXIT_USAGE);
                        return -EINVAL;
                }
                ctl_fail(ctl, EXIT_FAIL);
                return -EIO;
        }
        fprintf(stderr, "berthctl: %s: %s\n", what, strerror(r < 0 ? -r : EIO));
        /* sd-bus refuses to send what the user gave (a name that is not
         * UTF-8, say) with -EINVAL */
        ctl_fail(ctl, r == -EINVAL ? EXIT_USAGE : EXIT_FAIL);
        return r < 0 ? r : -EIO;
}

int ctl_new_call(Ctl *ctl, const char *method, sd_bus_message **ret)
{
        sd_bus *bus;
        int r;

        r = ctl_bus(ctl, &bus);
        if (r < 0)
                return r;
        return sd_bus_message_new_method_call(bus, ret, "org.berth1", "/org/berth1",
                                              "org.berth1.Manager", method);
}

int ctl_send(Ctl *ctl, sd_bus_message *m, sd_bus_message **reply, const char *what)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        /* pulls and starts can take long; systemd's job logic decides */
        r = sd_bus_call(ctl->bus, m, 10 * 60 * 1000000ULL, &e, reply);
        if (r < 0)
                return ctl_error(ctl, &e, r, what);
        return 0;
}

int ctl_call(Ctl *ctl, const char *method, sd_bus_message **reply, const char *what,
             const char *types, ...)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = ctl_new_call(ctl, method, &m);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return ctl_error(ctl, NULL, r, what);
        }
        return ctl_send(ctl, m, reply, what);
}
