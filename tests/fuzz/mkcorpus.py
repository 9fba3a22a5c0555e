#!/usr/bin/env python3
# Writes the generated part of the fuzz seed corpus (tests/fuzz/corpus/):
# registry replies, auth files, option strings, OCI configs, seccomp
# profiles and layer tarballs, including hostile ones. Run it again after
# changing it; the files are committed so that the replay test needs nothing.
#   python3 tests/fuzz/mkcorpus.py
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(top, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


D1, D2, D3 = digest(b"1"), digest(b"2"), digest(b"3")

# ---- references
for i, r in enumerate([
        "busybox", "docker.io/library/busybox:latest", "localhost:5000/a/b:tag",
        "[::1]:5000/x@" + D1, "quay.io/org/app:1.2@" + D2, "index.docker.io/nginx",
        "Registry.Example.COM:443/a-b_c.d/e__f:TAG-1", "a/../b", "a:b:c", "",
]):
    put("reference", "ref%02d" % i, r)

# ---- manifests: first byte picks the Content-Type (see fuzz-manifest.c)
oci_manifest = {
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": D1, "size": 7},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": D2, "size": 32},
               {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": D3, "size": 9}],
}
docker_manifest = dict(oci_manifest, mediaType="application/vnd.docker.distribution.manifest.v2+json")
docker_manifest["config"] = dict(oci_manifest["config"], mediaType="application/vnd.docker.container.image.v1+json")
docker_manifest["layers"] = [dict(l, mediaType="application/vnd.docker.image.rootfs.diff.tar.gzip")
                             for l in oci_manifest["layers"]]
index = {
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D1, "size": 500,
         "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D2, "size": 500,
         "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D3, "size": 500,
         "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}},
    ],
}
docker_list = dict(index, mediaType="application/vnd.docker.distribution.manifest.list.v2+json")
config = {"architecture": "amd64", "os": "linux",
          "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"], "User": "1000"},
          "rootfs": {"type": "layers", "diff_ids": [D2, D3]}}
put("manifest", "oci-manifest", b"\x00" + json.dumps(oci_manifest).encode())
put("manifest", "oci-index", b"\x01" + json.dumps(index).encode())
put("manifest", "docker-manifest", b"\x02" + json.dumps(docker_manifest).encode())
put("manifest", "docker-list", b"\x03" + json.dumps(docker_list).encode())
put("manifest", "no-media-type", b"\x06" + json.dumps({k: v for k, v in oci_manifest.items() if k != "mediaType"}).encode())
put("manifest", "config", b"\x02" + json.dumps(config).encode())
put("manifest", "bad-digest", b"\x00" + json.dumps(dict(oci_manifest, config=dict(oci_manifest["config"], digest="sha256:../../etc"))).encode())
put("manifest", "platform", b"\x05linux/arm64/v8")

# ---- WWW-Authenticate
for i, h in enumerate([
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull"',
        'Basic realm="Registry Realm"',
        'Foo bar=baz, Bearer realm="http://127.0.0.1:5001/t"',
        'Bearer realm="a\\"b", service=unquoted',
        'Bearer',
        'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
]):
    put("www-authenticate", "h%02d" % i, h)

# ---- registries.d and auth.json
put("registries-d", "local.conf",
    "# local registries\n[Registry]\nInsecure=yes\nHost=127.0.0.1:5000\n\n"
    "[Registry]\nHost=docker.io\nMirror=mirror.example:5000\nMirror=mirror2.example\nCAFile=/etc/ca.pem\n")
put("registries-d", "bad.conf", "[Registry]\nHost=a/b\nInsecure=maybe\n[Other]\nx\n")
import base64
b64 = base64.b64encode(b"user:p:ass").decode()
put("auth-json", "auth.json", json.dumps({"auths": {
    "docker.io": {"auth": b64}, "https://index.docker.io/v1/": {"auth": b64},
    "localhost:5000": {"auth": base64.b64encode(b"a:b").decode()},
    "registry.example.com/ns": {"auth": "!!!"}, "quay.io": {}}}))
put("auth-json", "empty.json", "{}")

# ---- runtime options: first byte picks the parser (see fuzz-runtime-options.c)
for i, (sel, s) in enumerate([
        (0, "/srv/data:/data:ro,Z"), (0, "data:/var/lib/app"), (0, "..:/x"), (0, "/a:b"),
        (1, "type=bind,src=/srv/with space,dst=/with,readonly"), (1, "type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777"),
        (1, "type=volume,source=cache,target=/cache,volume-nocopy"), (2, "/run/app:size=1m,mode=0700"),
        (2, "/tmp:exec,size=1,,x"), (3, "nofile=1024:2048"), (3, "RLIMIT_NPROC=unlimited"), (3, "core=-1:5"),
        (4, "net.core.somaxconn"), (4, "kernel/shmmax"), (5, "NET_ADMIN cap_sys_time,ALL"), (6, "CAP_BPF"),
]):
    put("runtime-options", "o%02d" % i, bytes([sel]) + s.encode())

# ---- user-db: SPEC \0 PASSWD \0 GROUP \0 GROUP_ADD \0 GROUP_ADD
passwd = "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\nbroken\n::::::\n"
group = "root:x:0:\nwww:x:33:alice,www\nwheel:x:10:www\nx:y\n"
for i, spec in enumerate(["www", "33:wheel", "1000", "www:nogroup", "", "root:0"]):
    put("user-db", "u%02d" % i, "\0".join([spec, passwd, group, "wheel", "4242"]))
put("user-db", "no-files", "nobody")

# ---- OCI config.json: `runc spec`'s output, plus a seccomp profile and mounts
cfg = None
for tool in ("runc", "crun"):
    if shutil.which(tool):
        d = "/tmp/berth-mkcorpus-spec"
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        if subprocess.run([tool, "spec"], cwd=d).returncode == 0:
            cfg = json.load(open(os.path.join(d, "config.json")))
        shutil.rmtree(d, ignore_errors=True)
        break
if cfg:
    put("oci-config", "spec.json", json.dumps(cfg, indent=1))
    cfg["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                               "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}
    cfg["mounts"].append({"destination": "/data", "type": "bind", "source": "data", "options": ["rbind", "ro"]})
    cfg["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
    cfg["linux"]["sysctl"] = {"net.core.somaxconn": "100"}
    cfg["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]
    put("oci-config", "seccomp.json", json.dumps(cfg))

# ---- seccomp profiles
put("seccomp-json", "small.json", json.dumps({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
    "syscalls": [
        {"names": ["read", "write", "exit_group", "no_such_call"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 0xffffffff, "op": "SCMP_CMP_EQ"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
         "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390"]}},
        {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
         "includes": {"caps": ["CAP_BPF"], "minKernel": "5.8"}},
        {"names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS", "includes": {"arches": ["amd64"]}},
    ]}))
put("seccomp-json", "flat-arches.json", json.dumps({
    "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "syscalls": [{"name": "mount", "action": "SCMP_ACT_LOG"}, {"names": [], "action": "SCMP_ACT_TRAP"}]}))

# ---- layers: tar, gzip and zstd, well-formed and hostile
def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for e in entries:
            info = tarfile.TarInfo(e["name"])
            info.type = e.get("type", tarfile.REGTYPE)
            info.mode = e.get("mode", 0o644)
            info.uid = e.get("uid", 0)
            info.gid = e.get("gid", 0)
            info.linkname = e.get("link", "")
            info.devmajor, info.devminor = e.get("dev", (0, 0))
            info.pax_headers = e.get("pax", {})
            data = e.get("data", b"")
            info.size = len(data) if info.type == tarfile.REGTYPE else 0
            t.addfile(info, io.BytesIO(data) if info.size else None)
    return buf.getvalue()


D, F, S, H = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
good = tar_bytes([
    {"name": "bin", "type": D, "mode": 0o755},
    {"name": "bin/sh", "data": b"#!/bin/true\n", "mode": 0o4755},
    {"name": "etc", "type": D, "mode": 0o755},
    {"name": "etc/passwd", "data": b"root:x:0:0::/root:/bin/sh\n", "uid": 1, "gid": 2},
    {"name": "etc/link", "type": S, "link": "passwd"},
    {"name": "etc/hard", "type": H, "link": "etc/passwd"},
    {"name": "ro", "type": D, "mode": 0o555},
    {"name": "ro/file", "data": b"x", "pax": {"SCHILY.xattr.user.a": "1", "SCHILY.xattr.trusted.overlay.opaque": "y"}},
])
put("layer", "good.tar", good)
put("layer", "good.tar.gz", gzip.compress(good, mtime=0))
if shutil.which("zstd"):
    put("layer", "good.tar.zst", subprocess.run(["zstd", "-q", "-c"], input=good, stdout=subprocess.PIPE, check=True).stdout)
put("layer", "whiteouts.tar", tar_bytes([
    {"name": "etc", "type": D}, {"name": "etc/.wh.passwd"}, {"name": "var", "type": D},
    {"name": "var/.wh..wh..opq"}, {"name": "var/new", "data": b"n"}]))
put("layer", "escape-dotdot.tar", tar_bytes([{"name": "../outside", "data": b"x"}]))
put("layer", "escape-absolute.tar", tar_bytes([{"name": "/tmp/berth-fuzz-abs", "data": b"x"}]))
put("layer", "escape-symlink.tar", tar_bytes([
    {"name": "up", "type": S, "link": "../../.."}, {"name": "up/outside", "data": b"x"}]))
put("layer", "escape-symlink-dir.tar", tar_bytes([
    {"name": "d", "type": S, "link": "/tmp"}, {"name": "d/x", "data": b"x"}]))
put("layer", "escape-hardlink.tar", tar_bytes([{"name": "h", "type": H, "link": "../../../etc/passwd"}]))
put("layer", "replace-with-symlink.tar", tar_bytes([
    {"name": "f", "data": b"a"}, {"name": "f", "type": S, "link": "/etc/shadow"}, {"name": "f", "data": b"b"}]))
put("layer", "devices.tar", tar_bytes([
    {"name": "null", "type": tarfile.CHRTYPE, "dev": (1, 3)}, {"name": "wh", "type": tarfile.CHRTYPE},
    {"name": "fifo", "type": tarfile.FIFOTYPE}, {"name": "null", "data": b"overwrite"}]))
put("layer", "gnu-longname.tar", tar_bytes([{"name": "d/" + "a" * 200, "data": b"l"}], fmt=tarfile.GNU_FORMAT))
put("layer", "truncated.tar", good[:700])
put("layer", "empty", b"")

# ---- berthd's container record (STATE/containers/NAME/config.json)
RID = "a" * 64
IMGID = "sha256:" + "b" * 64
rec = {"name": "web", "id": RID, "image": "busybox", "image_id": IMGID,
       "command": ["sh", "-c", "echo hi"], "env": ["A=1"], "volumes": ["/srv:/data:ro", "vol:/v"],
       "restart": "always", "memory_max": 1 << 20, "cpu_quota": 500000, "tasks_max": 64,
       "auto_remove": False, "created": 1700000000000000, "entrypoint": "/bin/sh",
       "user": "app:app", "workdir": "/srv"}
# a first line "#! accept" / "#! refuse [TEXT]" is the expected outcome (fuzz.h)
put("container-record", "good.json", "#! accept\n" + json.dumps(rec, indent=2))
put("container-record", "minimal.json", "#! accept\n" + json.dumps(
    {"name": "a", "id": RID, "image": "x", "image_id": IMGID}))
put("container-record", "limits-max.json", "#! accept\n" + json.dumps(
    dict(rec, memory_max=2 ** 63 - 1, cpu_quota=2 ** 63 - 1, tasks_max=2 ** 63 - 1,
         created=2 ** 63 - 1)))
hostile_records = {
    "not-object": "[]", "empty": "", "truncated": json.dumps(rec)[:60],
    "duplicate-key": '{"name": "a", "name": "b", "id": "%s", "image": "x", "image_id": "y"}' % RID,
    "name-slash": {"name": "../etc"}, "name-empty": {"name": ""}, "name-long": {"name": "a" * 129},
    "name-number": {"name": 7}, "id-short": {"id": "abc"}, "id-upper": {"id": "A" * 64},
    "missing-image": {"image": None}, "restart-bad": {"restart": "sometimes"},
    "restart-number": {"restart": 1}, "memory-negative": {"memory_max": -1},
    "memory-float": {"memory_max": 1.5}, "memory-string": {"memory_max": "1G"},
    "auto-remove-string": {"auto_remove": "yes"}, "env-no-key": {"env": ["=x"]},
    "env-no-eq": {"env": ["PATH"]}, "env-newline": {"env": ["A=1\nExecStart=/bin/evil"]},
    "env-not-array": {"env": "A=1"}, "env-number": {"env": [1]},
    "volume-relative": {"volumes": ["a:b"]}, "volume-mode": {"volumes": ["/a:/b:rx"]},
    "volume-dotdot": {"volumes": ["../x:/b"]}, "volume-colon": {"volumes": ["/a:/b:ro:rw"]},
    "workdir-relative": {"workdir": "srv"}, "user-control": {"user": "a\u0001b"},
    "entrypoint-cr": {"entrypoint": "a\rb"}, "command-nested": {"command": [["sh"]]},
    "command-many": {"command": ["x"] * 5000}, "command-long": {"command": ["x" * 70000]},
    "nul-escape": '{"name": "a\\u0000b", "id": "%s", "image": "x", "image_id": "y"}' % RID,
    "deep": "[" * 5000 + "]" * 5000, "utf8-bad": b'{"name": "\xff\xfe"}',
}
for n, v in hostile_records.items():
    if isinstance(v, dict):
        v = json.dumps(dict(rec, **v))
    if isinstance(v, str):
        v = v.encode()
    put("container-record", "hostile-" + n, b"#! refuse\n" + v)

# ---- CreateContainer(name, image, a{sv}) as fuzz-create-container builds it:
# NAME, IMAGE, then "KEY SIGNATURE VALUE" lines (see the target's comment)
OK = "accept"
ARRAY = "refuse must be an array of strings"
ENTRY = "refuse: invalid entry"
U64 = "refuse must be an unsigned 64-bit integer"
create_cases = {
    "good": (OK, ["web", "busybox", "Command as sh|-c|echo hi", "Env as A=1|B=2",
                  "Volumes as /srv:/data:ro|vol:/v", "Entrypoint s /bin/sh", "User s app:app",
                  "WorkingDirectory s /srv", "Restart s on-failure", "MemoryMax t 1048576",
                  "CPUQuotaPerSecUSec t 500000", "TasksMax t 64", "AutoRemove b 1"]),
    "generated-name": (OK, ["", "busybox"]),
    "name-invalid": ("refuse invalid container name", ["../x", "busybox"]),
    "name-space": ("refuse invalid container name", ["a b", "busybox"]),
    "name-long": ("refuse invalid container name", ["a" * 200, "busybox"]),
    "name-control": ("refuse invalid container name", ["a\\x01", "busybox"]),
    "image-empty": ("refuse invalid image reference", ["web", ""]),
    "image-space": ("refuse invalid image reference", ["web", "busy box"]),
    "image-control": ("refuse invalid image reference", ["web", "busybox\\n"]),
    "image-long": ("refuse invalid image reference", ["web", "a" * 2000]),
    "image-utf8": ("refuse invalid image reference", ["web", "b\\xc3\\xa4d"]),
    "unknown-option": ('refuse unknown option "Privileged"', ["web", "busybox", "Privileged b 1"]),
    "empty-key": ('refuse unknown option ""', ["web", "busybox", " s x"]),
    "key-control": ("refuse unknown option", ["web", "busybox", "Env\\n as A=1"]),
    "command-string": ("refuse option Command must be an array of strings",
                       ["web", "busybox", "Command s sh"]),
    "command-variant": (ARRAY, ["web", "busybox", "Command v as sh"]),
    "command-newline": ("refuse option Command: invalid entry",
                        ["web", "busybox", "Command as sh|-c|a\\nb"]),
    "command-ints": (ARRAY, ["web", "busybox", "Command ai 1|2"]),
    "command-struct": (ARRAY, ["web", "busybox", "Command a(si) a;1|b;2"]),
    "command-dict": (ARRAY, ["web", "busybox", "Command a{ss} a=b"]),
    "env-no-eq": ("refuse option Env: invalid entry", ["web", "busybox", "Env as PATH"]),
    "env-empty-key": (ENTRY, ["web", "busybox", "Env as =x"]),
    "env-cr": (ENTRY, ["web", "busybox", "Env as A=1\\rB=2"]),
    "volume-relative": ("refuse option Volumes: invalid entry", ["web", "busybox", "Volumes as a:b"]),
    "volume-mode": (ENTRY, ["web", "busybox", "Volumes as /a:/b:exec"]),
    "volume-named-bad": (ENTRY, ["web", "busybox", "Volumes as ../v:/b"]),
    "workdir-relative": ("refuse WorkingDirectory must be absolute",
                         ["web", "busybox", "WorkingDirectory s srv"]),
    "workdir-empty": ("refuse WorkingDirectory must be absolute",
                      ["web", "busybox", "WorkingDirectory s "]),
    "workdir-object-path": ("refuse option WorkingDirectory must be a string",
                            ["web", "busybox", "WorkingDirectory o /srv"]),
    "user-newline": ("refuse option User: invalid value",
                     ["web", "busybox", "User s root\\nExecStart=/bin/evil"]),
    "entrypoint-control": ("refuse option Entrypoint: invalid value",
                           ["web", "busybox", "Entrypoint s a\\x01b"]),
    "command-escape": ("refuse option Command: invalid entry",
                       ["web", "busybox", "Command as sh|-c|\\x1b[2Jx"]),
    "entrypoint-long": ("refuse option Entrypoint: invalid value",
                        ["web", "busybox", "Entrypoint s " + "x" * 5000]),
    "restart-bad": ("refuse Restart must be no, on-failure", ["web", "busybox", "Restart s sometimes"]),
    "restart-int": ("refuse option Restart must be a string", ["web", "busybox", "Restart i 1"]),
    "memory-max-u64": ("refuse option MemoryMax: 18446744073709551615 is out of range",
                       ["web", "busybox", "MemoryMax t 18446744073709551615"]),
    "memory-int64-max": (OK, ["web", "busybox", "MemoryMax t 9223372036854775807"]),
    "memory-negative-x": ("refuse option MemoryMax must be", ["web", "busybox", "MemoryMax x -1"]),
    "memory-string": (U64, ["web", "busybox", "MemoryMax s 1G"]),
    "memory-double": (U64, ["web", "busybox", "MemoryMax d 1e9"]),
    "tasks-u32": ("refuse option TasksMax must be", ["web", "busybox", "TasksMax u 64"]),
    "cpu-variant-variant": ("refuse option CPUQuotaPerSecUSec must be",
                            ["web", "busybox", "CPUQuotaPerSecUSec v t 5"]),
    "auto-remove-string": ("refuse option AutoRemove must be a boolean",
                           ["web", "busybox", "AutoRemove s yes"]),
    "auto-remove-byte": ("refuse AutoRemove must be a boolean", ["web", "busybox", "AutoRemove y 1"]),
    "repeated": (OK, ["web", "busybox"] + ["Env as A=%d" % i for i in range(40)]),
    "too-many": ("refuse too many options", ["web", "busybox"] + ["TasksMax t %d" % i for i in range(80)]),
    "many-entries": ("refuse option Env: too many entries",
                     ["web", "busybox", "Env as " + "|".join("K%d=v" % i for i in range(5000))]),
    "deep-variant": (ARRAY, ["web", "busybox", "Command " + "v " * 14 + "as x"]),
    "network-good": (OK, ["web", "busybox", "Network s bridge", "Publish as 8080:80|127.0.0.1:53:53/udp",
                          "IP s 10.90.0.9", "DNS as 1.1.1.1", "DNSSearch as example.com",
                          "AddHost as db:10.90.0.2"]),
    "network-bad": ("refuse option Network:", ["web", "busybox", "Network s ../x"]),
    "ip-bad": ("refuse option IP:", ["web", "busybox", "Network s bridge", "IP s 999.1.1.1"]),
    "publish-bad": ("refuse option Publish: invalid entry", ["web", "busybox", "Network s bridge",
                                                             "Publish as 99999:80"]),
    "publish-without-network": ("refuse need a network", ["web", "busybox", "Network s none",
                                                          "Publish as 8080:80"]),
    "add-host-newline": ("refuse option AddHost: invalid entry",
                         ["web", "busybox", "Network s bridge", "AddHost as a:1.2.3.4\\nb"]),
    # not messages at all: the builder gives up, nothing to expect
    "signature-garbage": (None, ["web", "busybox", "Command a( x"]),
    "signature-fd": (None, ["web", "busybox", "Command h 0"]),
    # a NUL ends the key: D-Bus strings cannot hold one
    "nul-in-key": (OK, ["web", "busybox", "Env\\x00 as A=1"]),
}
for n, (expect, lines) in create_cases.items():
    put("create-container", n, ("#! %s\n" % expect if expect else "") + "\n".join(lines) + "\n")
