/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A classic-BPF interpreter for seccomp programs, so tests can ask what a
 * compiled filter answers for any system call, argument and architecture
 * without installing it. Covers every instruction seccomp accepts; anything
 * else fails the test. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"

static inline uint32_t bpf_sim_run(const struct sock_filter *f, size_t n,
                                   const struct seccomp_data *d)
{
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
        size_t pc = 0;

        while (pc < n) {
                const struct sock_filter *i = &f[pc++];
                uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;

                switch (BPF_CLASS(i->code)) {
                case BPF_LD:
                        if (i->code == (BPF_LD | BPF_W | BPF_ABS)) {
                                CHECK(i->k % 4 == 0 && i->k + 4 <= sizeof(*d));
                                memcpy(&a, (const char *)d + i->k, 4);
                        } else if (i->code == (BPF_LD | BPF_IMM))
                                a = i->k;
                        else if (i->code == (BPF_LD | BPF_MEM)) {
                                CHECK(i->k < BPF_MEMWORDS);
                                a = mem[i->k];
                        } else if (i->code == (BPF_LD | BPF_W | BPF_LEN))
                                a = sizeof(*d);
                        else
                                CHECK(!"unsupported BPF_LD");
                        break;
                case BPF_LDX:
                        if (i->code == (BPF_LDX | BPF_IMM))
                                x = i->k;
                        else if (i->code == (BPF_LDX | BPF_MEM)) {
                                CHECK(i->k < BPF_MEMWORDS);
                                x = mem[i->k];
                        } else if (i->code == (BPF_LDX | BPF_W | BPF_LEN))
                                x = sizeof(*d);
                        else
                                CHECK(!"unsupported BPF_LDX");
                        break;
                case BPF_ST:
                        CHECK(i->k < BPF_MEMWORDS);
                        mem[i->k] = a;
                        break;
                case BPF_STX:
                        CHECK(i->k < BPF_MEMWORDS);
                        mem[i->k] = x;
                        break;
                case BPF_ALU:
                        switch (BPF_OP(i->code)) {
                        case BPF_ADD:
                                a += src;
                                break;
                        case BPF_SUB:
                                a -= src;
                                break;
                        case BPF_MUL:
                                a *= src;
                                break;
                        case BPF_DIV:
                                CHECK(src != 0);
                                a /= src;
                                break;
                        case BPF_MOD:
                                CHECK(src != 0);
                                a %= src;
                                break;
                        case BPF_AND:
                                a &= src;
                                break;
                        case BPF_OR:
                                a |= src;
                                break;
                        case BPF_XOR:
                                a ^= src;
                                break;
                        case BPF_LSH:
                                a = src < 32 ? a << src : 0;
                                break;
                        case BPF_RSH:
                                a = src < 32 ? a >> src : 0;
                                break;
                        case BPF_NEG:
                                a = -a;
                                break;
                        default:
                                CHECK(!"unsupported BPF_ALU");
                        }
                        break;
                case BPF_JMP: {
                        bool t;

                        if (BPF_OP(i->code) == BPF_JA) {
                                pc += i->k;
                                break;
                        }
                        switch (BPF_OP(i->code)) {
                        case BPF_JEQ:
                                t = a == src;
                                break;
                        case BPF_JGT:
                                t = a > src;
                                break;
                        case BPF_JGE:
                                t = a >= src;
                                break;
                        case BPF_JSET:
                                t = (a & src) != 0;
                                break;
                        default:
                                CHECK(!"unsupported BPF_JMP");
                                t = false;
                        }
                        pc += t ? i->jt : i->jf;
                        break;
                }
                case BPF_RET:
                        return BPF_RVAL(i->code) == BPF_A ? a : i->k;
                case BPF_MISC:
                        if (BPF_MISCOP(i->code) == BPF_TAX)
                                x = a;
                        else
                                a = x;
                        break;
                }
        }
        CHECK(!"BPF program ran off its end");
        return 0;
}
