#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds layer tarballs for the store tests, hostile ones included.
#   mklayer.py SCENARIO OUT.tar [OUTSIDE_DIR]
#   mklayer.py --each DIR OUTSIDE_DIR SCENARIO…
# Prints nothing; the caller compresses and hashes.
import io
import sys
import tarfile


def add(t, name, type=tarfile.REGTYPE, data=b'', pax=None, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = type
    ti.mtime = kw.pop('mtime', 1500000000)
    for k, v in kw.items():
        setattr(ti, k, v)
    if pax:
        ti.pax_headers = pax
    if type == tarfile.REGTYPE:
        ti.size = len(data)
    t.addfile(ti, io.BytesIO(data) if type == tarfile.REGTYPE else None)


def basic(t, outside):
    add(t, './', tarfile.DIRTYPE, mode=0o755)
    add(t, 'etc/', tarfile.DIRTYPE, mode=0o755, mtime=1000000000)
    add(t, 'etc/passwd', data=b'root:x:0:0::/root:/bin/sh\n', mode=0o644, mtime=1234567890)
    add(t, 'etc/hard', tarfile.LNKTYPE, linkname='etc/passwd')
    add(t, 'etc/sym', tarfile.SYMTYPE, linkname='../etc/passwd')
    add(t, 'etc/abs-sym', tarfile.SYMTYPE, linkname='/etc/shadow')
    add(t, 'bin/', tarfile.DIRTYPE, mode=0o755)
    add(t, 'bin/su', data=b'#!/bin/sh\n', mode=0o4755)
    add(t, 'bin/wall', data=b'#!/bin/sh\n', mode=0o2755)
    add(t, 'tmp/', tarfile.DIRTYPE, mode=0o1777)
    add(t, 'etc/.wh.motd')
    add(t, 'var/cache/.wh..wh..opq')
    add(t, 'var/cache/keep', data=b'k')
    add(t, 'implied/deep/file', data=b'parents are made')
    add(t, 'xattr', data=b'abc', pax={'SCHILY.xattr.user.test': 'value'})
    add(t, 'fifo', tarfile.FIFOTYPE, mode=0o600)
    add(t, 'ro/', tarfile.DIRTYPE, mode=0o555)
    add(t, 'ro/inside', data=b'written before the mode is applied')
    add(t, 'replaced', data=b'first')
    add(t, 'replaced', data=b'second')
    add(t, 'owned', data=b'o', uid=1234, gid=2345)
    add(t, 'dev/', tarfile.DIRTYPE, mode=0o755)
    add(t, 'dev/null', tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
    add(t, 'cap', data=b'c', mode=0o755,
        pax={'SCHILY.xattr.security.capability':
             '\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'})


def empty(t, outside):
    pass


def big(t, outside):
    # enough that an extraction is still running when the test kills it
    chunk = bytes(range(256)) * 4096
    for i in range(64):
        add(t, 'big/f%03d' % i, data=chunk)


def many(t, outside):
    n = int(outside or 10000)
    for d in range(n // 100):
        add(t, 'd%03d/' % d, tarfile.DIRTYPE, mode=0o755)
        for f in range(100):
            add(t, 'd%03d/f%03d' % (d, f), data=(b'%d-%d\n' % (d, f)) * 20, mode=0o644)


def esc_dotdot(t, outside):
    add(t, '../../../../../../../../%s/dotdot' % outside.lstrip('/'), data=b'x')


def esc_inner_dotdot(t, outside):
    add(t, 'a/', tarfile.DIRTYPE)
    add(t, 'a/../../inner', data=b'x')


def esc_abs(t, outside):
    add(t, outside + '/abs', data=b'x')


def esc_symlink_dir(t, outside):
    add(t, 'link', tarfile.SYMTYPE, linkname=outside)
    add(t, 'link/planted', data=b'x')


def esc_symlink_rel(t, outside):
    add(t, 'link', tarfile.SYMTYPE, linkname='../../../../../../../..' + outside)
    add(t, 'link/planted', data=b'x')


def esc_symlink_deep(t, outside):
    add(t, 'a/b/', tarfile.DIRTYPE)
    add(t, 'a/b/link', tarfile.SYMTYPE, linkname=outside)
    add(t, 'a/b/link/sub/planted', data=b'x')


def esc_hardlink_abs(t, outside):
    add(t, 'h', tarfile.LNKTYPE, linkname=outside + '/victim')


def esc_hardlink_dotdot(t, outside):
    add(t, 'h', tarfile.LNKTYPE, linkname='../../../../../../../..' + outside + '/victim')


def esc_hardlink_symlink(t, outside):
    add(t, 'link', tarfile.SYMTYPE, linkname=outside)
    add(t, 'h', tarfile.LNKTYPE, linkname='link/victim')


def esc_whiteout(t, outside):
    add(t, 'a/.wh...')


def esc_whiteout_symlink(t, outside):
    add(t, 'link', tarfile.SYMTYPE, linkname=outside)
    add(t, 'link/.wh.victim')


def esc_opaque_symlink(t, outside):
    add(t, 'link', tarfile.SYMTYPE, linkname=outside)
    add(t, 'link/.wh..wh..opq')


def overwrite_symlink(t, outside):
    # not an escape: a file replaces the symlink, the target stays untouched
    add(t, 'f', tarfile.SYMTYPE, linkname=outside + '/victim')
    add(t, 'f', data=b'replaced the link, not its target')


scenarios = {n.replace('_', '-'): f for n, f in list(globals().items())
             if callable(f) and n not in ('add', 'write') and not n.startswith('_') and
             f.__module__ == '__main__'}

def write(name, out, outside):
    with tarfile.open(out, 'w', format=tarfile.PAX_FORMAT) as t:
        scenarios[name](t, outside)


if __name__ == '__main__':
    if sys.argv[1] == '--each':
        # --each DIR OUTSIDE SCENARIO…: DIR/SCENARIO.tar, one interpreter start
        for name in sys.argv[4:]:
            write(name, '%s/%s.tar' % (sys.argv[2], name), sys.argv[3])
    else:
        write(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else '')
