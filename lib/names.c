/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "macro.h"
#include "names.h"

/* ASCII only, whatever the locale says isalnum() is */
static bool ascii_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool object_name_is_valid(const char *s, size_t max, const char *extra)
{
        size_t n;

        if (isempty(s))
                return false;
        n = strlen(s);
        if (n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                bool ok = ascii_alnum(s[i]) || (extra && strchr(extra, s[i]));

                if (!ok && (i == 0 || !strchr("_.-", s[i])))
                        return false;
        }
        return true;
}

bool container_name_is_valid(const char *s)
{
        return object_name_is_valid(s, CONTAINER_NAME_MAX, NULL);
}

bool network_name_is_reserved(const char *s)
{
        static const char *const reserved[] = {"bridge",  "host",      "none", "default",
                                               "private", "container", "ns"};

        for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
                if (streq(s, reserved[i]))
                        return true;
        return false;
}

bool network_name_is_valid(const char *s)
{
        return object_name_is_valid(s, NETWORK_NAME_MAX, NULL) && !network_name_is_reserved(s);
}

bool volume_name_is_valid(const char *s)
{
        return object_name_is_valid(s, VOLUME_NAME_MAX, NULL);
}
