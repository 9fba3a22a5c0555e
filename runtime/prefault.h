/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Maps the initial malloc heap in one call instead of one fault a page
 * (see prefault.c). Harmless where the kernel lacks MADV_POPULATE_WRITE. */
void prefault_heap(void);
