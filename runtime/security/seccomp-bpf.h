/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* From an evaluated rule set to BPF instructions, and the on-disk cache of
 * those instructions. */

#include <linux/filter.h>
#include <stddef.h>

#include "hash128.h"
#include "seccomp-profile.h"

/* Bump when the cache file layout or what the key covers changes. */
#define SECCOMP_CACHE_FORMAT 3
/* The file: this header, the instructions, then the key material. */
#define SECCOMP_CACHE_HEADER_SIZE 56

/* Compiles with libseccomp; *ret is malloc'ed, *ret_n instructions. */
int seccomp_rule_set_compile(const SeccompRuleSet *s, struct sock_filter **ret, size_t *ret_n);

/* Calls newer than libseccomp (seccomp-newer.c): their number on arch, or
 * -1; and the BPF prefix that handles them and answers ENOSYS past the
 * newest known number. An empty prefix is *ret == NULL, *ret_n == 0. */
int seccomp_newer_syscall_nr(uint32_t arch, const char *name);
int seccomp_newer_prefix(const SeccompRuleSet *s, struct sock_filter **ret, size_t *ret_n);

/* What identifies the BPF that a rule set compiles to with this libseccomp:
 * the material in full, and its hash (hex: the file name). */
typedef struct SeccompCacheKey {
        char *material;
        size_t len;
        uint64_t hash[2];
        char hex[HASH128_HEX_MAX];
} SeccompCacheKey;

int seccomp_cache_key(const SeccompRuleSet *s, SeccompCacheKey *ret);
void seccomp_cache_key_done(SeccompCacheKey *k);

/* -ENOENT if absent; -EBADMSG if present but not trustworthy (truncated,
 * wrong size, bad checksum, other key material, wrong owner or mode). */
int seccomp_cache_load(const char *dir, const SeccompCacheKey *key, struct sock_filter **ret,
                       size_t *ret_n);
int seccomp_cache_store(const char *dir, const SeccompCacheKey *key, const struct sock_filter *f,
                        size_t n);
