/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* From an evaluated rule set to BPF instructions, and the on-disk cache of
 * those instructions. */

#include <linux/filter.h>
#include <stddef.h>

#include "digest.h"
#include "seccomp-profile.h"

/* Bump when the cache file layout or what the key covers changes. */
#define SECCOMP_CACHE_FORMAT 2

/* Compiles with libseccomp; *ret is malloc'ed, *ret_n instructions. */
int seccomp_rule_set_compile(const SeccompRuleSet *s, struct sock_filter **ret, size_t *ret_n);

/* Calls newer than libseccomp (seccomp-newer.c): their number on arch, or
 * -1; and the BPF prefix that handles them and answers ENOSYS past the
 * newest known number. An empty prefix is *ret == NULL, *ret_n == 0. */
int seccomp_newer_syscall_nr(uint32_t arch, const char *name);
int seccomp_newer_prefix(const SeccompRuleSet *s, struct sock_filter **ret, size_t *ret_n);

/* 64 hex digits identifying the BPF that s compiles to with this libseccomp. */
int seccomp_cache_key(const SeccompRuleSet *s, char key[static DIGEST_STRING_MAX]);

/* -ENOENT if absent; -EBADMSG if present but not trustworthy (truncated,
 * wrong size, bad checksum, wrong key, wrong owner or mode). */
int seccomp_cache_load(const char *dir, const char *key, struct sock_filter **ret, size_t *ret_n);
int seccomp_cache_store(const char *dir, const char *key, const struct sock_filter *f, size_t n);
