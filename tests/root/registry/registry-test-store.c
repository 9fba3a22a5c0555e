/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test helper for the registry root tests, through the store's public API:
 *   registry-test-store ROOT layers REF   layer directories, bottom first
 *   registry-test-store ROOT check        store_check(); exit 1 on problems
 *   registry-test-store ROOT images       number of images
 *   registry-test-store ROOT pull-twice REGISTRY REF1 REF2
 *       two pulls at once in one process (threads), sharing one Registry */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "registry.h"
#include "strv.h"

typedef struct Twin {
        Registry *registry;
        Store *store;
        const char *ref;
        int r;
        char *error;
} Twin;

static void *pull_one(void *userdata)
{
        Twin *t = userdata;
        PullContext *p = NULL;

        t->r = pull_context_new(t->registry, &p);
        if (t->r >= 0)
                t->r = registry_pull(p, t->store, t->ref, NULL, NULL, NULL, NULL);
        if (t->r < 0 && p && pull_context_error(p))
                t->error = strdup(pull_context_error(p));
        pull_context_free(p);
        return NULL;
}

static int pull_twice(Store *s, const char *host, const char *ref1, const char *ref2)
{
        _cleanup_(registry_freep) Registry *reg = NULL;
        Twin t[2] = {{.store = s, .ref = ref1}, {.store = s, .ref = ref2}};
        pthread_t th[2];
        int r;

        r = registry_new(&(RegistryPaths){.config_dir = "/nonexistent",
                                          .auth_file = "/nonexistent",
                                          .certs_dir = "/nonexistent"},
                         &reg);
        if (r < 0 || registry_add_insecure(reg, host) < 0)
                return 1;
        for (int i = 0; i < 2; i++) {
                t[i].registry = reg;
                pthread_create(&th[i], NULL, pull_one, &t[i]);
        }
        for (int i = 0; i < 2; i++) {
                pthread_join(th[i], NULL);
                if (t[i].r < 0)
                        log_error("%s: %s", t[i].ref, strna(t[i].error));
                free(t[i].error);
        }
        return t[0].r < 0 || t[1].r < 0;
}

int main(int argc, char **argv)
{
        _cleanup_(store_freep) Store *s = NULL;
        int r;

        log_setup("registry-test-store", LOG_TARGET_STDERR);
        if (argc < 3)
                return 2;
        r = store_open(argv[1], &s);
        if (r < 0)
                return log_error_errno(r, "open store %s", argv[1]), 1;
        if (streq(argv[2], "layers") && argc == 4) {
                _cleanup_(image_freep) Image *img = NULL;
                r = store_image_resolve(s, argv[3], &img);
                if (r < 0)
                        return log_error_errno(r, "resolve %s", argv[3]), 1;
                STRV_FOREACH (d, img->layer_dirs)
                        printf("%s\n", *d);
                return 0;
        }
        if (streq(argv[2], "check")) {
                _cleanup_strv_free_ char **problems = NULL;
                r = store_check(s, &problems);
                if (r < 0)
                        return log_error_errno(r, "check"), 1;
                STRV_FOREACH (p, problems)
                        printf("%s\n", *p);
                return r > 0;
        }
        if (streq(argv[2], "images")) {
                Image **list = NULL;
                size_t n = 0;
                r = store_image_list(s, &list, &n);
                if (r < 0)
                        return log_error_errno(r, "list"), 1;
                printf("%zu\n", n);
                for (size_t i = 0; i < n; i++)
                        image_free(list[i]);
                free(list);
                return 0;
        }
        if (streq(argv[2], "pull-twice") && argc == 6)
                return pull_twice(s, argv[3], argv[4], argv[5]);
        return 2;
}
