/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auth.json (containers-auth.json format): credentials looked up for a few
 * hosts. Found credentials come as a pair. */
#include "fuzz.h"
#include "registry-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const hosts[] = {"docker.io", "localhost:5000", "registry.example.com",
                                            "[::1]:5000", "quay.io"};

        for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
                char *user = NULL, *password = NULL;

                if (auth_json_lookup((const char *)data, size, hosts[i], &user, &password, NULL) >=
                    0)
                        fuzz_assert(!user == !password);
                free(user);
                free(password);
        }
        return 0;
}
