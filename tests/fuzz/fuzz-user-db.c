/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An image's /etc/passwd and /etc/group and a User= spec. The input is
 * SPEC \0 PASSWD \0 GROUP \0 GROUP_ADD \0 GROUP_ADD; a missing part is an
 * absent file (or no extra group). */
#include "fuzz.h"
#include "user-db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf, *parts[5];
        char *group_add[3] = {NULL, NULL, NULL};
        ExecUser u = {0};

        fuzz_split(data, size, &buf, parts, 5);
        group_add[0] = parts[3];
        group_add[1] = parts[3] ? parts[4] : NULL;
        if (exec_user_resolve(parts[0], group_add, parts[1], parts[2], &u) >= 0) {
                fuzz_assert(u.home);
                fuzz_assert(u.n_groups == 0 || u.groups);
                exec_user_done(&u);
        }
        free(buf);
        return 0;
}
