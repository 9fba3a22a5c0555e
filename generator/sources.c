/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "generator.h"
#include "log.h"
#include "strv.h"

/* Deeper trees than this are not searched: nothing legitimate nests so far,
 * and it bounds the walk when a directory is hostile. */
#define SEARCH_DEPTH_MAX 8

typedef struct Found {
        Decl *decls;
        size_t n, cap;
        DropinDir *dirs;
        size_t n_dirs, cap_dirs;
} Found;

static bool ends_with(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

static int cmp_typed_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

static int add_decl(Found *f, const char *dir, const char *name, DeclKind kind)
{
        Decl *d;

        if (f->n == f->cap) {
                size_t c = f->cap ? f->cap * 2 : 64;
                Decl *n = reallocarray(f->decls, c, sizeof(Decl));
                if (!n)
                        return -ENOMEM;
                f->decls = n;
                f->cap = c;
        }
        d = &f->decls[f->n];
        *d = (Decl){.kind = kind, .selected = true};
        d->filename = strdup(name);
        d->dir = strdup(dir);
        if (!d->filename || !d->dir || asprintf(&d->path, "%s/%s", dir, name) < 0) {
                free(d->filename);
                free(d->dir);
                return -ENOMEM;
        }
        f->n++;
        return 0;
}

static int add_dropin_dir(Found *f, const char *dir, const char *name, size_t root)
{
        DropinDir *dd;

        if (f->n_dirs == f->cap_dirs) {
                size_t c = f->cap_dirs ? f->cap_dirs * 2 : 16;
                DropinDir *n = reallocarray(f->dirs, c, sizeof(DropinDir));
                if (!n)
                        return -ENOMEM;
                f->dirs = n;
                f->cap_dirs = c;
        }
        dd = &f->dirs[f->n_dirs];
        *dd = (DropinDir){.root = root, .seq = f->n_dirs, .name = strdup(name)};
        if (!dd->name || asprintf(&dd->path, "%s/%s", dir, name) < 0) {
                free(dd->name);
                return -ENOMEM;
        }
        f->n_dirs++;
        return 0;
}

static int walk(Found *f, const char *dir, size_t root, unsigned depth)
{
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        size_t n, cap = 0;
        struct dirent *de;
        int r;

        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT && depth == 0)
                        return 0;
                return log_warning_errno(errno, "cannot open %s, skipping", dir);
        }
        n = 0;
        while ((de = readdir(d))) {
                size_t len;
                char *e;

                if (de->d_name[0] == '.')
                        continue;
                /* Doubling, not strv_consume(): a directory may hold
                 * thousands of declarations. */
                if (n + 1 >= cap) {
                        size_t c = cap ? cap * 2 : 64;
                        char **nl = reallocarray(names, c, sizeof(char *));
                        if (!nl)
                                return log_oom();
                        names = nl;
                        cap = c;
                }
                /* The entry's type rides along in front of its name. */
                len = strlen(de->d_name);
                e = malloc(len + 2);
                if (!e)
                        return log_oom();
                e[0] = (char)de->d_type;
                memcpy(e + 1, de->d_name, len + 1);
                names[n++] = e;
                names[n] = NULL;
        }
        /* Sorted, so that a name clash inside one tree is decided the same
         * way on every run. */
        if (n > 0)
                qsort(names, n, sizeof(char *), cmp_typed_name);

        for (size_t i = 0; i < n; i++) {
                const char *name = names[i] + 1;
                unsigned char type = (unsigned char)names[i][0];
                DeclKind k = decl_kind_from_filename(name);
                struct stat st;

                if (k < 0 && !ends_with(name, ".d") && depth >= SEARCH_DEPTH_MAX)
                        continue;
                /* The directory entry's type saves a stat per file; only
                 * symlinks (an instance may link to its template) and
                 * file systems without d_type need one. */
                if (type == DT_REG)
                        st.st_mode = S_IFREG;
                else if (type == DT_DIR)
                        st.st_mode = S_IFDIR;
                else if (fstatat(dirfd(d), name, &st, 0) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_free_ char *sub = NULL;

                        if (asprintf(&sub, "%s/%s", dir, name) < 0)
                                return log_oom();
                        if (ends_with(name, ".d")) {
                                r = add_dropin_dir(f, dir, name, root);
                                if (r < 0)
                                        return log_oom();
                                continue;
                        }
                        if (depth < SEARCH_DEPTH_MAX) {
                                /* A symlinked directory could loop: only real ones. */
                                struct stat lst;
                                if (fstatat(dirfd(d), name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
                                    S_ISDIR(lst.st_mode))
                                        (void)walk(f, sub, root, depth + 1);
                        }
                        continue;
                }
                if (k < 0 || !S_ISREG(st.st_mode))
                        continue;
                r = add_decl(f, dir, name, k);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

static int cmp_decl(const void *a, const void *b)
{
        return strcmp(((const Decl *)a)->filename, ((const Decl *)b)->filename);
}

static int cmp_dropin_dir(const void *a, const void *b)
{
        const DropinDir *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        if (x->root != y->root)
                return x->root < y->root ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void decl_done(Decl *d)
{
        free(d->filename);
        free(d->path);
        free(d->dir);
        free(d->service_name);
        unit_file_free(d->unit);
}

int generator_find(Generator *g)
{
        Found f = {0};
        size_t j = 0;

        for (size_t i = 0; g->search_paths && g->search_paths[i]; i++)
                if (walk(&f, g->search_paths[i], i, 0) == -ENOMEM)
                        break;

        /* Stable order: by name, then by search priority (walk order), so the
         * first of equal names is the one that wins. */
        for (size_t i = 0; i < f.n; i++)
                f.decls[i].order = i;
        if (f.n > 0)
                qsort(f.decls, f.n, sizeof(Decl), cmp_decl);
        for (size_t i = 0; i < f.n; i++) {
                size_t best = i;
                size_t e = i;
                while (e + 1 < f.n && streq(f.decls[e + 1].filename, f.decls[i].filename))
                        e++;
                for (size_t k = i; k <= e; k++)
                        if (f.decls[k].order < f.decls[best].order)
                                best = k;
                for (size_t k = i; k <= e; k++)
                        if (k != best) {
                                log_debug("%s is overridden by %s", f.decls[k].path,
                                          f.decls[best].path);
                                decl_done(&f.decls[k]);
                        }
                f.decls[j] = f.decls[best];
                j++;
                i = e;
        }
        g->decls = f.decls;
        g->n_decls = j;
        /* By name, for a binary search per declaration and candidate. */
        if (f.n_dirs > 0)
                qsort(f.dirs, f.n_dirs, sizeof(DropinDir), cmp_dropin_dir);
        g->dropin_dirs = f.dirs;
        g->n_dropin_dirs = f.n_dirs;
        return 0;
}

int generator_select_files(Generator *g, char **files)
{
        for (size_t i = 0; i < g->n_decls; i++) {
                Decl *d = &g->decls[i];
                char real_a[PATH_MAX], real_b[PATH_MAX];

                d->selected = false;
                STRV_FOREACH (f, files) {
                        if (streq(*f, d->path) ||
                            (realpath(*f, real_a) && realpath(d->path, real_b) &&
                             streq(real_a, real_b)))
                                d->selected = true;
                }
        }
        return 0;
}

const Decl *generator_find_decl(const Generator *g, const char *filename)
{
        Decl key = {.filename = (char *)filename};

        if (g->n_decls == 0)
                return NULL;
        return bsearch(&key, g->decls, g->n_decls, sizeof(Decl), cmp_decl);
}

/* The drop-in directory names that apply to a file, most specific last:
 * "container.d", then each dash prefix ("foo-.container.d" for
 * foo-bar.container), then the template's, then the file's own. */
static int dropin_candidates(const Decl *d, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        const char *suffix = decl_kind_to_string(d->kind);
        _cleanup_free_ char *stem = NULL, *prefix = NULL, *instance = NULL;
        char *s;
        int r;

        stem = strndup(d->filename, strlen(d->filename) - strlen(suffix) - 1);
        if (!stem)
                return -ENOMEM;
        if (asprintf(&s, "%s.d", suffix) < 0 || (r = strv_consume(&l, s)) < 0)
                return -ENOMEM;
        for (const char *dash = strchr(stem, '-'); dash; dash = strchr(dash + 1, '-')) {
                if (asprintf(&s, "%.*s-.%s.d", (int)(dash - stem), stem, suffix) < 0 ||
                    strv_consume(&l, s) < 0)
                        return -ENOMEM;
        }
        if (unit_name_split_instance(d->filename, &prefix, &instance) && !isempty(instance)) {
                if (asprintf(&s, "%s@.%s.d", prefix, suffix) < 0 || strv_consume(&l, s) < 0)
                        return -ENOMEM;
        }
        if (asprintf(&s, "%s.d", d->filename) < 0 || strv_consume(&l, s) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

typedef struct Dropin {
        char *name;
        char *path;
} Dropin;

static int cmp_dropin(const void *a, const void *b)
{
        return strcmp(((const Dropin *)a)->name, ((const Dropin *)b)->name);
}

/* Reads a drop-in directory's "*.conf" names, once. */
static int dropin_dir_list(DropinDir *dd)
{
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;
        size_t n = 0, cap = 0;

        if (dd->listed)
                return 0;
        dd->listed = true;
        dir = opendir(dd->path);
        if (!dir)
                return 0;
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.' || !ends_with(de->d_name, ".conf"))
                        continue;
                if (n + 1 >= cap) {
                        size_t c = cap ? cap * 2 : 8;
                        char **nl = reallocarray(dd->confs, c, sizeof(char *));
                        if (!nl)
                                return -ENOMEM;
                        dd->confs = nl;
                        cap = c;
                }
                dd->confs[n] = strdup(de->d_name);
                if (!dd->confs[n])
                        return -ENOMEM;
                dd->confs[++n] = NULL;
        }
        return 0;
}

/* The first drop-in directory named name, or g->n_dropin_dirs. */
static size_t dropin_dir_first(const Generator *g, const char *name)
{
        size_t lo = 0, hi = g->n_dropin_dirs;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(g->dropin_dirs[mid].name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static int collect_dropins(Generator *g, const Decl *d, Dropin **ret, size_t *ret_n)
{
        _cleanup_strv_free_ char **cands = NULL;
        Dropin *l = NULL;
        size_t n = 0, cap = 0, nc;
        int r;

        r = dropin_candidates(d, &cands);
        if (r < 0)
                return r;
        nc = strv_length(cands);
        /* Search paths in priority order, and in each the most specific
         * directory first: the first drop-in of a given name wins. */
        for (size_t root = 0; g->search_paths && g->search_paths[root]; root++)
                for (size_t c = nc; c-- > 0;)
                        for (size_t k = dropin_dir_first(g, cands[c]);
                             k < g->n_dropin_dirs && streq(g->dropin_dirs[k].name, cands[c]); k++) {
                                DropinDir *dd = &g->dropin_dirs[k];

                                if (dd->root != root)
                                        continue;
                                if (dropin_dir_list(dd) < 0)
                                        goto oom;
                                STRV_FOREACH (conf, dd->confs) {
                                        bool seen = false;

                                        for (size_t i = 0; i < n; i++)
                                                if (streq(l[i].name, *conf))
                                                        seen = true;
                                        if (seen)
                                                continue;
                                        if (n == cap) {
                                                size_t nc2 = cap ? cap * 2 : 8;
                                                Dropin *nl = reallocarray(l, nc2, sizeof(Dropin));
                                                if (!nl)
                                                        goto oom;
                                                l = nl;
                                                cap = nc2;
                                        }
                                        l[n].name = strdup(*conf);
                                        if (!l[n].name ||
                                            asprintf(&l[n].path, "%s/%s", dd->path, *conf) < 0) {
                                                free(l[n].name);
                                                goto oom;
                                        }
                                        n++;
                                }
                        }
        if (n > 0)
                qsort(l, n, sizeof(Dropin), cmp_dropin);
        *ret = l;
        *ret_n = n;
        return 0;
oom:
        for (size_t i = 0; i < n; i++) {
                free(l[i].name);
                free(l[i].path);
        }
        free(l);
        return -ENOMEM;
}

static int decl_load(Generator *g, Decl *d)
{
        _cleanup_unit_file_ UnitFile *u = NULL;
        Dropin *dropins = NULL;
        size_t n = 0;
        int r;

        u = unit_file_new();
        if (!u)
                return log_oom();
        r = unit_file_load(u, d->path);
        if (r < 0)
                return r;
        /* A .socket is systemd's own unit: systemd reads its drop-ins. */
        if (g->n_dropin_dirs > 0 && d->kind != DECL_SOCKET) {
                r = collect_dropins(g, d, &dropins, &n);
                if (r < 0)
                        return log_oom();
        }
        for (size_t i = 0; i < n; i++) {
                if (r >= 0)
                        r = unit_file_load(u, dropins[i].path);
                free(dropins[i].name);
                free(dropins[i].path);
        }
        free(dropins);
        if (r < 0)
                return r;
        d->unit = TAKE_PTR(u);
        return 0;
}

void generator_load(Generator *g)
{
        for (size_t i = 0; i < g->n_decls; i++) {
                Decl *d = &g->decls[i];
                const char *sn;

                /* Every declaration is loaded, selected or not: the others
                 * are needed to translate dependencies on them. A file that
                 * does not parse fails alone. */
                if (decl_load(g, d) < 0) {
                        d->failed = true;
                        if (d->selected)
                                g->n_failed++;
                        continue;
                }
                sn = unit_file_lookup(d->unit, decl_kind_section(d->kind), "ServiceName");
                if (!isempty(sn) &&
                    (d->kind == DECL_CONTAINER || d->kind == DECL_VOLUME || d->kind == DECL_IMAGE ||
                     d->kind == DECL_NETWORK || d->kind == DECL_POD || d->kind == DECL_KUBE ||
                     d->kind == DECL_BUILD || d->kind == DECL_ARTIFACT))
                        d->service_name = decl_service_name_from(sn, d->filename);
                else
                        d->service_name = decl_service_name(d->filename, d->kind);
                if (!d->service_name) {
                        log_oom();
                        d->failed = true;
                        if (d->selected)
                                g->n_failed++;
                        continue;
                }
                if (!unit_name_valid(d->service_name, false)) {
                        (void)decl_fail(
                            g, d,
                            unit_file_last(d->unit, decl_kind_section(d->kind), "ServiceName"),
                            "'%s' is not a valid unit name", d->service_name);
                        continue;
                }
        }
}

void generator_decls_free(Generator *g);
void generator_decls_free(Generator *g)
{
        for (size_t i = 0; i < g->n_decls; i++)
                decl_done(&g->decls[i]);
        free(g->decls);
        for (size_t i = 0; i < g->n_dropin_dirs; i++) {
                free(g->dropin_dirs[i].name);
                free(g->dropin_dirs[i].path);
                strv_free(g->dropin_dirs[i].confs);
        }
        free(g->dropin_dirs);
        g->decls = NULL;
        g->dropin_dirs = NULL;
        g->n_decls = g->n_dropin_dirs = 0;
}
