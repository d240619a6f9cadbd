#!/usr/bin/env python3
"""Writes the .BTF section of a kernel image or module to a file.

    extract-btf.py INPUT OUT

INPUT is an ELF file (vmlinux, a module .ko), an xz-compressed module (.ko.xz), or a compressed
kernel image (vmlinuz: a bzImage whose payload is the vmlinux ELF compressed with zstd, xz or
gzip; decompressed with the zstd, xz or gzip command, as the kernel's scripts/extract-vmlinux does).
"""
import lzma
import struct
import subprocess
import sys

MAGICS = [(b"\x28\xb5\x2f\xfd", ["zstd", "-dcq"]), (b"\xfd7zXZ\x00", ["xz", "-dcq"]), (b"\x1f\x8b\x08", ["gzip", "-dcq"])]


def elf_of(data):
    if data.startswith(b"\x7fELF"):
        return data
    if data.startswith(b"\xfd7zXZ\x00"):
        return lzma.decompress(data)
    # A kernel image: try each compressed stream, in file order, until one holds an ELF file.
    starts = sorted((i, command) for magic, command in MAGICS for i in [data.find(magic)] if i >= 0)
    for start, command in starts:
        result = subprocess.run(command, input=data[start:], capture_output=True)
        if result.stdout.startswith(b"\x7fELF"):
            return result.stdout
    sys.exit("extract-btf: no ELF file found in the input")


def section(elf, wanted):
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    names = sections[shstrndx][4]
    for s in sections:
        if elf[names + s[0]:elf.index(b"\0", names + s[0])] == wanted:
            return elf[s[4]:s[4] + s[5]]
    sys.exit("extract-btf: no %s section" % wanted.decode())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    elf = elf_of(open(sys.argv[1], "rb").read())
    open(sys.argv[2], "wb").write(section(elf, b".BTF"))


if __name__ == "__main__":
    main()
