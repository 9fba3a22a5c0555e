/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "split.h"

#define PODMAN   "it configures podman"
#define REGISTRY "registry settings live in /etc/berth/registries.d and /etc/berth/auth.json"
#define PLATFORM "berth pulls the host's platform"

static const KeyInfo image_keys[] = {
    {"Image", KEY_SUPPORTED, NULL},
    {"ImageTag", KEY_SUPPORTED, NULL},
    {"Policy", KEY_SUPPORTED, NULL},
    {"ServiceName", KEY_SUPPORTED, NULL},
    {"Retry", KEY_IGNORED, "a failed pull is retried by starting the unit again"},
    {"RetryDelay", KEY_IGNORED, "a failed pull is retried by starting the unit again"},
    {"AllTags", KEY_UNSUPPORTED, "berth pulls one reference"},
    {"Arch", KEY_UNSUPPORTED, PLATFORM},
    {"OS", KEY_UNSUPPORTED, PLATFORM},
    {"Variant", KEY_UNSUPPORTED, PLATFORM},
    {"AuthFile", KEY_UNSUPPORTED, REGISTRY},
    {"CertDir", KEY_UNSUPPORTED, REGISTRY},
    {"Creds", KEY_UNSUPPORTED, REGISTRY},
    {"TLSVerify", KEY_UNSUPPORTED, REGISTRY},
    {"DecryptionKey", KEY_UNSUPPORTED, "encrypted images are not supported"},
    {"ContainersConfModule", KEY_UNSUPPORTED, PODMAN},
    {"GlobalArgs", KEY_UNSUPPORTED, PODMAN},
    {"PodmanArgs", KEY_UNSUPPORTED, PODMAN},
    {NULL, 0, NULL},
};

const char *image_ref_of(const Decl *d)
{
        const char *tag = unit_file_lookup(d->unit, "Image", "ImageTag");
        const char *img = unit_file_lookup(d->unit, "Image", "Image");

        return !isempty(tag) ? tag : !isempty(img) ? img : NULL;
}

int convert_image(Generator *g, Decl *d)
{
        _cleanup_unit_file_ UnitFile *service = NULL;
        _cleanup_free_ char *image = NULL, *policy = NULL;
        _cleanup_strbuf_ StrBuf b = STRBUF_INIT;
        const UnitEntry *ie, *pe;
        PullPolicy p = PULL_MISSING;
        int r;

        r = decl_check_keys(g, d, image_keys);
        if (r < 0)
                return r;
        if (decl_get_string(d, "Image", &image, &ie) < 0 ||
            decl_get_string(d, "Policy", &policy, &pe) < 0)
                return log_oom();
        if (isempty(image))
                return decl_fail(g, d, NULL, "no Image key specified");
        for (const unsigned char *c = (const unsigned char *)image; *c; c++)
                if (*c <= ' ' || *c == '"' || *c == '\'' || *c == '\\' || image[0] == '-')
                        return decl_fail(g, d, ie, "'%s' is not an image reference", image);
        if (!isempty(policy)) {
                p = pull_policy_from_string(policy);
                if (p < 0 || p == PULL_NEVER)
                        return decl_fail(g, d, pe,
                                         "'%s' is not a pull policy: use always, missing or "
                                         "newer",
                                         policy);
        }

        r = service_init(g, d, &service);
        if (r < 0)
                return r;
        pull_exec_start(g, &b, image, p);
        if (strbuf_failed(&b) || unit_file_set(service, "Service", "Type", "oneshot") < 0 ||
            unit_file_set(service, "Service", "RemainAfterExit", "yes") < 0 ||
            unit_file_add(service, "Service", "ExecStart", b.s) < 0 ||
            unit_file_add(service, "Unit", "RequiresMountsFor", g->state_dir) < 0)
                return log_oom();
        /* A slow registry delays what needs the image instead of failing it. */
        if (!unit_file_has_key(service, "Service", "TimeoutStartSec") &&
            unit_file_set(service, "Service", "TimeoutStartSec", "infinity") < 0)
                return log_oom();
        if (!unit_file_has_key(service, "Service", "SyslogIdentifier") &&
            unit_file_set(service, "Service", "SyslogIdentifier", "%N") < 0)
                return log_oom();
        return service_finish(g, d, service);
}
