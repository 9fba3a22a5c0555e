#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An image whose config lies about a layer's diff_id is refused, and nothing
# of it stays in the store.
. "$(dirname "$0")/lib.sh"

registry_start
registry_push difflie >/dev/null
pull_fails "diff_id" --insecure "$REGISTRY" "$REGISTRY/test/difflie:latest"
store_empty
store_check_clean
echo ok
