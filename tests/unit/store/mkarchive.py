#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds image archives from layer tars for the import tests.
#   mkarchive.py docker OUT NAME LAYER.tar…        docker save format
#   mkarchive.py oci OUT NAME LAYER.tar…           OCI layout, gzip'ed layers
#   mkarchive.py oci-lie OUT NAME LAYER.tar…       config diff_ids are wrong
import gzip
import hashlib
import io
import json
import sys
import tarfile


def sha(b):
    return 'sha256:' + hashlib.sha256(b).hexdigest()


def member(t, name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = 1500000000
    t.addfile(ti, io.BytesIO(data))


def config(diff_ids):
    return json.dumps({'architecture': 'amd64', 'os': 'linux',
                       'config': {'Cmd': ['/bin/sh'], 'Env': ['PATH=/bin']},
                       'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}).encode()


def main():
    kind, out, name = sys.argv[1:4]
    layers = [open(p, 'rb').read() for p in sys.argv[4:]]
    diff_ids = [sha(l) for l in layers]
    with tarfile.open(out, 'w') as t:
        if kind == 'docker':
            cfg = config(diff_ids)
            cname = hashlib.sha256(cfg).hexdigest() + '.json'
            paths = []
            for i, l in enumerate(layers):
                p = '%02d%s/layer.tar' % (i, hashlib.sha256(l).hexdigest()[:8])
                member(t, p, l)
                paths.append(p)
            member(t, cname, cfg)
            # docker save writes manifest.json last
            member(t, 'manifest.json', json.dumps(
                [{'Config': cname, 'RepoTags': [name], 'Layers': paths}]).encode())
            return
        if kind == 'oci-lie':
            diff_ids = ['sha256:' + '0' * 64 for _ in layers]
        cfg = config(diff_ids)
        blobs = [gzip.compress(l, mtime=0) for l in layers]
        manifest = json.dumps({
            'schemaVersion': 2,
            'mediaType': 'application/vnd.oci.image.manifest.v1+json',
            'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                       'digest': sha(cfg), 'size': len(cfg)},
            'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip',
                        'digest': sha(b), 'size': len(b)} for b in blobs]}).encode()
        index = json.dumps({'schemaVersion': 2, 'manifests': [{
            'mediaType': 'application/vnd.oci.image.manifest.v1+json',
            'digest': sha(manifest), 'size': len(manifest),
            'annotations': {'org.opencontainers.image.ref.name': name}}]}).encode()
        member(t, 'oci-layout', b'{"imageLayoutVersion":"1.0.0"}')
        for b in blobs + [cfg, manifest]:
            member(t, 'blobs/sha256/' + sha(b)[7:], b)
        member(t, 'index.json', index)


main()
