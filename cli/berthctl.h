/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* Exit codes, as systemctl uses them (LSB) */
#define EXIT_OK           0
#define EXIT_FAIL         1
#define EXIT_USAGE        2
#define EXIT_NOPERMISSION 4  /* access denied, as systemctl start */
#define EXIT_UNKNOWN      4  /* no such object, as systemctl status of a unit that does not exist */
#define EXIT_NOTINSTALLED 5  /* no such object, as systemctl start/stop/kill of such a unit */
#define EXIT_UNREACHABLE  75 /* EX_TEMPFAIL: registry not reachable (yet) */

typedef struct Ctl {
        sd_bus *bus; /* to berthd, opened on first use */
        bool json;
        bool ask_password;  /* allow interactive polkit authorization */
        int status;         /* exit status of the first failure, 0: none classified yet */
        int exit_not_found; /* EXIT_NOTINSTALLED; EXIT_UNKNOWN for queries */
} Ctl;

typedef int (*VerbFn)(Ctl *ctl, int argc, char **argv);

int ctl_bus(Ctl *ctl, sd_bus **ret);
/* Records the exit status of a failure, unless an earlier one was recorded. */
void ctl_fail(Ctl *ctl, int status);
/* Prints "berthctl: what: message", records the exit status its D-Bus error
 * (or local error r) stands for and returns a negative errno. */
int ctl_error(Ctl *ctl, const sd_bus_error *e, int r, const char *what);
/* A method call on the Manager; reply may be NULL. */
int ctl_call(Ctl *ctl, const char *method, sd_bus_message **reply, const char *what,
             const char *types, ...);
int ctl_new_call(Ctl *ctl, const char *method, sd_bus_message **ret);
int ctl_send(Ctl *ctl, sd_bus_message *m, sd_bus_message **reply, const char *what);

/* Without -i a container's stdin is /dev/null, as with docker. */
int stdin_from_null(void);

/* verbs, by file */
int verb_images(Ctl *ctl, int argc, char **argv);
int verb_rmi(Ctl *ctl, int argc, char **argv);
int verb_pull(Ctl *ctl, int argc, char **argv);
int verb_ps(Ctl *ctl, int argc, char **argv);
int verb_start(Ctl *ctl, int argc, char **argv);
int verb_stop(Ctl *ctl, int argc, char **argv);
int verb_restart(Ctl *ctl, int argc, char **argv);
int verb_kill(Ctl *ctl, int argc, char **argv);
int verb_rm(Ctl *ctl, int argc, char **argv);
int verb_inspect(Ctl *ctl, int argc, char **argv);
int verb_create(Ctl *ctl, int argc, char **argv);
int verb_run(Ctl *ctl, int argc, char **argv);
int verb_logs(Ctl *ctl, int argc, char **argv);
int verb_exec(Ctl *ctl, int argc, char **argv);

/* Pulls ref through berthd, showing progress; quiet: no progress. */
int pull_image(Ctl *ctl, const char *ref, bool quiet);
int run_transfer(Ctl *ctl, sd_bus_message *call, const char *label, bool quiet, char ***ret_images);
int verb_load(Ctl *ctl, int argc, char **argv);
int verb_save(Ctl *ctl, int argc, char **argv);
