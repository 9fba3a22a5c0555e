/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A seccomp profile in Docker's model, whether it comes from berth's built-in
 * table (seccomp-default-table.c) or from a JSON file (seccomp-json.c). Both
 * go through the same evaluation, so a file and the built-in default are
 * treated alike. */

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECCOMP_ARGS_MAX 6

typedef enum SeccompAction {
        SECCOMP_ACTION_ALLOW,
        SECCOMP_ACTION_ERRNO,
        SECCOMP_ACTION_KILL_THREAD,
        SECCOMP_ACTION_KILL_PROCESS,
        SECCOMP_ACTION_TRAP,
        SECCOMP_ACTION_TRACE,
        SECCOMP_ACTION_LOG,
        _SECCOMP_ACTION_MAX,
} SeccompAction;

typedef struct SeccompArg {
        unsigned index;
        enum scmp_compare op;
        uint64_t value;
        uint64_t value_two;
} SeccompArg;

/* Docker's "includes"/"excludes". An include needs every listed capability
 * and the architecture in its list; an exclude fires on any listed
 * capability or architecture. Architectures are Go's names ("amd64"), as
 * Docker compares them. */
typedef struct SeccompCond {
        uint64_t caps;
        /* a capability name berth does not know: never held */
        bool unknown_cap;
        const char *const *arches; /* NULL-terminated, or NULL */
        unsigned min_kernel_major, min_kernel_minor;
        bool has_min_kernel;
} SeccompCond;

typedef struct SeccompRule {
        const char *const *names; /* NULL-terminated */
        SeccompAction action;
        int errno_ret; /* -1: not given */
        const SeccompArg *args;
        size_t n_args;
        SeccompCond includes, excludes;
} SeccompRule;

typedef struct SeccompArchMap {
        const char *arch; /* "SCMP_ARCH_X86_64" */
        const char *const *sub_arches;
} SeccompArchMap;

typedef struct SeccompProfile {
        SeccompAction default_action;
        int default_errno;                /* -1: not given */
        const char *const *architectures; /* Docker's older flat list, or NULL */
        const SeccompArchMap *arch_map;
        size_t n_arch_map;
        const SeccompRule *rules;
        size_t n_rules;
        unsigned flags; /* SECCOMP_FILTER_FLAG_* from "flags" */
        /* set for a loaded profile: what seccomp_profile_free() releases */
        void *owner;
} SeccompProfile;

extern const SeccompProfile seccomp_default_profile;

/* What evaluation depends on besides the capabilities. */
typedef struct SeccompHost {
        uint32_t native_arch;  /* SCMP_ARCH_* */
        const char *go_arch;   /* "amd64": what includes/excludes name */
        const char *scmp_arch; /* "SCMP_ARCH_X86_64": what archMap names */
        unsigned kernel_major, kernel_minor;
} SeccompHost;

int seccomp_host_detect(SeccompHost *ret);
/* "SCMP_ARCH_X86" -> SCMP_ARCH_X86; 0 for an unknown name. */
uint32_t seccomp_arch_from_name(const char *name);

/* The profile applied to one container: which rules apply, with their final
 * libseccomp actions. Borrows names and args from the profile. */
typedef struct SeccompEvalRule {
        const char *name;
        uint32_t action; /* SCMP_ACT_* */
        const SeccompArg *args;
        size_t n_args;
} SeccompEvalRule;

typedef struct SeccompRuleSet {
        uint32_t default_action;
        uint32_t arches[16];
        size_t n_arches;
        SeccompEvalRule *rules;
        size_t n_rules;
        unsigned flags; /* for seccomp(2), not part of the BPF */
} SeccompRuleSet;

int seccomp_profile_evaluate(const SeccompProfile *p, uint64_t caps, const SeccompHost *host,
                             SeccompRuleSet *ret);
void seccomp_rule_set_done(SeccompRuleSet *s);

/* Loads a Docker-format profile. Logs what is wrong, naming the file. */
int seccomp_profile_load_json(const char *path, SeccompProfile **ret);
/* The same from memory; what names the source in messages. */
int seccomp_profile_parse_json(const char *text, size_t len, const char *what,
                               SeccompProfile **ret);
void seccomp_profile_free(SeccompProfile *p);
static inline void seccomp_profile_freep(SeccompProfile **p)
{
        seccomp_profile_free(*p);
}

const char *seccomp_action_to_string(SeccompAction a);
SeccompAction seccomp_action_from_string(const char *s);
const char *seccomp_op_to_string(enum scmp_compare op);
enum scmp_compare seccomp_op_from_string(const char *s);
