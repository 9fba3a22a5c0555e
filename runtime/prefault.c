/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Page faults are the runtime's largest cost on paravirtualised machines:
 * each one traps to the hypervisor (30-150 us measured here), while mapping
 * the same pages with one madvise(MADV_POPULATE_*) costs well under 1 us a
 * page. The static binary's entry point therefore maps its own image and the
 * top of its stack before libc starts (glibc's start-up alone took ~30
 * faults), and main() maps the initial heap. Linked only into the static
 * build (see meson.build): a dynamic binary has no use for it. */
#include <elf.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "prefault.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE           4096UL
#define STACK_PREFAULT (64UL * 1024)

#if defined(__x86_64__)
extern const Elf64_Ehdr __ehdr_start;

/* Runs before libc is set up (no TLS, no errno, no stack protector): raw
 * syscalls only. Older kernels reject the advice with EINVAL, which only
 * means the pages fault in as before. */
static inline long raw_madvise(uintptr_t start, uintptr_t end, long advice)
{
        long ret;

        start &= ~(PAGE - 1);
        end = (end + PAGE - 1) & ~(PAGE - 1);
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "0"((long)SYS_madvise), "D"(start), "S"(end - start), "d"(advice)
                         : "rcx", "r11", "memory");
        return ret;
}

void prefault_image(uintptr_t sp);

__attribute__((used, no_stack_protector, optimize("no-tree-loop-distribute-patterns"))) void
prefault_image(uintptr_t sp)
{
        const Elf64_Phdr *ph =
            (const Elf64_Phdr *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
        uintptr_t bias = 0;

        for (unsigned i = 0; i < __ehdr_start.e_phnum; i++)
                if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
                        bias = (uintptr_t)&__ehdr_start - ph[i].p_vaddr;
        for (unsigned i = 0; i < __ehdr_start.e_phnum; i++) {
                uintptr_t start = bias + ph[i].p_vaddr;

                if (ph[i].p_type != PT_LOAD)
                        continue;
                (void)raw_madvise(start, start + ph[i].p_memsz,
                                  (ph[i].p_flags & PF_W) ? MADV_POPULATE_WRITE
                                                         : MADV_POPULATE_READ);
        }
        /* The kernel maps 128 KiB of stack below the arguments at exec. */
        (void)raw_madvise(sp - STACK_PREFAULT, sp, MADV_POPULATE_WRITE);
}

/* The entry point: prefault, then glibc's own _start with the registers
 * the kernel set (rsp at argc, rdx the exit hook). */
__asm__(".text\n"
        ".globl berth_entry\n"
        ".type berth_entry,@function\n"
        "berth_entry:\n"
        "        mov %rdx, %r12\n"
        "        mov %rsp, %rdi\n"
        "        call prefault_image\n"
        "        mov %r12, %rdx\n"
        "        xor %r12d, %r12d\n"
        "        jmp _start\n"
        ".size berth_entry, .-berth_entry\n");
#endif

void prefault_heap(void)
{
        struct mallinfo2 mi = mallinfo2();
        uintptr_t top = (uintptr_t)sbrk(0);

        if (mi.arena > 0 && mi.arena <= top)
                (void)madvise((void *)((top - mi.arena) & ~(PAGE - 1)),
                              top - ((top - mi.arena) & ~(PAGE - 1)), MADV_POPULATE_WRITE);
}
