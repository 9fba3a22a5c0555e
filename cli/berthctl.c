/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthctl: the command-line client of berthd (org.berth1). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "berthctl.h"
#include "log.h"
#include "macro.h"

static const struct {
        const char *name;
        VerbFn fn;
        const char *summary;
} verbs[] = {
    {"images", verb_images, "List images"},
    {"pull", verb_pull, "Pull an image from a registry"},
    {"rmi", verb_rmi, "Remove images"},
    {"load", verb_load, "Load images from an archive"},
    {"save", verb_save, "Save an image as an archive"},
    {"ps", verb_ps, "List containers"},
    {"create", verb_create, "Create a container"},
    {"run", verb_run, "Run a container"},
    {"start", verb_start, "Start containers"},
    {"stop", verb_stop, "Stop containers"},
    {"restart", verb_restart, "Restart containers"},
    {"kill", verb_kill, "Send a signal to containers"},
    {"rm", verb_rm, "Remove containers"},
    {"exec", verb_exec, "Run a command in a running container"},
    {"logs", verb_logs, "Show a container's output"},
    {"inspect", verb_inspect, "Show containers or images as JSON"},
};

static void help(void)
{
        printf("berthctl [OPTIONS] COMMAND [ARGS...]\n\n"
               "Manage berth images and containers through berthd (org.berth1).\n\n"
               "Options:\n"
               "  -h --help          Show this help\n"
               "     --version       Show the version\n"
               "     --json          Listings as JSON\n"
               "     --no-ask-password  Do not ask for authentication\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-10s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nSee berthctl(1) and \"berthctl COMMAND --help\".\n");
}

int stdin_from_null(void)
{
        int fd = open("/dev/null", O_RDONLY);

        if (fd == STDIN_FILENO)
                return 0;
        if (fd < 0 || dup2(fd, STDIN_FILENO) < 0) {
                int r = -errno;
                fprintf(stderr, "berthctl: cannot detach stdin: %m\n");
                if (fd >= 0)
                        close(fd);
                return r;
        }
        close(fd);
        return 0;
}

/* r >= 0 is the verb's own status (a foreground run's container). A failure
 * is what ctl_fail() recorded; otherwise -EINVAL is the verbs' usage error
 * and anything else a plain failure. */
static int exit_code(const Ctl *ctl, int r)
{
        if (r >= 0)
                return r;
        if (ctl->status > 0)
                return ctl->status;
        return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

int main(int argc, char **argv)
{
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_NO_ASK };
        static const struct option options[] = {
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, ARG_VERSION},
            {"json", no_argument, NULL, ARG_JSON},
            {"no-ask-password", no_argument, NULL, ARG_NO_ASK},
            {},
        };
        Ctl ctl = {.ask_password = true, .exit_not_found = EXIT_NOTINSTALLED};
        int c, r;

        /* only the character set matters (table widths); the other
         * categories would cost a dozen file reads on every run */
        setlocale(LC_CTYPE, "");
        log_setup("berthctl", LOG_TARGET_STDERR);
        /* "+": options after the command belong to the command */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("berthctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_JSON:
                        ctl.json = true;
                        break;
                case ARG_NO_ASK:
                        ctl.ask_password = false;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc) {
                help();
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[optind], verbs[i].name)) {
                        argc -= optind;
                        argv += optind;
                        optind = 0; /* reset getopt for the verb */
                        r = verbs[i].fn(&ctl, argc, argv);
                        sd_bus_flush_close_unref(ctl.bus);
                        return exit_code(&ctl, r);
                }
        fprintf(stderr, "berthctl: unknown command \"%s\"; see berthctl --help\n", argv[optind]);
        return EXIT_USAGE;
}
