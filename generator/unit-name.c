/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "unit-name.h"

static const char *const kind_names[_DECL_KIND_MAX] = {
    [DECL_CONTAINER] = "container", [DECL_VOLUME] = "volume",     [DECL_IMAGE] = "image",
    [DECL_NETWORK] = "network",     [DECL_POD] = "pod",           [DECL_KUBE] = "kube",
    [DECL_BUILD] = "build",         [DECL_ARTIFACT] = "artifact", [DECL_SOCKET] = "socket",
};

static const char *const kind_sections[_DECL_KIND_MAX] = {
    [DECL_CONTAINER] = "Container", [DECL_VOLUME] = "Volume",     [DECL_IMAGE] = "Image",
    [DECL_NETWORK] = "Network",     [DECL_POD] = "Pod",           [DECL_KUBE] = "Kube",
    [DECL_BUILD] = "Build",         [DECL_ARTIFACT] = "Artifact", [DECL_SOCKET] = "Socket",
};

const char *decl_kind_to_string(DeclKind k)
{
        return k >= 0 && k < _DECL_KIND_MAX ? kind_names[k] : NULL;
}

const char *decl_kind_section(DeclKind k)
{
        return k >= 0 && k < _DECL_KIND_MAX ? kind_sections[k] : NULL;
}

DeclKind decl_kind_from_filename(const char *name)
{
        const char *dot = strrchr(name, '.');

        if (!dot || dot == name)
                return _DECL_KIND_INVALID;
        for (int k = 0; k < _DECL_KIND_MAX; k++)
                if (streq(dot + 1, kind_names[k]))
                        return (DeclKind)k;
        return _DECL_KIND_INVALID;
}

bool unit_name_split_instance(const char *filename, char **ret_prefix, char **ret_instance)
{
        const char *at = strchr(filename, '@');
        const char *dot = strrchr(filename, '.');

        if (!at || !dot || dot < at)
                return false;
        if (ret_prefix) {
                *ret_prefix = strndup(filename, at - filename);
                if (!*ret_prefix)
                        return false;
        }
        if (ret_instance) {
                *ret_instance = strndup(at + 1, dot - at - 1);
                if (!*ret_instance) {
                        if (ret_prefix)
                                free(*ret_prefix);
                        return false;
                }
        }
        return true;
}

/* base is the name without suffix; the kind's infix goes before any "@". */
static char *service_name_for(const char *base, const char *infix)
{
        const char *at = strchr(base, '@');
        char *s = NULL;

        if (at) {
                if (asprintf(&s, "%.*s%s%s.service", (int)(at - base), base, infix, at) < 0)
                        return NULL;
        } else if (asprintf(&s, "%s%s.service", base, infix) < 0)
                return NULL;
        return s;
}

char *decl_service_name(const char *filename, DeclKind k)
{
        const char *dot = strrchr(filename, '.');
        _cleanup_free_ char *base = NULL, *infix = NULL;

        if (!dot)
                return NULL;
        if (k == DECL_SOCKET)
                return strdup(filename);
        base = strndup(filename, dot - filename);
        if (!base)
                return NULL;
        if (k == DECL_CONTAINER || k == DECL_KUBE)
                return service_name_for(base, "");
        if (asprintf(&infix, "-%s", decl_kind_to_string(k)) < 0)
                return NULL;
        return service_name_for(base, infix);
}

char *decl_service_name_from(const char *service_base, const char *filename)
{
        _cleanup_free_ char *prefix = NULL, *instance = NULL;
        char *s = NULL;

        /* ServiceName= of a template keeps the instance part of the file name. */
        if (unit_name_split_instance(filename, &prefix, &instance)) {
                if (asprintf(&s, "%s@%s.service", service_base, instance) < 0)
                        return NULL;
                return s;
        }
        if (asprintf(&s, "%s.service", service_base) < 0)
                return NULL;
        return s;
}

bool unit_name_valid(const char *name, bool allow_specifiers)
{
        size_t len = strlen(name);
        const char *dot = strrchr(name, '.');

        if (len == 0 || len > 255 || name[0] == '.' || !dot || dot == name || !dot[1])
                return false;
        if (strstr(name, ".."))
                return false;
        for (const char *c = name; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || strchr(":_.@-\\", *c) ||
                      (allow_specifiers && *c == '%')))
                        return false;
        return true;
}
