/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* clone3() with a new stack, for CLONE_VM children. libc has no clone3
 * wrapper, and a raw syscall() cannot be used here: the child would return
 * through a stack frame it does not have. */
#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "clone-vm.h"

#if defined(__x86_64__)
/* rdi = args, rsi = size, rdx = fn, rcx = arg. The child starts on the new
 * stack with every other register as the parent had it, so fn and arg ride
 * in r8/r9 (neither is touched by the syscall). */
long berth_clone3_raw(struct clone_args_v0 *args, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl berth_clone3_raw\n"
        ".type berth_clone3_raw,@function\n"
        "berth_clone3_raw:\n"
        "        mov %rdx, %r8\n"
        "        mov %rcx, %r9\n"
        "        mov $" BERTH_STRINGIFY(
            SYS_clone3) ", %eax\n"
                        "        syscall\n"
                        "        test %rax, %rax\n"
                        "        jz 1f\n"
                        "        ret\n"
                        "1:      xor %ebp, %ebp\n"
                        "        and $-16, %rsp\n"
                        "        mov %r9, %rdi\n"
                        "        call *%r8\n"
                        "        mov %eax, %edi\n"
                        "        mov $" BERTH_STRINGIFY(
                            SYS_exit) ", %eax\n"
                                      "        syscall\n"
                                      "        hlt\n"
                                      ".size berth_clone3_raw, .-berth_clone3_raw\n");

pid_t clone3_vm(struct clone_args_v0 *args, int (*fn)(void *), void *arg)
{
        long r = berth_clone3_raw(args, sizeof(*args), fn, arg);

        if (r < 0) {
                errno = (int)-r;
                return -1;
        }
        return (pid_t)r;
}
#else
pid_t clone3_vm(struct clone_args_v0 *args, int (*fn)(void *), void *arg)
{
        errno = ENOSYS;
        return -1;
}
#endif
