#!/usr/bin/env python3
"""Trims a vmlinux BTF to what iter's tests look up, keeping every type id.

    trim-btf.py --base VMLINUX.btf --out OUT.btf [--split MODULE.btf --split-out OUT.btf]
                [--names-from OBJ]... [--name NAME]... [--prefix PREFIX]...

Which types are kept (see Tests/Data/README.md for why this plans exactly as the full BTF does):

- the roots: every type whose essential name (libbpf's: the name up to its last `___` flavor
  separator) is a name of some type in the BTF of an object given with --names-from, or given with
  --name, or starts with a --prefix; and every type of the split (module) BTF;
- everything the roots reach, by value, in full: members, array elements, typedef and modifier
  targets, function prototypes, parameters, variable types, and the DECL_TAGs of kept types;
- behind a pointer, a named struct or union that is not a root becomes a shell: the same kind,
  name and size with no members (CO-RE never walks through a pointer, and type compatibility
  stops at a struct's kind and name); any other type behind a pointer is kept in full.

Every other type becomes an anonymous `void *` (12 bytes), so type ids, the type count and split
BTF ids are those of the input: plans made against the trimmed BTF carry the same ids as plans
made against the full one. Strings are rebuilt from the kept names only; the split BTF's string
offsets are rewritten for the new base (its own strings keep their order).
"""
import argparse
import struct
import sys

KINDS = {1: "INT", 2: "PTR", 3: "ARRAY", 4: "STRUCT", 5: "UNION", 6: "ENUM", 7: "FWD", 8: "TYPEDEF",
         9: "VOLATILE", 10: "CONST", 11: "RESTRICT", 12: "FUNC", 13: "FUNC_PROTO", 14: "VAR",
         15: "DATASEC", 16: "FLOAT", 17: "DECL_TAG", 18: "TYPE_TAG", 19: "ENUM64"}
PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT = 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
FUNC, FUNC_PROTO, VAR, DATASEC, DECL_TAG, TYPE_TAG, ENUM64 = 12, 13, 14, 15, 17, 18, 19
# Kinds whose `type` field refers to another type.
REFERS = {PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, VAR, DECL_TAG, TYPE_TAG}
MODIFIERS = {TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG}


class BTF:
    """One BTF blob: its types as (name_off, info, size_or_type, extra bytes), in id order."""

    def __init__(self, data, base=None):
        magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<HBBIIIII", data)
        if magic != 0xEB9F:
            sys.exit("not little-endian BTF")
        self.version, self.flags = version, flags
        self.base = base
        self.first_id = base.count + 1 if base else 1
        self.string_base = len(base.strings) if base else 0
        self.strings = data[hdr_len + str_off:hdr_len + str_off + str_len]
        self.types = []  # index i is type id first_id + i
        p, end = hdr_len + type_off, hdr_len + type_off + type_len
        while p < end:
            name_off, info, size_type = struct.unpack_from("<III", data, p)
            kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
            extra = {1: 4, ARRAY: 12, STRUCT: 12 * vlen, UNION: 12 * vlen, ENUM: 8 * vlen, FUNC_PROTO: 8 * vlen,
                     VAR: 4, DATASEC: 12 * vlen, DECL_TAG: 4, ENUM64: 12 * vlen}.get(kind, 0)
            self.types.append((name_off, info, size_type, data[p + 12:p + 12 + extra]))
            p += 12 + extra
        self.count = (base.count if base else 0) + len(self.types)

    def string(self, offset):
        if self.base and offset < self.string_base:
            return self.base.string(offset)
        offset -= self.string_base
        return self.strings[offset:self.strings.index(b"\0", offset)].decode()

    def own(self, tid):
        return 0 <= tid - self.first_id < len(self.types)

    def type(self, tid):
        if self.own(tid):
            return self.types[tid - self.first_id]
        return self.base.type(tid)

    def name(self, tid):
        return self.string(self.type(tid)[0])


def kind_of(t):
    return (t[1] >> 24) & 0x1F


def vlen_of(t):
    return t[1] & 0xFFFF


def references(t):
    """Type ids a type refers to, each with whether it is reached through a pointer."""
    kind, extra = kind_of(t), t[3]
    if kind in REFERS:
        return [(t[2], kind == PTR)]
    if kind == ARRAY:
        element, index, _ = struct.unpack_from("<III", extra)
        return [(element, False), (index, False)]
    if kind in (STRUCT, UNION):
        return [(struct.unpack_from("<III", extra, 12 * i)[1], False) for i in range(vlen_of(t))]
    if kind == FUNC_PROTO:
        return [(t[2], False)] + [(struct.unpack_from("<II", extra, 8 * i)[1], False) for i in range(vlen_of(t))]
    if kind == DATASEC:
        return [(struct.unpack_from("<III", extra, 12 * i)[0], False) for i in range(vlen_of(t))]
    return []


def string_offsets(t):
    """(position in extra, ...) of the string offsets inside a type's trailing records."""
    kind, vlen = kind_of(t), vlen_of(t)
    if kind in (STRUCT, UNION, ENUM64):
        return [12 * i for i in range(vlen)]
    if kind in (ENUM, FUNC_PROTO):
        return [8 * i for i in range(vlen)]
    return []


def essential(name):
    """libbpf's bpf_core_essential_name_len: up to the last `x___y` flavor separator."""
    for i in range(len(name) - 5, -1, -1):
        s = name[i:i + 5]
        if s[0] != "_" and s[1:4] == "___" and s[4] != "_":
            return name[:i + 1]
    return name


def object_type_names(path):
    """Names of every type in the .BTF section of an ELF64 little-endian object (empty if none)."""
    data = open(path, "rb").read()
    try:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        names = sections[shstrndx][4]
        for s in sections:
            if data[names + s[0]:data.index(b"\0", names + s[0])] == b".BTF":
                btf = BTF(data[s[4]:s[4] + s[5]])
                return {btf.string(t[0]) for t in btf.types if t[0]}
    except (struct.error, ValueError, IndexError, UnicodeDecodeError, SystemExit):
        pass
    return set()


class Strings:
    def __init__(self):
        self.data = bytearray(b"\0")
        self.index = {"": 0}

    def add(self, text):
        if text not in self.index:
            self.index[text] = len(self.data)
            self.data += text.encode() + b"\0"
        return self.index[text]


def encode(btf_version, flags, types, strings):
    body = b"".join(struct.pack("<III", *t[:3]) + t[3] for t in types)
    header = struct.pack("<HBBIIIII", 0xEB9F, btf_version, flags, 24, 0, len(body), len(body), len(strings))
    return header + body + bytes(strings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--split")
    parser.add_argument("--split-out")
    parser.add_argument("--names-from", action="append", default=[])
    parser.add_argument("--name", action="append", default=[])
    parser.add_argument("--prefix", action="append", default=[])
    args = parser.parse_args()

    base = BTF(open(args.base, "rb").read())
    split = BTF(open(args.split, "rb").read(), base=base) if args.split else None

    wanted = {essential(n) for n in args.name}
    for path in args.names_from:
        wanted |= {essential(n) for n in object_type_names(path)}
    wanted.discard("")

    def is_root(tid):
        name = base.name(tid)
        return name != "" and (essential(name) in wanted or any(name.startswith(p) for p in args.prefix))

    full, shell = set(), set()
    work = [tid for tid in range(1, base.count + 1) if is_root(tid)]
    if split:
        work += [ref for t in split.types for ref, _ in references(t)]
    work = [(tid, False) for tid in work]
    while work:
        tid, via_pointer = work.pop()
        if tid == 0 or tid in full or (split and split.own(tid)):
            continue
        t = base.type(tid)
        if via_pointer and kind_of(t) in (STRUCT, UNION) and t[0] and not is_root(tid):
            shell.add(tid)
            continue
        full.add(tid)
        # Modifiers and typedefs pass "behind a pointer" on to what they name.
        for ref, through in references(t):
            work.append((ref, through or (via_pointer and kind_of(t) in MODIFIERS)))
    shell -= full
    # DECL_TAGs of kept types (kfunc tags, for one).
    for tid in range(1, base.count + 1):
        t = base.type(tid)
        if kind_of(t) == DECL_TAG and t[2] in full:
            full.add(tid)

    strings = Strings()
    out_types = []
    for tid in range(1, base.count + 1):
        t = base.type(tid)
        if tid in full:
            extra = bytearray(t[3])
            for at in string_offsets(t):
                struct.pack_into("<I", extra, at, strings.add(base.string(struct.unpack_from("<I", extra, at)[0])))
            out_types.append((strings.add(base.string(t[0])), t[1], t[2], bytes(extra)))
        elif tid in shell:
            out_types.append((strings.add(base.string(t[0])), kind_of(t) << 24 | (t[1] & 0x80000000), t[2], b""))
        else:
            out_types.append((0, PTR << 24, 0, b""))

    # The split BTF's references to base strings must exist in the new base strings.
    if split:
        for t in split.types:
            for offset in [t[0]] + [struct.unpack_from("<I", t[3], at)[0] for at in string_offsets(t)]:
                if offset < split.string_base:
                    strings.add(base.string(offset))
    open(args.out, "wb").write(encode(base.version, base.flags, out_types, strings.data))

    if split:
        def moved(offset):
            if offset < split.string_base:
                return strings.index[base.string(offset)]
            return offset - split.string_base + len(strings.data)
        split_types = []
        for t in split.types:
            extra = bytearray(t[3])
            for at in string_offsets(t):
                struct.pack_into("<I", extra, at, moved(struct.unpack_from("<I", extra, at)[0]))
            split_types.append((moved(t[0]), t[1], t[2], bytes(extra)))
        open(args.split_out, "wb").write(encode(split.version, split.flags, split_types, split.strings))

    kept = len(full) + len(shell)
    print(f"trim-btf: {base.count} types: {len(full)} kept, {len(shell)} as shells, {base.count - kept} as void *;"
          f" strings {len(base.strings)} -> {len(strings.data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
