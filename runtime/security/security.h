/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Capabilities and seccomp for a container's init: Docker's defaults, the
 * parsing of --cap-add/--cap-drop, and a compiled seccomp program that is
 * cached so that a start costs a file read instead of a libseccomp compile. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- capabilities ---- */

/* "CAP_NET_ADMIN", "NET_ADMIN", "net_admin" -> 12; unknown -> -EINVAL. */
int cap_from_name(const char *name);
/* "CAP_NET_ADMIN"; NULL for a number berth has no name for. */
const char *cap_to_name(int cap);
/* Highest capability number berth knows (CAP_CHECKPOINT_RESTORE today). */
int cap_last_known(void);
/* Docker's 14 defaults: 0xa80425fb. */
uint64_t caps_default(void);
/* Every capability berth knows: what "ALL" means. */
uint64_t caps_all(void);
/* Comma and/or whitespace separated names, or "ALL"; an empty list is 0.
 * Logs the offending name and returns -EINVAL for an unknown one. */
int caps_parse_list(const char *spec, uint64_t *mask);

/* Docker's --cap-add/--cap-drop rule: base plus add minus drop, except that
 * dropping ALL keeps exactly what is added (--cap-drop ALL --cap-add X). */
uint64_t caps_tweak(uint64_t base, uint64_t add, uint64_t drop);

/* Called in the container child as the last privileged step before exec,
 * after setgroups/setgid/setuid (with PR_SET_KEEPCAPS set before the uid
 * switch so the permitted set survived it). Drops the bounding set to caps,
 * clears the ambient and inheritable sets, and sets permitted and effective
 * to caps for root; for any other user they become empty, which is what the
 * kernel would leave after exec anyway (Docker: CapEff 0, CapBnd = caps).
 * Capabilities the kernel or the calling process lacks are left out.
 * No allocation, no logging: async-signal-safe; returns 0 or -errno. */
int caps_apply(uint64_t caps, bool is_root_user);

/* ---- seccomp ---- */

/* A ready BPF program (a struct sock_fprog and its instructions). */
typedef struct SeccompProgram SeccompProgram;

/* The cache directory: cache_dir if given, else $BERTH_SECCOMP_CACHE_DIR,
 * else /run/berth/seccomp. An empty string disables the cache. If the
 * directory cannot be created or written, the program is compiled in memory
 * and only a debug message says so. */
int seccomp_program_default_full(uint64_t caps, const char *cache_dir, SeccompProgram **ret);
/* Docker's default profile, evaluated for caps on this machine's architecture. */
int seccomp_program_default(uint64_t caps, SeccompProgram **ret);

/* A Docker-format JSON profile (SeccompProfile=, --security-opt seccomp=).
 * Errors are logged naming the file and the problem; -EINVAL for a malformed
 * profile. "unconfined" is the caller's business, not a file name. */
int seccomp_program_from_file_full(const char *path, uint64_t caps, const char *cache_dir,
                                   SeccompProgram **ret);
int seccomp_program_from_file(const char *docker_json_profile, uint64_t caps, SeccompProgram **ret);

/* seccomp(SECCOMP_SET_MODE_FILTER) for the calling thread. No allocation, no
 * logging: async-signal-safe, meant for the child right before exec. The
 * kernel requires no_new_privs or CAP_SYS_ADMIN: without --no-new-privileges
 * install before caps_apply() (the default profile allows what follows:
 * setresuid, setgroups, capset, prctl, execve). Returns 0 or -errno. */
int seccomp_program_install(const SeccompProgram *p);

void seccomp_program_free(SeccompProgram *p);
static inline void seccomp_program_freep(SeccompProgram **p)
{
        seccomp_program_free(*p);
}
#define _cleanup_seccomp_program_ __attribute__((cleanup(seccomp_program_freep)))

/* For tests and benchmarks: true if the program came from the cache rather
 * than from a compile; its length in BPF instructions; the program itself. */
bool seccomp_program_from_cache(const SeccompProgram *p);
size_t seccomp_program_length(const SeccompProgram *p);
struct sock_fprog;
const struct sock_fprog *seccomp_program_fprog(const SeccompProgram *p);
