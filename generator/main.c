/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "generator.h"
#include "log.h"
#include "strv.h"

static void help(void)
{
        printf("Usage: berth-generator [OPTIONS] NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
               "       berth-generator --dry-run [OPTIONS] [FILE...]\n"
               "\n"
               "Turns berth declarations (*.container, *.volume, *.image, *.network) into systemd\n"
               "units.\n"
               "\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "  -n --dry-run           Print the units and errors instead of writing them\n"
               "     --search-path=DIR   Search DIR instead of %s and %s (repeatable)\n"
               "     --no-kmsg           Do not copy errors to the kernel log\n"
               "  -v --verbose           Log debug messages\n"
               "\n"
               "The environment variable BERTH_GENERATOR_PATHS (DIR:DIR…) also sets the search\n"
               "path. See berth-generator(8) and berth.container(5).\n",
               BERTH_CONFDIR, BERTH_VENDORDIR);
}

int main(int argc, char *argv[])
{
        enum { ARG_VERSION = 0x100, ARG_SEARCH_PATH, ARG_NO_KMSG };
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, ARG_VERSION},
            {"dry-run", no_argument, NULL, 'n'},
            {"search-path", required_argument, NULL, ARG_SEARCH_PATH},
            {"no-kmsg", no_argument, NULL, ARG_NO_KMSG},
            {"verbose", no_argument, NULL, 'v'},
            {},
        };
        Generator g;
        bool kmsg = true, verbose = false;
        const char *env;
        int c, r;

        generator_init(&g);
        while ((c = getopt_long(argc, argv, "hnv", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        generator_done(&g);
                        return EXIT_SUCCESS;
                case ARG_VERSION:
                        printf("berth-generator %s\n", PACKAGE_VERSION);
                        generator_done(&g);
                        return EXIT_SUCCESS;
                case 'n':
                        g.dry_run = true;
                        break;
                case ARG_SEARCH_PATH:
                        if (strv_extend(&g.search_paths, optarg) < 0)
                                goto oom;
                        break;
                case ARG_NO_KMSG:
                        kmsg = false;
                        break;
                case 'v':
                        verbose = true;
                        break;
                default:
                        generator_done(&g);
                        return 2;
                }
        }

        /* At boot nobody reads a generator's stderr: errors also go to the
         * kernel log, from where the journal picks them up. */
        log_setup("berth-generator",
                  kmsg && !g.dry_run ? LOG_TARGET_STDERR_AND_KMSG : LOG_TARGET_STDERR);
        if (verbose)
                log_set_max_level(LOG_DEBUG);

        env = getenv("BERTH_GENERATOR_PATHS");
        if (!g.search_paths && !isempty(env)) {
                _cleanup_free_ char *dup = strdup(env);
                char *save = NULL;
                if (!dup)
                        goto oom;
                for (char *p = strtok_r(dup, ":", &save); p; p = strtok_r(NULL, ":", &save))
                        if (strv_extend(&g.search_paths, p) < 0)
                                goto oom;
        }

        /* Absolute, because paths in declarations resolve against them and
         * SourcePath= must name the file wherever systemd runs. */
        STRV_FOREACH (p, g.search_paths) {
                char *abs = realpath(*p, NULL);
                if (abs) {
                        free(*(char **)p);
                        *(char **)p = abs;
                }
        }

        if (g.dry_run) {
                char **files = argv + optind;
                bool missing = false;

                /* A file that is not there would make its directory (or
                 * "/") a search path and convert nothing. */
                STRV_FOREACH (f, files) {
                        struct stat st;

                        if (stat(*f, &st) < 0) {
                                log_error_errno(errno, "%s", *f);
                                missing = true;
                        } else if (!S_ISREG(st.st_mode)) {
                                log_error("%s: not a declaration file", *f);
                                missing = true;
                        }
                }
                if (missing) {
                        generator_done(&g);
                        return 1;
                }
                /* Named files are searched where they are, so that their
                 * drop-ins and the declarations they depend on are found. */
                STRV_FOREACH (f, files) {
                        const char *slash = strrchr(*f, '/');
                        _cleanup_free_ char *rel =
                            slash ? strndup(*f, slash == *f ? 1 : slash - *f) : strdup(".");
                        _cleanup_free_ char *dir = rel ? realpath(rel, NULL) : NULL;
                        if (!dir)
                                continue;
                        if (!strv_contains(g.search_paths, dir) &&
                            strv_extend(&g.search_paths, dir) < 0)
                                goto oom;
                }
                if (!g.search_paths && (strv_extend(&g.search_paths, BERTH_CONFDIR) < 0 ||
                                        strv_extend(&g.search_paths, BERTH_VENDORDIR) < 0))
                        goto oom;
                r = generator_run(&g, files);
                generator_done(&g);
                return r;
        }

        if (argc - optind < 1 || argc - optind > 3) {
                log_error("expected 1 or 3 output directories, got %d (see --help)", argc - optind);
                generator_done(&g);
                return 2;
        }
        /* Declared containers are ordinary services: the normal directory. */
        g.output_dir = argv[optind];
        if (!g.search_paths && (strv_extend(&g.search_paths, BERTH_CONFDIR) < 0 ||
                                strv_extend(&g.search_paths, BERTH_VENDORDIR) < 0))
                goto oom;
        r = generator_run(&g, NULL);
        generator_done(&g);
        return r;
oom:
        log_oom();
        generator_done(&g);
        return EXIT_FAILURE;
}
