/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "generator.h"
#include "log.h"
#include "strv.h"

void generator_decls_free(Generator *g);

void generator_init(Generator *g)
{
        *g = (Generator){
            .runtime_path = BERTH_RUNTIME_PATH,
            .berthctl_path = BINDIR "/berthctl",
            .netns_path = BERTH_LIBEXECDIR "/berth-netns",
            .state_dir = BERTH_STATEDIR,
            .output_fd = -EBADF,
        };
}

static void outputs_drop(Generator *g, size_t from)
{
        for (size_t k = from; k < g->n_outputs; k++) {
                free(g->outputs[k].name);
                free(g->outputs[k].text);
                free(g->outputs[k].target);
        }
        g->n_outputs = from;
}

void generator_done(Generator *g)
{
        generator_decls_free(g);
        for (size_t i = 0; i < g->n_pulls; i++) {
                free(g->pulls[i].image);
                free(g->pulls[i].unit_name);
        }
        free(g->pulls);
        free(g->pull_slots);
        outputs_drop(g, 0);
        free(g->outputs);
        strv_free(g->search_paths);
        strv_free(g->made_dirs);
        if (g->output_fd >= 0)
                close(g->output_fd);
        *g = (Generator){0};
}

static int add_output(Generator *g, const char *name, char *text, const char *target)
{
        Output *o;

        if (g->n_outputs == g->cap_outputs) {
                size_t c = g->cap_outputs ? g->cap_outputs * 2 : 64;
                Output *n = reallocarray(g->outputs, c, sizeof(Output));
                if (!n) {
                        free(text);
                        return -ENOMEM;
                }
                g->outputs = n;
                g->cap_outputs = c;
        }
        o = &g->outputs[g->n_outputs];
        *o = (Output){.name = strdup(name), .text = text, .target = target ? strdup(target) : NULL};
        if (!o->name || (target && !o->target) || (!target && !text)) {
                free(o->name);
                free(o->text);
                free(o->target);
                return -ENOMEM;
        }
        g->n_outputs++;
        return 0;
}

int generator_add_unit(Generator *g, const char *name, char *text)
{
        return add_output(g, name, text, NULL);
}

int generator_add_symlink(Generator *g, const char *name, const char *target)
{
        return add_output(g, name, NULL, target);
}

static void outputs_flush(Generator *g);

void generator_convert_all(Generator *g)
{
        for (size_t i = 0; i < g->n_decls; i++) {
                Decl *d = &g->decls[i];
                size_t mark = g->n_outputs;
                int r = 0;

                if (!d->selected || d->failed || !d->unit)
                        continue;
                switch (d->kind) {
                case DECL_CONTAINER:
                        r = convert_container(g, d);
                        break;
                case DECL_VOLUME:
                        r = convert_volume(g, d);
                        break;
                case DECL_IMAGE:
                        r = convert_image(g, d);
                        break;
                case DECL_SOCKET:
                        r = convert_socket(g, d);
                        break;
                case DECL_NETWORK:
                        r = convert_network(g, d);
                        break;
                default:
                        r = decl_fail(g, d, NULL, "not supported by berth: .%s files",
                                      decl_kind_to_string(d->kind));
                }
                if (r < 0 || d->failed) {
                        /* Nothing of a failed declaration is written. */
                        outputs_drop(g, mark);
                        if (!d->failed)
                                (void)decl_fail(g, d, NULL, "no unit generated");
                }
                if (g->streaming)
                        outputs_flush(g);
        }
        if (pull_units_emit(g) < 0)
                g->n_failed++;
        if (g->streaming)
                outputs_flush(g);
}

/* Creates the directories of name below dfd, once each per run. */
static int mkdir_parents_at(int dfd, const char *name, char ***made)
{
        _cleanup_free_ char *p = strdup(name);

        if (!p)
                return -ENOMEM;
        for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                if (!strv_contains(*made, p)) {
                        if (mkdirat(dfd, p, 0755) < 0 && errno != EEXIST)
                                return negative_errno();
                        if (strv_extend(made, p) < 0)
                                return -ENOMEM;
                }
                *s = '/';
        }
        return 0;
}

static int symlink_atomic_at(int dfd, const char *target, const char *name)
{
        _cleanup_free_ char *tmp = NULL;
        char cur[4096];
        ssize_t n;

        if (symlinkat(target, dfd, name) == 0)
                return 0;
        if (errno != EEXIST)
                return negative_errno();
        n = readlinkat(dfd, name, cur, sizeof(cur) - 1);
        if (n >= 0) {
                cur[n] = 0;
                if (streq(cur, target))
                        return 0;
        }
        {
                const char *slash = strrchr(name, '/');
                if (asprintf(&tmp, "%.*s%s.#%s.%d", slash ? (int)(slash - name + 1) : 0, name, "",
                             slash ? slash + 1 : name, (int)getpid()) < 0)
                        return -ENOMEM;
        }
        (void)unlinkat(dfd, tmp, 0);
        if (symlinkat(target, dfd, tmp) < 0)
                return negative_errno();
        if (renameat(dfd, tmp, dfd, name) < 0) {
                int r = negative_errno();
                (void)unlinkat(dfd, tmp, 0);
                return r;
        }
        return 0;
}

static int output_print(const Output *o)
{
        if (o->text)
                printf("---%s---\n%s\n", o->name, o->text);
        else
                printf("---%s -> %s---\n\n", o->name, o->target);
        return 0;
}

static int output_write(Generator *g, const Output *o)
{
        int r = mkdir_parents_at(g->output_fd, o->name, &g->made_dirs);

        /* Atomic, not fsynced: the output is on tmpfs and rebuilt on every
         * boot and daemon-reload. */
        if (r >= 0)
                r = o->text ? write_file_atomic_at_flags(g->output_fd, o->name, o->text,
                                                         strlen(o->text), 0644,
                                                         WRITE_FILE_MODE_FROM_UMASK)
                            : symlink_atomic_at(g->output_fd, o->target, o->name);
        if (r < 0)
                return log_error_errno(r, "cannot write %s/%s", g->output_dir, o->name);
        return 0;
}

/* Writes or prints the pending outputs, in order, and frees them. */
static void outputs_flush(Generator *g)
{
        for (size_t i = 0; i < g->n_outputs; i++) {
                int r = g->dry_run ? output_print(&g->outputs[i]) : output_write(g, &g->outputs[i]);
                if (r < 0 && g->write_error >= 0)
                        g->write_error = r;
        }
        outputs_drop(g, 0);
}

static int output_open(Generator *g)
{
        if (g->dry_run || g->output_fd >= 0)
                return 0;
        /* Units are 0644 whatever umask systemd or a shell gave us. */
        umask(0022);
        g->output_fd = open(g->output_dir, O_DIRECTORY | O_CLOEXEC | O_RDONLY);
        if (g->output_fd < 0)
                return log_error_errno(errno, "cannot open output directory %s", g->output_dir);
        return 0;
}

int generator_write(Generator *g)
{
        int r = output_open(g);

        if (r < 0)
                return r;
        outputs_flush(g);
        if (g->dry_run && fflush(stdout) != 0 && g->write_error >= 0)
                g->write_error = negative_errno();
        return g->write_error;
}

int generator_run(Generator *g, char **files)
{
        int r;

        generator_find(g);
        if (files && files[0])
                generator_select_files(g, files);
        generator_load(g);
        r = output_open(g);
        g->streaming = r >= 0;
        /* Even without an output directory, the declarations' own errors
         * are worth reporting. */
        generator_convert_all(g);
        if (r >= 0)
                r = generator_write(g);
        if (r < 0 || g->n_failed > 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}
