/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "netattach.h"
#include "network.h"
#include "strv.h"

const char *const container_net_etc_files[3] = {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname"};

void container_net_done(ContainerNet *n)
{
        free(n->network);
        free(n->ip);
        strv_free(n->publish);
        strv_free(n->dns);
        strv_free(n->dns_search);
        strv_free(n->dns_option);
        strv_free(n->add_host);
        free(n->state_dir);
        free(n->run_dir);
        *n = (ContainerNet){};
}

void container_net_free(ContainerNet *n)
{
        if (!n)
                return;
        container_net_done(n);
        free(n);
}

bool container_net_name_is_valid(const char *name)
{
        return streq(name, NETWORK_DEFAULT_NAME) || network_name_is_valid(name);
}

static int context_open(const char *state_dir, const char *run_dir, NetworkContext **ret)
{
        _cleanup_(network_context_freep) NetworkContext *ctx = NULL;
        int r;

        r = network_context_new(NULL, &ctx);
        if (r < 0)
                return log_error_errno(r, "read the network configuration");
        if (state_dir) {
                free(ctx->state_dir);
                if (!(ctx->state_dir = strdup(state_dir)))
                        return log_oom();
        }
        if (run_dir) {
                free(ctx->run_dir);
                if (!(ctx->run_dir = strdup(run_dir)))
                        return log_oom();
        }
        *ret = TAKE_PTR(ctx);
        return 0;
}

int container_net_attach(ContainerNet *n, const char *container, const char *hostname, pid_t pid,
                         char *files[3])
{
        _cleanup_(network_context_freep) NetworkContext *ctx = NULL;
        _cleanup_(network_attachment_freep) NetworkAttachment *att = NULL;
        NetworkSpec spec = {
            .network = n->network,
            .container = container,
            .hostname = hostname,
            .ip = n->ip,
            .publish = n->publish,
            .dns = n->dns,
            .dns_search = n->dns_search,
            .dns_option = n->dns_option,
            .add_host = n->add_host,
        };
        int r;

        r = context_open(n->state_dir, n->run_dir, &ctx);
        if (r < 0)
                return r;
        r = network_attach(ctx, &spec, pid, &att);
        if (r < 0)
                return r; /* logged by the library, nothing left attached */
        n->attached = true;
        files[0] = strdup(att->hosts_path);
        files[1] = strdup(att->resolv_conf_path);
        files[2] = strdup(att->hostname_path);
        if (!files[0] || !files[1] || !files[2]) {
                for (int i = 0; i < 3; i++) {
                        free(files[i]);
                        files[i] = NULL;
                }
                (void)network_detach(ctx, container);
                n->attached = false;
                return log_oom();
        }
        return 0;
}

int container_net_detach(const char *state_dir, const char *run_dir, const char *container)
{
        _cleanup_(network_context_freep) NetworkContext *ctx = NULL;
        int r;

        /* Every cleanup calls this: without the run directory nothing was
         * ever attached, and the library need not be set up. */
        if (access(run_dir ?: BERTH_RUNDIR "/network", F_OK) < 0 && errno == ENOENT)
                return 0;
        r = context_open(state_dir, run_dir, &ctx);
        if (r < 0)
                return r;
        return network_detach(ctx, container); /* logs its errors */
}
