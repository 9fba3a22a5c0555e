/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Runs the generator in-process the way systemd would run the binary, with
 * its messages going to a file (or nowhere), for the generator's tests. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fileio.h"

#include "generator.h"
#include "log.h"
#include "strv.h"

/* Temporary directories of a test, removed at exit even when a CHECK fails. */
static char *gen_test_dirs[8];

static inline void gen_test_cleanup(void)
{
        for (size_t i = 0; i < ELEMENTSOF(gen_test_dirs) && gen_test_dirs[i]; i++)
                (void)rm_rf(gen_test_dirs[i]);
}

static inline char *gen_test_mkdtemp(char *tmpl)
{
        size_t i = 0;

        if (!mkdtemp(tmpl))
                return NULL;
        while (i < ELEMENTSOF(gen_test_dirs) - 1 && gen_test_dirs[i])
                i++;
        if (i == 0)
                atexit(gen_test_cleanup);
        gen_test_dirs[i] = tmpl;
        return tmpl;
}

typedef struct GenTestRun {
        const char *const *search_paths; /* NULL-terminated */
        const char *output_dir;
        const char *stderr_path; /* NULL: /dev/null */
        const char *stub;        /* runtime, berthctl and berth-netns path, or NULL */
        unsigned n_failed;       /* out */
} GenTestRun;

static inline int gen_test_run(GenTestRun *t)
{
        Generator g;
        int saved, fd, r;

        fflush(stderr);
        saved = dup(STDERR_FILENO);
        fd = open(t->stderr_path ? t->stderr_path : "/dev/null",
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (saved < 0 || fd < 0)
                return -errno;
        dup2(fd, STDERR_FILENO);
        close(fd);

        log_setup("berth-generator", LOG_TARGET_STDERR);
        generator_init(&g);
        g.output_dir = t->output_dir;
        if (t->stub)
                g.runtime_path = g.berthctl_path = g.netns_path = t->stub;
        r = 0;
        for (const char *const *p = t->search_paths; *p && r >= 0; p++)
                r = strv_extend(&g.search_paths, *p);
        if (r >= 0)
                r = generator_run(&g, NULL);
        t->n_failed = g.n_failed;
        generator_done(&g);

        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        return r;
}
