/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "generator.h"
#include "log.h"

/* "web.socket" beside "web.container" activates web.service. systemd does
 * not look in /etc/berth, so the socket is linked into the output directory
 * as it is, and its [Install] section is emulated like a container's. */
int convert_socket(Generator *g, Decl *d)
{
        int r;

        if (!unit_file_find_section(d->unit, "Socket"))
                return decl_fail(g, d, NULL, "a .socket file needs a [Socket] section");
        r = generator_add_symlink(g, d->filename, d->path);
        if (r < 0)
                return log_oom();
        return install_emulate(g, d, d->unit);
}
