/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

int parse_uint64(const char *s, uint64_t *ret);
int parse_uint32(const char *s, uint32_t *ret);
/* "64m", "1G", "512k", "100" (bytes), base 1024 as Docker and Podman read them. */
int parse_size(const char *s, uint64_t *ret);
/* "yes/no/true/false/1/0/on/off" */
int parse_boolean(const char *s);
/* "TERM", "SIGTERM" or a number, for the signals a container stop or kill uses. */
int parse_signal(const char *s);
