/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd's container record (STATE/containers/NAME/config.json), as
 * container_record_from_json() reads it at every berthd start. What it
 * accepts must be as valid as what CreateContainer accepts, write itself
 * back unchanged, and give a runtime command line without line breaks. */
#include "container-record.h"
#include "fuzz.h"
#include "macro.h"
#include "strv.h"

static void assert_valid(const ContainerRecord *c)
{
        fuzz_assert(container_name_is_valid(c->name));
        fuzz_assert(container_id_is_valid(c->id));
        fuzz_assert(c->image && c->image_id);
        fuzz_assert(c->restart >= 0 && c->restart < _RESTART_MAX);
        fuzz_assert(!c->workdir || c->workdir[0] == '/');
        STRV_FOREACH (e, c->env)
                fuzz_assert(env_assignment_is_valid(*e));
        STRV_FOREACH (v, c->volumes)
                fuzz_assert(volume_spec_is_valid(*v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(container_record_freep) ContainerRecord *c = NULL, *again = NULL;
        FuzzExpect expect;
        size_t skip = fuzz_expect_parse(data, size, &expect);
        _cleanup_free_ char *text = fuzz_string(data + skip, size - skip), *json = NULL,
                            *json2 = NULL;
        _cleanup_strv_free_ char **argv = NULL, **cleanup = NULL;

        if (container_record_from_json(text, &c) < 0) {
                fuzz_expect_check(&expect, false, NULL);
                return 0;
        }
        fuzz_expect_check(&expect, true, NULL);
        assert_valid(c);
        /* round trip: what was accepted is written and read back the same */
        fuzz_assert(container_record_to_json(c, &json) >= 0);
        fuzz_assert(container_record_from_json(json, &again) >= 0);
        fuzz_assert(container_record_to_json(again, &json2) >= 0);
        fuzz_assert(streq(json, json2));
        /* the ExecStart= and ExecStopPost= lines berthd writes from it */
        fuzz_assert(container_runtime_argv(c, "/rt", "/store", &argv) >= 0);
        fuzz_assert(container_cleanup_argv(c, "/rt", "/store", &cleanup) >= 0);
        STRV_FOREACH (a, argv)
                fuzz_assert(!strpbrk(*a, "\n\r"));
        return 0;
}
