/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "container-record.h"

/* No control characters or spaces, at most 1024 bytes; the store parses. */
bool image_reference_is_plausible(const char *s);

/* Reads CreateContainer's a{sv} into rec; the keys are the Container
 * properties' names. Unknown keys, wrong types and invalid values are
 * refused with InvalidArgs naming the option. */
int container_options_read(sd_bus_message *msg, ContainerRecord *rec, sd_bus_error *error);

/* Reads CreateContainer's (name, image, options) into a new record (name
 * generated when empty) and the image reference (pointing into call).
 * Every refusal but -ENOMEM sets error (InvalidArgs). */
int container_create_args_read(sd_bus_message *call, ContainerRecord **ret, const char **ret_ref,
                               sd_bus_error *error);
