/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container.h"

#define SUPPORTED(k)                                                                               \
        {                                                                                          \
                k, KEY_SUPPORTED, NULL                                                             \
        }
#define HEALTH  "health checks are not run by berth"
#define SELINUX "berth does not apply SELinux labels"
#define USERNS  "user namespaces are not supported yet"
#define NETWORK "network aliases, IPv6 and exposed ports are not implemented"
#define PODMAN  "it passes podman command-line options"

/* Every key of Quadlet's [Container] section, and what berth does with it. */
const KeyInfo container_keys[] = {
    SUPPORTED("AddCapability"),
    SUPPORTED("AddDevice"),
    SUPPORTED("Annotation"),
    SUPPORTED("AppArmor"), /* unconfined only, checked by value */
    SUPPORTED("ContainerName"),
    SUPPORTED("DropCapability"),
    SUPPORTED("Entrypoint"),
    SUPPORTED("Environment"),
    SUPPORTED("EnvironmentFile"),
    SUPPORTED("EnvironmentHost"),
    SUPPORTED("Exec"),
    SUPPORTED("Group"),
    SUPPORTED("GroupAdd"),
    SUPPORTED("HostName"),
    SUPPORTED("Image"),
    SUPPORTED("Label"),
    SUPPORTED("Memory"),
    SUPPORTED("Mount"),
    SUPPORTED("Network"), /* none, host and bridge, checked by value */
    SUPPORTED("AddHost"),
    SUPPORTED("DNS"),
    SUPPORTED("DNSOption"),
    SUPPORTED("DNSSearch"),
    SUPPORTED("IP"),
    SUPPORTED("PublishPort"),
    SUPPORTED("NoNewPrivileges"),
    SUPPORTED("Notify"),
    SUPPORTED("PidsLimit"),
    SUPPORTED("Pod"), /* checked by value: pods are refused with a reason */
    SUPPORTED("Pull"),
    SUPPORTED("ReadOnly"),
    SUPPORTED("ReadOnlyTmpfs"),
    SUPPORTED("ReloadCmd"),
    SUPPORTED("ReloadSignal"),
    SUPPORTED("Rootfs"),
    SUPPORTED("RunInit"),
    SUPPORTED("SeccompProfile"),
    SUPPORTED("ServiceName"),
    SUPPORTED("ShmSize"),
    SUPPORTED("StopSignal"),
    SUPPORTED("StopTimeout"),
    SUPPORTED("Sysctl"),
    SUPPORTED("Timezone"),
    SUPPORTED("Tmpfs"),
    SUPPORTED("Ulimit"),
    SUPPORTED("User"),
    SUPPORTED("Volume"),
    SUPPORTED("VolatileTmp"),
    SUPPORTED("WorkingDir"),

    {"AutoUpdate", KEY_IGNORED, "automatic image updates are not implemented"},
    {"CgroupsMode", KEY_IGNORED, "systemd owns the unit's cgroup"},
    {"HealthCmd", KEY_IGNORED, HEALTH},
    {"HealthInterval", KEY_IGNORED, HEALTH},
    {"HealthLogDestination", KEY_IGNORED, HEALTH},
    {"HealthMaxLogCount", KEY_IGNORED, HEALTH},
    {"HealthMaxLogSize", KEY_IGNORED, HEALTH},
    {"HealthOnFailure", KEY_IGNORED, HEALTH},
    {"HealthRetries", KEY_IGNORED, HEALTH},
    {"HealthStartPeriod", KEY_IGNORED, HEALTH},
    {"HealthStartupCmd", KEY_IGNORED, HEALTH},
    {"HealthStartupInterval", KEY_IGNORED, HEALTH},
    {"HealthStartupRetries", KEY_IGNORED, HEALTH},
    {"HealthStartupSuccess", KEY_IGNORED, HEALTH},
    {"HealthStartupTimeout", KEY_IGNORED, HEALTH},
    {"HealthTimeout", KEY_IGNORED, HEALTH},
    {"HttpProxy", KEY_IGNORED, "proxy variables are not copied; set them with Environment="},
    {"LogDriver", KEY_IGNORED, "output always goes to the journal"},
    {"LogOpt", KEY_IGNORED, "output always goes to the journal"},
    {"Retry", KEY_IGNORED, "pulls are retried by restarting the pull unit"},
    {"RetryDelay", KEY_IGNORED, "pulls are retried by restarting the pull unit"},
    {"SecurityLabelDisable", KEY_IGNORED, SELINUX},
    {"SecurityLabelFileType", KEY_IGNORED, SELINUX},
    {"SecurityLabelLevel", KEY_IGNORED, SELINUX},
    {"SecurityLabelNested", KEY_IGNORED, SELINUX},
    {"SecurityLabelType", KEY_IGNORED, SELINUX},
    {"StartWithPod", KEY_IGNORED, "pods are not supported"},
    {"Unmask", KEY_IGNORED, "paths stay masked, which is the safe side"},

    {"ContainersConfModule", KEY_UNSUPPORTED, "it configures podman"},
    {"GIDMap", KEY_UNSUPPORTED, USERNS},
    {"GlobalArgs", KEY_UNSUPPORTED, PODMAN},
    {"Mask", KEY_UNSUPPORTED, "extra masked paths are not implemented"},
    {"PodmanArgs", KEY_UNSUPPORTED, PODMAN},
    {"RemapGid", KEY_UNSUPPORTED, USERNS},
    {"RemapUid", KEY_UNSUPPORTED, USERNS},
    {"RemapUidSize", KEY_UNSUPPORTED, USERNS},
    {"RemapUsers", KEY_UNSUPPORTED, USERNS},
    {"Secret", KEY_UNSUPPORTED, "secrets are not implemented"},
    {"SubGIDMap", KEY_UNSUPPORTED, USERNS},
    {"SubUIDMap", KEY_UNSUPPORTED, USERNS},
    {"UIDMap", KEY_UNSUPPORTED, USERNS},
    {"UserNS", KEY_UNSUPPORTED, USERNS},

    {"ExposeHostPort", KEY_NOT_YET, NETWORK},
    {"IP6", KEY_NOT_YET, NETWORK},
    {"NetworkAlias", KEY_NOT_YET, NETWORK},
    {NULL, 0, NULL},
};
