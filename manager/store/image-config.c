/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-config.h"
#include "macro.h"
#include "store-internal.h"
#include "strv.h"

void image_config_done(ImageConfig *c)
{
        strv_free(c->entrypoint);
        strv_free(c->cmd);
        strv_free(c->env);
        free(c->user);
        free(c->workdir);
        free(c->stop_signal);
        strv_free(c->exposed_ports);
        strv_free(c->labels);
        strv_free(c->volumes);
        free(c->architecture);
        free(c->os);
        free(c->created);
        *c = (ImageConfig){};
}

static int dup_string(json_t *o, const char *key, char **ret)
{
        json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return -EBADMSG;
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

/* {"80/tcp": {}} -> ["80/tcp"] */
static int object_keys(json_t *o, char ***ret)
{
        const char *k;
        json_t *v;

        *ret = NULL;
        if (!o || json_is_null(o))
                return 0;
        if (!json_is_object(o))
                return -EBADMSG;
        json_object_foreach(o, k, v)
        {
                if (strv_extend(ret, k) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* {"k": "v"} -> ["k=v"] */
static int object_pairs(json_t *o, char ***ret)
{
        const char *k;
        json_t *v;

        *ret = NULL;
        if (!o || json_is_null(o))
                return 0;
        if (!json_is_object(o))
                return -EBADMSG;
        json_object_foreach(o, k, v)
        {
                char *p;
                if (!json_is_string(v))
                        return -EBADMSG;
                if (asprintf(&p, "%s=%s", k, json_string_value(v)) < 0 || strv_consume(ret, p) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int image_config_from_oci(json_t *root, ImageConfig *ret)
{
        _cleanup_(image_config_done) ImageConfig c = {};
        json_t *cfg;
        int r;

        if (!json_is_object(root))
                return -EBADMSG;
        cfg = json_object_get(root, "config");
        if (cfg && !json_is_null(cfg)) {
                if (!json_is_object(cfg))
                        return -EBADMSG;
                if ((r = json_to_strv(json_object_get(cfg, "Entrypoint"), &c.entrypoint)) < 0 ||
                    (r = json_to_strv(json_object_get(cfg, "Cmd"), &c.cmd)) < 0 ||
                    (r = json_to_strv(json_object_get(cfg, "Env"), &c.env)) < 0 ||
                    (r = dup_string(cfg, "User", &c.user)) < 0 ||
                    (r = dup_string(cfg, "WorkingDir", &c.workdir)) < 0 ||
                    (r = dup_string(cfg, "StopSignal", &c.stop_signal)) < 0 ||
                    (r = object_keys(json_object_get(cfg, "ExposedPorts"), &c.exposed_ports)) < 0 ||
                    (r = object_pairs(json_object_get(cfg, "Labels"), &c.labels)) < 0 ||
                    (r = object_keys(json_object_get(cfg, "Volumes"), &c.volumes)) < 0)
                        return r;
        }
        if ((r = dup_string(root, "architecture", &c.architecture)) < 0 ||
            (r = dup_string(root, "os", &c.os)) < 0 ||
            (r = dup_string(root, "created", &c.created)) < 0)
                return r;
        *ret = c;
        c = (ImageConfig){};
        return 0;
}

static int set_strv(json_t *o, const char *key, char *const *l)
{
        if (!l)
                return 0;
        return json_object_set_new(o, key, strv_to_json(l));
}

static int set_string(json_t *o, const char *key, const char *v)
{
        if (!v)
                return 0;
        return json_object_set_new(o, key, json_string(v));
}

json_t *image_config_to_json(const ImageConfig *c)
{
        json_t *o = json_object();

        if (!o)
                return NULL;
        if (set_strv(o, "entrypoint", c->entrypoint) < 0 || set_strv(o, "cmd", c->cmd) < 0 ||
            set_strv(o, "env", c->env) < 0 || set_string(o, "user", c->user) < 0 ||
            set_string(o, "workdir", c->workdir) < 0 ||
            set_string(o, "stop_signal", c->stop_signal) < 0 ||
            set_strv(o, "exposed_ports", c->exposed_ports) < 0 ||
            set_strv(o, "labels", c->labels) < 0 || set_strv(o, "volumes", c->volumes) < 0 ||
            set_string(o, "architecture", c->architecture) < 0 || set_string(o, "os", c->os) < 0 ||
            set_string(o, "created", c->created) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

int image_config_from_json(json_t *o, ImageConfig *ret)
{
        _cleanup_(image_config_done) ImageConfig c = {};
        int r;

        if (!json_is_object(o))
                return -EBADMSG;
        if ((r = json_to_strv(json_object_get(o, "entrypoint"), &c.entrypoint)) < 0 ||
            (r = json_to_strv(json_object_get(o, "cmd"), &c.cmd)) < 0 ||
            (r = json_to_strv(json_object_get(o, "env"), &c.env)) < 0 ||
            (r = dup_string(o, "user", &c.user)) < 0 ||
            (r = dup_string(o, "workdir", &c.workdir)) < 0 ||
            (r = dup_string(o, "stop_signal", &c.stop_signal)) < 0 ||
            (r = json_to_strv(json_object_get(o, "exposed_ports"), &c.exposed_ports)) < 0 ||
            (r = json_to_strv(json_object_get(o, "labels"), &c.labels)) < 0 ||
            (r = json_to_strv(json_object_get(o, "volumes"), &c.volumes)) < 0 ||
            (r = dup_string(o, "architecture", &c.architecture)) < 0 ||
            (r = dup_string(o, "os", &c.os)) < 0 || (r = dup_string(o, "created", &c.created)) < 0)
                return r;
        *ret = c;
        c = (ImageConfig){};
        return 0;
}
