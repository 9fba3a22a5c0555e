/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A .conf file of registries.d, then lookups of the hosts it named. */
#include "fuzz.h"
#include "registry-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        RegistryConfig *c = calloc(1, sizeof(RegistryConfig));
        char *s = fuzz_string(data, size);

        if (!c)
                abort();
        if (registry_config_parse(c, s, "fuzz.conf") >= 0)
                for (size_t i = 0; i < c->n_hosts; i++) {
                        fuzz_assert(c->hosts[i].host);
                        fuzz_assert(registry_config_host(c, c->hosts[i].host));
                }
        (void)registry_config_add_insecure(c, "localhost:5000");
        (void)registry_config_host(c, "docker.io");
        registry_config_free(c);
        free(s);
        return 0;
}
