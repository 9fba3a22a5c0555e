/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "log.h"
#include "store-internal.h"

int store_import_archive(Store *s, const char *path, const char *name, char ***ret_ids)
{
        return log_error_errno(EOPNOTSUPP, "Import %s: not yet", path);
}

int store_export_archive(Store *s, const char *ref_or_id, const char *path)
{
        return log_error_errno(EOPNOTSUPP, "Export %s: not yet", ref_or_id);
}
