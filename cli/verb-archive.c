/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* load and save: image archives (OCI layout or docker save) through berthd's
 * ImportImage and ExportImage, which read and write the fd we pass. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "berthctl.h"
#include "macro.h"
#include "strv.h"

int verb_load(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"input", required_argument, NULL, 'i'},
            {"name", required_argument, NULL, 'n'},
            {"quiet", no_argument, NULL, 'q'},
            {},
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_strv_free_ char **images = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *input = NULL, *name = "";
        bool quiet = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "+hi:q", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl load [-q|--quiet] [-i|--input FILE] [--name NAME]\n\n"
                               "Load images from an OCI layout or docker save archive (default:\n"
                               "standard input). --name names the image instead of the archive;\n"
                               "-q: no progress and no names of the loaded images.\n");
                        return 0;
                case 'i':
                        input = optarg;
                        break;
                case 'n':
                        name = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "berthctl: load: unexpected argument %s\n", argv[optind]);
                return -EINVAL;
        }
        if (!input && isatty(STDIN_FILENO)) {
                fprintf(stderr, "berthctl: load: give -i FILE or an archive on standard input\n");
                return -EINVAL;
        }
        fd = input ? open(input, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
        if (fd < 0) {
                fprintf(stderr, "berthctl: load: %s: %m\n", input ?: "standard input");
                return -errno;
        }
        r = ctl_new_call(ctl, "ImportImage", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "hs", fd, name);
        if (r < 0)
                return ctl_error(ctl, NULL, r, "load");
        r = run_transfer(ctl, m, "load", quiet, &images);
        if (r < 0)
                return r;
        if (!quiet)
                STRV_FOREACH (i, images)
                        printf("Loaded image: %s\n", *i);
        return 0;
}

int verb_save(Ctl *ctl, int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'},
            {"output", required_argument, NULL, 'o'},
            {},
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *output = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "+ho:", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("berthctl save [-o|--output FILE] IMAGE\n\n"
                               "Write IMAGE as an OCI layout tar archive (default: standard\n"
                               "output). With -o, progress goes to standard output.\n");
                        return 0;
                case 'o':
                        output = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "berthctl: save: give exactly one image\n");
                return -EINVAL;
        }
        if (!output && isatty(STDOUT_FILENO)) {
                fprintf(stderr, "berthctl: save: refusing to write an archive to a terminal; "
                                "use -o FILE\n");
                return -EINVAL;
        }
        fd = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                    : dup(STDOUT_FILENO);
        if (fd < 0) {
                fprintf(stderr, "berthctl: save: %s: %m\n", output ?: "standard output");
                return -errno;
        }
        r = ctl_new_call(ctl, "ExportImage", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "sh", argv[optind], fd);
        if (r < 0)
                return ctl_error(ctl, NULL, r, "save");
        /* our copy must not keep a pipe reader waiting after berthd is done */
        fd = safe_close(fd);
        /* progress only where it cannot mix with the archive */
        return run_transfer(ctl, m, "save", !output, NULL);
}
