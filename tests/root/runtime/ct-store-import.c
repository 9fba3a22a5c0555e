/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ct-store-import STORE ARCHIVE NAME: loads an image archive into a store,
 * so the runtime's --image test has something to resolve. */
#include <stdio.h>

#include "log.h"
#include "store.h"
#include "strv.h"

int main(int argc, char **argv)
{
        _cleanup_(store_freep) Store *s = NULL;
        _cleanup_strv_free_ char **ids = NULL;
        int r;

        if (argc != 4) {
                fprintf(stderr, "usage: ct-store-import STORE ARCHIVE NAME\n");
                return 2;
        }
        r = store_open(argv[1], &s);
        if (r < 0)
                return log_error_errno(r, "open store %s", argv[1]), 1;
        r = store_import_archive(s, argv[2], argv[3], &ids);
        if (r < 0)
                return log_error_errno(r, "import %s", argv[2]), 1;
        printf("%s\n", ids && ids[0] ? ids[0] : "");
        return 0;
}
