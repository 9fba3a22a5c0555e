/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CreateContainer's arguments, validated as untrusted input: they come from
 * any client on the bus (before polkit has said anything) and end up in a
 * record file, on an ExecStart= line and in the journal. Kept apart from
 * berthd's objects so that a fuzzer can drive it with built messages. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "container-options.h"
#include "macro.h"
#include "strv.h"

#define OPTIONS_MAX   64
#define REFERENCE_MAX 1024

bool image_reference_is_plausible(const char *s)
{
        /* the store normalises and parses for real; this keeps control
         * characters and absurd lengths away from logs and the store */
        if (isempty(s) || strlen(s) > REFERENCE_MAX)
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p <= ' ' || *p >= 0x7f)
                        return false;
        return true;
}

/* CreateContainer options: the keys are the Container properties' names. */
static int read_string_option(sd_bus_message *msg, const char *key, char **dst, sd_bus_error *error)
{
        const char *s;
        int r;

        r = sd_bus_message_read(msg, "v", "s", &s);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "option %s must be a string", key);
        /* what the record file could not hold again must not get in */
        if (strlen(s) > 4096 || !record_string_is_safe(s))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "option %s: invalid value", key);
        free(*dst);
        *dst = strdup(s);
        return *dst ? 0 : -ENOMEM;
}

/* expected: what a valid entry looks like, for the error; may be NULL. */
static int read_strv_option(sd_bus_message *msg, const char *key, bool (*valid)(const char *),
                            const char *expected, char ***dst, sd_bus_error *error)
{
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = sd_bus_message_enter_container(msg, 'v', "as");
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "option %s must be an array of strings", key);
        r = sd_bus_message_read_strv(msg, &l);
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(msg);
        if (r < 0)
                return r;
        if (strv_length(l) > 4096)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "option %s: too many entries", key);
        STRV_FOREACH (s, l)
                if ((valid && !valid(*s)) || !record_string_is_safe(*s))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "option %s: invalid entry \"%.64s\"%s%s", key, *s,
                                                 expected ? ", expected " : "", strempty(expected));
        strv_free(*dst);
        *dst = TAKE_PTR(l);
        return 0;
}

static int read_u64_option(sd_bus_message *msg, const char *key, uint64_t *dst, sd_bus_error *error)
{
        int r = sd_bus_message_read(msg, "v", "t", dst);

        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "option %s must be an unsigned 64-bit integer (t)", key);
        /* the record keeps it as a JSON integer, which is signed */
        if (*dst > INT64_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "option %s: %" PRIu64 " is out of range", key, *dst);
        return 0;
}

static int read_one_option(sd_bus_message *msg, const char *key, ContainerRecord *rec,
                           sd_bus_error *error)
{
        int r, b;

        if (streq(key, "Command"))
                return read_strv_option(msg, key, NULL, NULL, &rec->command, error);
        if (streq(key, "Env"))
                return read_strv_option(msg, key, env_assignment_is_valid, "KEY=VALUE", &rec->env,
                                        error);
        if (streq(key, "Volumes"))
                return read_strv_option(msg, key, volume_spec_is_valid, "SRC:DST[:ro|rw]",
                                        &rec->volumes, error);
        if (streq(key, "Entrypoint"))
                return read_string_option(msg, key, &rec->entrypoint, error);
        if (streq(key, "User"))
                return read_string_option(msg, key, &rec->user, error);
        if (streq(key, "WorkingDirectory")) {
                r = read_string_option(msg, key, &rec->workdir, error);
                if (r >= 0 && rec->workdir[0] != '/')
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "WorkingDirectory must be absolute");
                return r;
        }
        if (streq(key, "Restart")) {
                _cleanup_free_ char *s = NULL;
                r = read_string_option(msg, key, &s, error);
                if (r < 0)
                        return r;
                rec->restart = restart_policy_from_string(s);
                if (rec->restart < 0)
                        return sd_bus_error_setf(
                            error, SD_BUS_ERROR_INVALID_ARGS,
                            "Restart must be no, on-failure, always or unless-stopped");
                return 0;
        }
        if (streq(key, "MemoryMax"))
                return read_u64_option(msg, key, &rec->memory_max, error);
        if (streq(key, "CPUQuotaPerSecUSec"))
                return read_u64_option(msg, key, &rec->cpu_quota, error);
        if (streq(key, "TasksMax"))
                return read_u64_option(msg, key, &rec->tasks_max, error);
        if (streq(key, "AutoRemove")) {
                r = sd_bus_message_read(msg, "v", "b", &b);
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "option AutoRemove must be a boolean");
                rec->auto_remove = b;
                return 0;
        }
        if (streq(key, "Network")) {
                r = read_string_option(msg, key, &rec->network, error);
                if (r >= 0 && !network_mode_is_valid(rec->network))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "option Network: \"%.64s\" is not none, host, "
                                                 "bridge or a network name",
                                                 rec->network);
                return r;
        }
        if (streq(key, "IP")) {
                r = read_string_option(msg, key, &rec->ip, error);
                if (r >= 0 && !ipv4_address_is_valid(rec->ip))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "option IP: \"%.64s\" is not an IPv4 address",
                                                 rec->ip);
                return r;
        }
        if (streq(key, "Publish"))
                return read_strv_option(msg, key, publish_spec_is_valid,
                                        "[IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]", &rec->publish,
                                        error);
        if (streq(key, "DNS"))
                return read_strv_option(msg, key, ip_address_is_valid, "an IP address", &rec->dns,
                                        error);
        if (streq(key, "DNSSearch"))
                return read_strv_option(msg, key, dns_search_is_valid, "a domain name",
                                        &rec->dns_search, error);
        if (streq(key, "DNSOption"))
                return read_strv_option(msg, key, dns_option_is_valid, "a resolver option",
                                        &rec->dns_option, error);
        if (streq(key, "AddHost"))
                return read_strv_option(msg, key, add_host_is_valid, "HOSTNAME:IP", &rec->add_host,
                                        error);
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "unknown option \"%.64s\"", key);
}

int container_options_read(sd_bus_message *msg, ContainerRecord *rec, sd_bus_error *error)
{
        unsigned n = 0;
        int r;

        r = sd_bus_message_enter_container(msg, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
                const char *key;

                if (++n > OPTIONS_MAX)
                        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                "too many options");
                r = sd_bus_message_read(msg, "s", &key);
                if (r < 0)
                        return r;
                r = read_one_option(msg, key, rec, error);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(msg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(msg);
}

int container_create_args_read(sd_bus_message *call, ContainerRecord **ret, const char **ret_ref,
                               sd_bus_error *error)
{
        _cleanup_(container_record_freep) ContainerRecord *rec = NULL;
        const char *name, *ref, *why;
        int r;

        r = sd_bus_message_read(call, "ss", &name, &ref);
        if (r < 0)
                goto malformed;
        if (!isempty(name) && !container_name_is_valid(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid container name: must match "
                                         "[a-zA-Z0-9][a-zA-Z0-9_.-]* and be at most %d long",
                                         CONTAINER_NAME_MAX);
        if (!image_reference_is_plausible(ref))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "invalid image reference");
        r = container_record_new(isempty(name) ? NULL : name, &rec);
        if (r < 0)
                return r;
        r = container_options_read(call, rec, error);
        if (r < 0)
                goto malformed;
        /* the options together, as the record loader checks them */
        why = container_record_network_error(rec);
        if (why)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", why);
        *ret = TAKE_PTR(rec);
        *ret_ref = ref;
        return 0;
malformed:
        /* every refusal names its reason; a message that sd-bus could not
         * walk still gets one */
        if (r != -ENOMEM && !sd_bus_error_is_set(error))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "malformed CreateContainer arguments: %s", strerror(-r));
        return r;
}
