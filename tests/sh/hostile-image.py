#!/usr/bin/env python3
"""Hostile images for run-hostile.t.

hostile-image.py tar OUT BASEDIR MEMBER...   BASEDIR's tree, then MEMBERs
hostile-image.py oci OUTDIR BASEDIR MEMBER...  an OCI layout: layer 1 is
    BASEDIR, layer 2 the MEMBERs
MEMBER (appended as is, no checks: that is the point):
    chr:NAME:MAJ:MIN  blk:NAME:MAJ:MIN   a device node
    suid:NAME         a setuid+setgid root script
    file:NAME         a small regular file (NAME may be absolute or hold ..)
    dir:NAME:MODE:UID:GID  a directory (MODE in octal), with a file f in it
                      of the same owner, mode 0666
    sym:NAME:TARGET   a symlink        hard:NAME:TARGET  a hard link
    deep:N            a directory nested N deep, a file at the bottom
    many:N            N files under many/
    huge:NAME:SIZE    a member declaring SIZE bytes, only 1 MiB of them
                      given: the archive ends there (truncated)
"""
import hashlib, io, json, os, sys, tarfile


def info(name, typ, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode = typ, mode
    return ti


def add_file(tf, name, data=b"x\n", mode=0o644):
    ti = info(name, tarfile.REGTYPE, mode)
    ti.size = len(data)
    tf.addfile(ti, io.BytesIO(data))


def members(tf, specs):
    for spec in specs:
        kind, _, rest = spec.partition(":")
        if kind in ("chr", "blk"):
            name, ma, mi = rest.split(":")
            ti = info(name, tarfile.CHRTYPE if kind == "chr" else tarfile.BLKTYPE, 0o666)
            ti.devmajor, ti.devminor = int(ma), int(mi)
            tf.addfile(ti)
        elif kind == "suid":
            add_file(tf, rest, b"#!/bin/sh\necho suid\n", 0o6755)
        elif kind == "file":
            add_file(tf, rest, b"evil\n")
        elif kind == "dir":
            name, mode, uid, gid = rest.split(":")
            for n, t, m, data in ((name, tarfile.DIRTYPE, int(mode, 8), None),
                                  (name + "/f", tarfile.REGTYPE, 0o666, b"f\n")):
                ti = info(n, t, m)
                ti.uid, ti.gid = int(uid), int(gid)
                if data:
                    ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data) if data else None)
        elif kind in ("sym", "hard"):
            name, target = rest.split(":", 1)
            ti = info(name, tarfile.SYMTYPE if kind == "sym" else tarfile.LNKTYPE, 0o777)
            ti.linkname = target
            tf.addfile(ti)
        elif kind == "deep":
            path = "deep"
            tf.addfile(info(path, tarfile.DIRTYPE, 0o755))
            for _ in range(int(rest)):
                path += "/d"
                tf.addfile(info(path, tarfile.DIRTYPE, 0o755))
            add_file(tf, path + "/bottom", b"bottom\n")
        elif kind == "many":
            tf.addfile(info("many", tarfile.DIRTYPE, 0o755))
            for i in range(int(rest)):
                if i % 1000 == 0:
                    tf.addfile(info("many/%d" % (i // 1000), tarfile.DIRTYPE, 0o755))
                add_file(tf, "many/%d/%d" % (i // 1000, i), b"")
        elif kind == "huge":
            name, size = rest.split(":")
            ti = info(name, tarfile.REGTYPE)
            ti.size = int(size)
            tf.fileobj.write(ti.tobuf(tarfile.GNU_FORMAT, tarfile.ENCODING, "surrogateescape"))
            tf.fileobj.write(b"\0" * (1 << 20))
            tf.fileobj.flush()
            os._exit(0)	# no end blocks, no padding: truncated
        else:
            sys.exit("unknown member " + spec)


def tarball(out, base, specs):
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tf:
        if base:
            tf.add(base, arcname=".")
        members(tf, specs)


def blob(layout, data):
    hexd = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", hexd), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + hexd, "size": len(data)}


def oci(out, base, specs):
    os.makedirs(os.path.join(out, "blobs", "sha256"))
    layers = []
    for b, s in ((base, []), (None, specs)):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
            if b:
                tf.add(b, arcname=".")
            members(tf, s)
        layers.append(dict(blob(out, buf.getvalue()), mediaType="application/vnd.oci.image.layer.v1.tar"))
    cfg = dict(blob(out, b'{"architecture":"amd64","os":"linux"}'),
               mediaType="application/vnd.oci.image.config.v1+json")
    man = dict(blob(out, json.dumps({"schemaVersion": 2, "config": cfg, "layers": layers}).encode()),
               mediaType="application/vnd.oci.image.manifest.v1+json")
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [man]}, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')


if __name__ == "__main__":
    {"tar": tarball, "oci": oci}[sys.argv[1]](sys.argv[2], sys.argv[3] or None, sys.argv[4:])
