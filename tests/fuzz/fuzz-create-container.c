/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CreateContainer(name, image, a{sv} options) as berthd decodes it
 * (container_create_args_read()), from a message built out of the input:
 *
 *   NAME
 *   IMAGE
 *   KEY SIGNATURE VALUE      one line per option; any D-Bus type but h
 *
 * (after an optional "#! accept|refuse TEXT" line, see fuzz.h).
 * VALUE: a number, a string (\n \r \t \\ \xHH escapes), an array's
 * elements separated by '|', a struct's by ';', a dict entry's key and
 * value by '=', a variant as "SIGNATURE VALUE". Whatever the types and
 * values, the decoder must not crash or leak, must refuse with an
 * InvalidArgs error that says why, and what it accepts must make a record
 * that is valid and survives its JSON round trip. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "container-options.h"
#include "container-record.h"
#include "fuzz.h"
#include "macro.h"
#include "strv.h"

#define LINES_MAX 256
#define DEPTH_MAX 16

static sd_bus *bus;

/* sd-bus builds messages only for a bus that was started; a socket pair
 * nobody answers on is enough, nothing is ever sent. */
static sd_bus *fuzz_bus(void)
{
        int fds[2];

        if (bus)
                return bus;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 || sd_bus_new(&bus) < 0 ||
            sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0)
                abort();
        return bus;
}

static char *unescape(const char *s, size_t n)
{
        char *out = malloc(n + 1), *o = out;

        if (!out)
                abort();
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '\\' || i + 1 == n) {
                        *o++ = s[i];
                        continue;
                }
                switch (s[++i]) {
                case 'n':
                        *o++ = '\n';
                        break;
                case 'r':
                        *o++ = '\r';
                        break;
                case 't':
                        *o++ = '\t';
                        break;
                case 'x':
                        if (i + 2 < n) {
                                char hex[3] = {s[i + 1], s[i + 2], 0};
                                *o++ = (char)strtoul(hex, NULL, 16);
                                i += 2;
                        }
                        break;
                default:
                        *o++ = s[i];
                }
        }
        *o = 0;
        return out;
}

/* Length of the first complete type in sig, 0 if there is none. */
static size_t complete_type_len(const char *sig)
{
        int depth = 0;
        size_t i = 0;

        do {
                switch (sig[i]) {
                case 0:
                        return 0;
                case 'a':
                        i++;
                        continue;
                case '(':
                case '{':
                        depth++;
                        break;
                case ')':
                case '}':
                        depth--;
                        break;
                }
                i++;
        } while (depth > 0);
        return depth == 0 ? i : 0;
}

/* The end of the next item of text (at sep outside brackets of the value
 * syntax, which has none: items of nested containers use other separators). */
static const char *item_end(const char *p, const char *end, char sep)
{
        const char *q = memchr(p, sep, (size_t)(end - p));
        return q ?: end;
}

static int append_value(sd_bus_message *m, const char *sig, size_t sig_len, const char *text,
                        size_t len, int depth);

static int append_basic(sd_bus_message *m, char type, const char *text, size_t len)
{
        _cleanup_free_ char *s = unescape(text, len);
        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
        } v = {};

        switch (type) {
        case 's':
        case 'o':
        case 'g':
                return sd_bus_message_append_basic(m, type, s);
        case 'y':
                v.y = (uint8_t)strtoul(s, NULL, 0);
                break;
        case 'b':
                v.b = strtol(s, NULL, 0) != 0;
                break;
        case 'n':
                v.n = (int16_t)strtol(s, NULL, 0);
                break;
        case 'q':
                v.q = (uint16_t)strtoul(s, NULL, 0);
                break;
        case 'i':
                v.i = (int32_t)strtol(s, NULL, 0);
                break;
        case 'u':
                v.u = (uint32_t)strtoul(s, NULL, 0);
                break;
        case 'x':
                v.x = strtoll(s, NULL, 0);
                break;
        case 't':
                v.t = strtoull(s, NULL, 0);
                break;
        case 'd':
                v.d = strtod(s, NULL);
                break;
        default:
                return -EINVAL; /* h: no fds here */
        }
        return sd_bus_message_append_basic(m, type, &v);
}

static int append_items(sd_bus_message *m, const char *sig, size_t sig_len, const char *text,
                        size_t len, char sep, int depth)
{
        const char *p = text, *end = text + len;
        size_t off = 0;
        int r;

        while (off < sig_len) {
                size_t l = complete_type_len(sig + off);
                const char *q = item_end(p, end, sep);
                if (l == 0 || off + l > sig_len)
                        return -EINVAL;
                r = append_value(m, sig + off, l, p, (size_t)(q - p), depth + 1);
                if (r < 0)
                        return r;
                off += l;
                p = q < end ? q + 1 : end;
        }
        return 0;
}

static int append_value(sd_bus_message *m, const char *sig, size_t sig_len, const char *text,
                        size_t len, int depth)
{
        _cleanup_free_ char *inner = NULL;
        int r;

        if (depth > DEPTH_MAX || sig_len == 0)
                return -EINVAL;
        inner = strndup(sig + 1, sig_len - 1);
        if (!inner)
                abort();
        switch (sig[0]) {
        case 'a': {
                const char *p = text, *end = text + len;
                r = sd_bus_message_open_container(m, 'a', inner);
                while (r >= 0 && len > 0 && p <= end) {
                        const char *q = item_end(p, end, '|');
                        r = append_value(m, inner, sig_len - 1, p, (size_t)(q - p), depth + 1);
                        p = q + 1;
                }
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        case '(':
        case '{':
                if (sig_len < 2)
                        return -EINVAL;
                inner[sig_len - 2] = 0;
                r = sd_bus_message_open_container(m, sig[0] == '(' ? 'r' : 'e', inner);
                if (r >= 0)
                        r = append_items(m, inner, sig_len - 2, text, len,
                                         sig[0] == '(' ? ';' : '=', depth);
                return r < 0 ? r : sd_bus_message_close_container(m);
        case 'v': {
                const char *sp = memchr(text, ' ', len);
                size_t l = sp ? (size_t)(sp - text) : len;
                _cleanup_free_ char *vsig = strndup(text, l);
                if (!vsig)
                        abort();
                r = sd_bus_message_open_container(m, 'v', vsig);
                if (r >= 0)
                        r = append_value(m, vsig, l, sp ? sp + 1 : text + len, sp ? len - l - 1 : 0,
                                         depth + 1);
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        default:
                if (sig_len != 1)
                        return -EINVAL;
                return append_basic(m, sig[0], text, len);
        }
}

/* One "KEY SIGNATURE VALUE" line as an {sv} entry. */
static int append_option(sd_bus_message *m, const char *line)
{
        const char *sp1 = strchr(line, ' '), *sp2;
        _cleanup_free_ char *key = NULL, *sig = NULL;
        int r;

        key = unescape(line, sp1 ? (size_t)(sp1 - line) : strlen(line));
        if (!sp1)
                sig = strdup("s");
        else {
                sp2 = strchr(sp1 + 1, ' ');
                sig = strndup(sp1 + 1, sp2 ? (size_t)(sp2 - sp1 - 1) : strlen(sp1 + 1));
                line = sp2 ? sp2 + 1 : "";
        }
        if (!sig)
                abort();
        if (!sp1)
                line = "";
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 's', key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', sig);
        if (r >= 0)
                r = append_value(m, sig, strlen(sig), line, strlen(line), 0);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static sd_bus_message *build(char **lines)
{
        _cleanup_free_ char *name = NULL, *image = NULL;
        sd_bus_message *m = NULL;
        int r;

        if (strv_length(lines) < 2)
                return NULL;
        name = unescape(lines[0], strlen(lines[0]));
        image = unescape(lines[1], strlen(lines[1]));
        r = sd_bus_message_new_method_call(fuzz_bus(), &m, "org.berth1", "/org/berth1",
                                           "org.berth1.Manager", "CreateContainer");
        if (r < 0)
                abort();
        r = sd_bus_message_append(m, "ss", name, image);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (size_t i = 2; r >= 0 && lines[i]; i++)
                if (lines[i][0]) /* blank lines separate nothing */
                        r = append_option(m, lines[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_seal(m, 1, 0);
        if (r >= 0)
                r = sd_bus_message_rewind(m, true);
        if (r < 0)
                return sd_bus_message_unref(m); /* not a message: nothing to decode */
        return m;
}

static char **split_lines(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        char **l = NULL;
        size_t n = 0;

        /* empty lines count: an empty name asks for a generated one */
        for (char *p = text, *nl; p && n < LINES_MAX; p = nl ? nl + 1 : NULL, n++) {
                nl = strchr(p, '\n');
                if (nl)
                        *nl = 0;
                if (strv_extend(&l, p) < 0)
                        abort();
        }
        return l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        FuzzExpect expect;
        size_t skip = fuzz_expect_parse(data, size, &expect);
        _cleanup_strv_free_ char **lines = split_lines(data + skip, size - skip);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = build(lines);
        _cleanup_(container_record_freep) ContainerRecord *rec = NULL, *again = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *json = NULL, *json2 = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        const char *ref;
        int r;

        if (!m)
                return 0;
        r = container_create_args_read(m, &rec, &ref, &e);
        if (r < 0) {
                /* refused, with a reason for the client */
                fuzz_assert(r == -ENOMEM || sd_bus_error_has_name(&e, SD_BUS_ERROR_INVALID_ARGS));
                fuzz_assert(r == -ENOMEM || !isempty(e.message));
                fuzz_assert(!rec);
                fuzz_expect_check(&expect, false, e.message);
                return 0;
        }
        fuzz_expect_check(&expect, true, NULL);
        fuzz_assert(!sd_bus_error_is_set(&e));
        fuzz_assert(image_reference_is_plausible(ref));
        fuzz_assert(container_name_is_valid(rec->name));
        fuzz_assert(!rec->workdir || rec->workdir[0] == '/');
        STRV_FOREACH (s, rec->env)
                fuzz_assert(env_assignment_is_valid(*s));
        STRV_FOREACH (s, rec->volumes)
                fuzz_assert(volume_spec_is_valid(*s));
        /* berthd fills these before it saves the record */
        rec->image = strdup(ref);
        rec->image_id =
            strdup("sha256:0000000000000000000000000000000000000000000000000000000000000000");
        fuzz_assert(rec->image && rec->image_id);
        fuzz_assert(container_record_to_json(rec, &json) >= 0);
        fuzz_assert(container_record_from_json(json, &again) >= 0);
        fuzz_assert(container_record_to_json(again, &json2) >= 0);
        fuzz_assert(streq(json, json2));
        fuzz_assert(container_runtime_argv(rec, "/rt", "/store", &argv) >= 0);
        STRV_FOREACH (a, argv)
                fuzz_assert(!strpbrk(*a, "\n\r"));
        return 0;
}
