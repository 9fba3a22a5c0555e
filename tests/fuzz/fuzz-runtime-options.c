/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime's option parsers, as `berth-runtime run` gets them from a
 * unit's ExecStart= (and the generator from a declaration): --volume,
 * --mount, --tmpfs, --ulimit, --sysctl, --cap-add. The first byte picks the
 * parser. A named volume is made below the volumes dir and nowhere else. */
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "limits.h"
#include "mount-opts.h"
#include "security.h"

static char *base, *volumes;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        base = fuzz_tmpdir("options");
        if (asprintf(&volumes, "%s/volumes", base) < 0 || mkdir(volumes, 0755) < 0)
                abort();
        return 0;
}

static void check_mount(const MountSpec *m)
{
        fuzz_assert(m->destination && m->destination[0] == '/');
        /* "--volume DST" alone: an anonymous volume, whose source the
         * runtime picks below the container's own directory */
        if (m->kind == MOUNT_BIND && !m->source)
                fuzz_assert(m->create_source);
        else if (m->kind == MOUNT_BIND) {
                fuzz_assert(m->source[0] == '/');
                if (strncmp(m->source, base, strlen(base)) == 0)
                        fuzz_assert(strncmp(m->source, volumes, strlen(volumes)) == 0 &&
                                    m->source[strlen(volumes)] == '/');
        }
        /* fs data is one mount(2) option string: each option came in alone. */
        fuzz_assert(!m->data || (m->data[0] != ',' && !strstr(m->data, ",,")));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        MountSpec m = {.tree_fd = -EBADF};
        Rlimit rl;
        uint64_t mask;
        char *s;

        if (!base)
                LLVMFuzzerInitialize(NULL, NULL);
        if (size < 1)
                return 0;
        s = fuzz_string(data + 1, size - 1);
        switch (data[0] % 7) {
        case 0:
                if (volume_parse(s, volumes, &m) >= 0) {
                        check_mount(&m);
                        fuzz_assert(m.kind == MOUNT_BIND);
                        mount_spec_done_static(&m);
                }
                break;
        case 1:
                if (mount_parse(s, volumes, &m) >= 0) {
                        check_mount(&m);
                        mount_spec_done_static(&m);
                }
                break;
        case 2:
                if (tmpfs_parse(s, &m) >= 0) {
                        check_mount(&m);
                        mount_spec_done_static(&m);
                }
                break;
        case 3:
                if (rlimit_parse(s, &rl) >= 0)
                        fuzz_assert(rl.resource >= 0 && rl.resource < RLIM_NLIMITS &&
                                    rl.limit.rlim_cur <= rl.limit.rlim_max);
                break;
        case 4:
                (void)sysctl_check(s, false);
                (void)sysctl_check(s, true);
                break;
        case 5:
                if (caps_parse_list(s, &mask) >= 0)
                        fuzz_assert((mask & ~caps_all()) == 0);
                break;
        case 6: {
                int c = cap_from_name(s);
                if (c >= 0)
                        fuzz_assert(c <= cap_last_known() && cap_to_name(c));
                break;
        }
        }
        free(s);
        /* Named volumes land in volumes/ only; clear them for the next input. */
        fuzz_assert(fuzz_count_entries(base) == 1);
        fuzz_assert(fuzz_empty_dir(volumes) == 0);
        return 0;
}
