/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-util.h"
#include "macro.h"
#include "strv.h"

int json_to_strv(json_t *a, char ***ret)
{
        _cleanup_strv_free_ char **l = NULL;
        json_t *v;
        size_t i;

        *ret = NULL;
        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a))
                return -EBADMSG;
        json_array_foreach(a, i, v)
        {
                if (!json_is_string(v))
                        return -EBADMSG;
                if (strv_extend(&l, json_string_value(v)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

json_t *strv_to_json(char *const *l)
{
        json_t *a = json_array();

        if (!a)
                return NULL;
        STRV_FOREACH (s, l)
                if (json_array_append_new(a, json_string(*s)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}
