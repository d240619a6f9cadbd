#!/usr/bin/env python3
"""Generates the bad-input corpus in this directory from the committed fixtures (Tests/Fixtures/*.o).

Each file is a fixture with one thing wrong, named after that thing; BadCorpusTests.swift runs
`iter pin` on every one and checks the exit code and the message. Run it again after the fixtures
are rebuilt, then review the diff of the test's table (offsets in messages move with the layout):

    python3 Tests/Fixtures/bad/make.py           # rewrite every *.o here
    python3 Tests/Fixtures/bad/make.py --check   # exit 1 if a file differs from what would be written

Only the standard library; every edit is a byte patch at an offset found by parsing the ELF, BTF
and .BTF.ext structures below, so the files stay what their names say when the fixtures change.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS, SHT_REL = 1, 2, 3, 8, 9
SHDR = struct.Struct("<IIQQQQIIQQ")  # name type flags addr offset size link info addralign entsize
SYM = struct.Struct("<IBBHQQ")  # name info other shndx value size


class Section:
    def __init__(self, elf, index, raw):
        self.elf = elf
        self.index = index
        (self.name_off, self.type, self.flags, self.addr, self.offset, self.size, self.link, self.info,
         self.align, self.entsize) = raw

    @property
    def header_offset(self):
        return self.elf.shoff + self.index * SHDR.size

    @property
    def name(self):
        return self.elf.string(self.elf.shstrtab, self.name_off)

    @property
    def data(self):
        return bytes(self.elf.data[self.offset:self.offset + self.size]) if self.type != SHT_NOBITS else b""

    def set(self, **fields):
        """Patches header fields in the file (and here)."""
        for key, value in fields.items():
            setattr(self, key, value)
        SHDR.pack_into(self.elf.data, self.header_offset, self.name_off, self.type, self.flags, self.addr,
                       self.offset, self.size, self.link, self.info, self.align, self.entsize)


class ELF:
    """A little-endian ELF64 relocatable file (what clang -target bpf writes), editable in place."""

    def __init__(self, data):
        self.data = bytearray(data)
        assert self.data[:4] == b"\x7fELF" and self.data[4] == 2 and self.data[5] == 1
        self.shoff, = struct.unpack_from("<Q", self.data, 40)
        self.shnum, self.shstrndx = struct.unpack_from("<H", self.data, 60)[0], struct.unpack_from("<H", self.data, 62)[0]
        self.sections = [Section(self, i, SHDR.unpack_from(self.data, self.shoff + i * SHDR.size))
                         for i in range(self.shnum)]
        self.shstrtab = self.sections[self.shstrndx]

    def string(self, table, offset):
        start = table.offset + offset
        return self.data[start:self.data.index(b"\0", start)].decode()

    def section(self, name):
        return next(s for s in self.sections if s.name == name)

    @property
    def symtab(self):
        return next(s for s in self.sections if s.type == SHT_SYMTAB)

    def symbols(self):
        """[(index, file offset of the entry, name, info, shndx, value, size)]."""
        table = self.symtab
        strings = self.sections[table.link]
        out = []
        for i in range(table.size // SYM.size):
            at = table.offset + i * SYM.size
            name, info, other, shndx, value, size = SYM.unpack_from(self.data, at)
            out.append((i, at, self.string(strings, name), info, shndx, value, size))
        return out

    def symbol(self, name):
        return next(s for s in self.symbols() if s[2] == name)

    def relocations(self, section):
        """[(file offset of the entry, r_offset, symbol index, type)] of a REL section."""
        out = []
        for i in range(section.size // 16):
            at = section.offset + i * 16
            offset, info = struct.unpack_from("<QQ", self.data, at)
            out.append((at, offset, info >> 32, info & 0xffffffff))
        return out

    def u16(self, at, value):
        struct.pack_into("<H", self.data, at, value)

    def u32(self, at, value):
        struct.pack_into("<I", self.data, at, value)

    def u64(self, at, value):
        struct.pack_into("<Q", self.data, at, value)

    def rename(self, section, new):
        """Gives a section a new name of at most its old length, in place in the name table (a
        name can be the tail of another, as .reliter/task and iter/task are: both change)."""
        old = section.name
        assert len(new) <= len(old), (old, new)
        at = self.shstrtab.offset + section.name_off
        self.data[at:at + len(old)] = new.encode() + b"\0" * (len(old) - len(new))

    def headers_first(self):
        """The same object laid out as: ELF header, section headers, then each section's bytes in
        section order, so a truncation inside section k's bytes leaves every section before it whole."""
        out = bytearray(self.data[:64])
        n = len(self.sections)
        cursor = 64 + n * SHDR.size
        placed = []
        for s in self.sections:
            if s.type in (0, SHT_NOBITS) or s.size == 0:
                placed.append(0 if s.type == 0 else cursor)
                continue
            align = max(s.align, 1)
            cursor = (cursor + align - 1) // align * align
            placed.append(cursor)
            cursor += s.size
        body = bytearray(cursor)
        body[:64] = out
        struct.pack_into("<Q", body, 40, 64)
        for s, offset in zip(self.sections, placed):
            SHDR.pack_into(body, 64 + s.index * SHDR.size, s.name_off, s.type, s.flags, s.addr, offset, s.size,
                           s.link, s.info, s.align, s.entsize)
            if s.type not in (0, SHT_NOBITS):
                body[offset:offset + s.size] = s.data
        return ELF(body)


# --- BTF ---------------------------------------------------------------------------------------

KINDS = {1: "INT", 2: "PTR", 3: "ARRAY", 4: "STRUCT", 5: "UNION", 6: "ENUM", 7: "FWD", 8: "TYPEDEF",
         9: "VOLATILE", 10: "CONST", 11: "RESTRICT", 12: "FUNC", 13: "FUNC_PROTO", 14: "VAR", 15: "DATASEC",
         16: "FLOAT", 17: "DECL_TAG", 18: "TYPE_TAG", 19: "ENUM64"}


def trailing(kind, vlen):
    if kind in (1, 14, 17):
        return 4
    if kind == 3:
        return 12
    if kind in (4, 5, 15, 19):
        return 12 * vlen
    if kind in (6, 13):
        return 8 * vlen
    return 0


class BTF:
    """The .BTF section of an ELF: types with their file offsets, strings."""

    def __init__(self, elf):
        self.elf = elf
        self.section = elf.section(".BTF")
        base = self.section.offset
        magic, version, flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
            "<HBBIIIII", elf.data, base)
        assert magic == 0xeb9f
        self.header = base
        self.types_at = base + hdr_len + type_off
        self.strings_at = base + hdr_len + str_off
        self.str_len = str_len
        self.types = []  # (id, file offset, kind, vlen, name)
        at, tid = self.types_at, 1
        while at < self.types_at + type_len:
            name_off, info, _ = struct.unpack_from("<III", elf.data, at)
            kind, vlen = (info >> 24) & 0x1f, info & 0xffff
            self.types.append((tid, at, kind, vlen, self.string(name_off)))
            at += 12 + trailing(kind, vlen)
            tid += 1

    def string(self, offset):
        start = self.strings_at + offset
        return self.elf.data[start:self.elf.data.index(b"\0", start)].decode()

    def string_offset(self, text):
        """Offset of `text` as a whole string in the string section."""
        strings = bytes(self.elf.data[self.strings_at:self.strings_at + self.str_len])
        at = 0
        while at < len(strings):
            end = strings.index(b"\0", at)
            if strings[at:end] == text.encode():
                return at
            at = end + 1
        raise KeyError(text)

    def rename_string(self, old, new):
        assert len(new) == len(old)
        at = self.strings_at + self.string_offset(old)
        self.elf.data[at:at + len(old)] = new.encode()

    def first(self, kind, name=None):
        return next(t for t in self.types if KINDS.get(t[2]) == kind and (name is None or t[4] == name))


class BTFExt:
    """The .BTF.ext section: where each subsection's first group header is."""

    def __init__(self, elf):
        self.section = elf.section(".BTF.ext")
        base = self.section.offset
        hdr_len, = struct.unpack_from("<I", elf.data, base + 4)
        self.base = base
        self.hdr_len = hdr_len
        fields = struct.unpack_from("<IIIIII", elf.data, base + 8)
        self.func, self.line, self.core = [(base + hdr_len + fields[i], fields[i + 1]) for i in (0, 2, 4)]

    def first_group(self, which):
        """File offset of the first {sec_name_off, num_info} of a subsection (after its record size)."""
        start, length = getattr(self, which)
        assert length > 0, which
        return start + 4


# --- The corpus --------------------------------------------------------------------------------


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return ELF(f.read())


def cases():
    """Yields (file name, bytes)."""
    task = lambda: fixture("iter_task.bpf.o")

    # Truncated at every section boundary of the file as clang lays it out (the section headers
    # come last, so every cut loses them), and at every entry of the section header table.
    elf = task()
    cuts = sorted({s.offset for s in elf.sections if s.type not in (0, SHT_NOBITS)}
                  | {s.offset + s.size for s in elf.sections if s.type not in (0, SHT_NOBITS)})
    for cut in cuts:
        if cut >= elf.shoff:
            continue
        starts = [s.name for s in elf.sections if s.offset == cut and s.size > 0 and s.type not in (0, SHT_NOBITS)]
        label = "before-" + safe(starts[0]) if starts else "after-" + safe(next(
            s.name for s in elf.sections if s.offset + s.size == cut and s.type not in (0, SHT_NOBITS)))
        yield f"truncated-{cut:#06x}-{label}.o", elf.data[:cut]
    for entry in (0, 1, elf.shnum - 1):
        yield f"truncated-in-section-header-{entry}.o", elf.data[:elf.shoff + entry * SHDR.size + 10]

    # The same object with its section headers first: cut where each section's bytes start, so
    # the sections before it are whole and this one is the first that runs past the end.
    laid = task().headers_first()
    for s in laid.sections:
        if s.type in (0, SHT_NOBITS) or s.size == 0:
            continue
        yield f"headers-first-truncated-at-{s.index:02}-{safe(s.name)}.o", laid.data[:s.offset]

    # The ELF header.
    elf = task()
    yield "header-only.o", elf.data[:64]
    bad = bytearray(elf.data); bad[0:4] = b"\x7fELG"
    yield "not-elf-magic.o", bad
    bad = bytearray(elf.data); bad[4] = 1
    yield "elfclass32.o", bad
    bad = bytearray(elf.data); bad[5] = 3
    yield "unknown-data-encoding.o", bad
    bad = bytearray(elf.data); bad[6] = 2
    yield "unknown-ident-version.o", bad
    elf = task(); elf.u16(16, 2)
    yield "executable-not-relocatable.o", elf.data
    elf = task(); elf.u16(58, 40)
    yield "section-header-entry-size-40.o", elf.data
    elf = task(); elf.u16(60, 0xffff)
    yield "oversized-section-count-65535.o", elf.data
    elf = task(); elf.u16(60, 0); elf.sections[0].set(size=1 << 60)
    yield "oversized-extended-section-count-2p60.o", elf.data
    elf = task(); elf.u64(40, 1 << 62)
    yield "section-headers-offset-2p62.o", elf.data
    elf = task(); elf.u16(62, elf.shnum + 5)
    yield "section-name-table-index-out-of-range.o", elf.data
    elf = task(); elf.u16(62, elf.section(".symtab").index)
    yield "section-name-table-is-symtab.o", elf.data

    # Section headers.
    elf = task(); elf.section(".rodata").set(name_off=0xfffffff0)
    yield "huge-section-name-offset.o", elf.data
    elf = task(); s = elf.section(".BTF"); s.set(size=s.size + len(elf.data))
    yield "oversized-btf-section-size.o", elf.data
    elf = task(); s = elf.section(".BTF.ext"); s.set(offset=(1 << 64) - 16)
    yield "btf-ext-offset-wraps-around.o", elf.data
    elf = task(); s = elf.symtab; s.set(size=s.size * 1000)
    yield "oversized-symbol-table-size.o", elf.data
    elf = task(); s = elf.symtab; s.set(size=s.size - 5)
    yield "symbol-table-size-not-multiple-of-24.o", elf.data
    elf = task(); elf.symtab.set(entsize=16)
    yield "symbol-table-entry-size-16.o", elf.data
    elf = task(); elf.symtab.set(link=elf.section(".BTF").index)
    yield "symbol-table-strings-not-strtab.o", elf.data
    elf = task(); elf.section(".BTF").set(type=SHT_SYMTAB, entsize=24, size=elf.section(".BTF").size // 24 * 24)
    yield "two-symbol-tables.o", elf.data
    elf = task()
    for s in elf.sections:
        if s.type in (SHT_SYMTAB, SHT_REL):
            s.set(type=SHT_PROGBITS)
    yield "no-symbol-table.o", elf.data
    elf = task(); s = elf.section(".reliter/task"); s.set(size=s.size * 100000)
    yield "oversized-relocation-count.o", elf.data
    elf = task(); s = elf.section(".reliter/task"); s.set(size=s.size + 8)
    yield "relocation-table-size-not-multiple-of-16.o", elf.data
    elf = task(); elf.section(".reliter/task").set(info=elf.shnum + 3)
    yield "relocation-target-section-out-of-range.o", elf.data
    elf = task(); elf.section(".reliter/task").set(link=elf.section(".BTF").index)
    yield "relocation-symbol-table-link-wrong.o", elf.data
    # Two sections claim the same bytes: .rodata's bytes are the program's.
    elf = task(); code = elf.section("iter/task"); elf.section(".rodata").set(offset=code.offset + 8)
    yield "overlapping-sections-rodata-in-code.o", elf.data
    # A section's bytes are the section header table's.
    elf = task(); elf.section(".rodata").set(offset=elf.shoff + 64)
    yield "overlapping-rodata-and-section-headers.o", elf.data
    # The names are unterminated: the name table ends in the middle of the last name in it.
    elf = task(); names = elf.shstrtab; last = max(s.name_off for s in elf.sections)
    names.set(size=last + 2)
    yield "section-name-unterminated.o", elf.data

    # Symbols.
    elf = task(); _, at, *_ = elf.symbol("dump_task"); elf.u32(at, 0xfffffff0)
    yield "huge-symbol-name-offset.o", elf.data
    elf = task(); _, at, *_ = elf.symbol("dump_task"); elf.u16(at + 6, 0xfe00)
    yield "symbol-section-index-out-of-range.o", elf.data
    elf = task(); _, at, *_ = elf.symbol("dump_task"); elf.data[at + 4] = (0 << 4) | 2  # STB_LOCAL, STT_FUNC
    yield "static-program.o", elf.data
    elf = task(); _, at, *rest = elf.symbol("dump_task"); elf.u64(at + 16, rest[4] + 64)
    yield "program-symbol-size-past-section-end.o", elf.data
    elf = task(); _, at, *rest = elf.symbol("dump_task"); elf.u64(at + 8, 4)
    yield "program-symbol-offset-not-multiple-of-8.o", elf.data

    # Program sections.
    elf = task(); s = elf.section("iter/task"); s.set(size=s.size - 1)
    yield "program-size-not-multiple-of-8.o", elf.data
    elf = task(); elf.rename(elf.section("iter/task"), "kprobe/t")
    yield "non-iterator-program-section.o", elf.data
    elf = task(); elf.rename(elf.section("iter/task"), "?kprobe/")
    yield "optional-non-iterator-program-only.o", elf.data
    elf = task(); elf.rename(elf.section(".rodata"), "maps")
    yield "legacy-maps-section.o", elf.data

    # Relocations of the program (iter_counter's name global variables: calls, step, label).
    counter = lambda: fixture("iter_counter.bpf.o")
    elf = counter(); rel = elf.section(".reliter/task"); at, *_ = elf.relocations(rel)[0]
    elf.u32(at + 12, 0xffff)
    yield "relocation-to-missing-symbol-index.o", elf.data
    elf = counter(); rel = elf.section(".reliter/task"); at, offset, *_ = elf.relocations(rel)[0]
    elf.u64(at, offset + 3)
    yield "relocation-offset-not-on-instruction.o", elf.data
    elf = counter(); rel = elf.section(".reliter/task"); at, *_ = elf.relocations(rel)[0]
    elf.u64(at, elf.section("iter/task").size + 64)
    yield "relocation-offset-past-section-end.o", elf.data
    elf = counter(); rel = elf.section(".reliter/task"); at, offset, *_ = elf.relocations(rel)[0]
    elf.u64(at, offset + 16)  # the instruction after the ld_imm64's second half
    yield "relocation-on-non-ld-imm64-instruction.o", elf.data
    elf = task(); rel = elf.section(".reliter/task"); at, offset, *_ = elf.relocations(rel)[0]
    elf.u64(at, offset + 16)  # the same against a section symbol (.rodata), which has no name
    yield "relocation-against-section-symbol-on-non-ld-imm64-instruction.o", elf.data
    elf = counter(); rel = elf.section(".reliter/task"); _, _, symbol, _ = elf.relocations(rel)[0]
    _, at, *_ = elf.symbols()[symbol]; elf.u16(at + 6, 0xfff1)  # SHN_ABS
    yield "relocation-to-absolute-symbol.o", elf.data
    elf = counter(); rel = elf.section(".reliter/task"); _, _, symbol, _ = elf.relocations(rel)[0]
    _, at, *_ = elf.symbols()[symbol]; elf.u16(at + 6, elf.section(".BTF").index)
    yield "relocation-to-symbol-in-btf-section.o", elf.data
    elf = counter(); _, at, *_ = elf.symbol("calls"); elf.u16(at + 6, 0xffff)  # SHN_XINDEX, no SYMTAB_SHNDX
    yield "symbol-extended-section-index-without-table.o", elf.data
    elf = counter(); _, at, name_off, *_ = elf.symbol("calls")
    strings = elf.sections[elf.symtab.link]; at = strings.offset + SYM.unpack_from(elf.data, at)[0]
    elf.data[at:at + 5] = b"callz"
    yield "global-variable-without-symbol-for-btf-var.o", elf.data
    # An ld_imm64 relocated against code is a callback address (BPF_PSEUDO_FUNC): here against a
    # symbol whose value is near 2^63 with an addend of 8 in the instruction (Fuzz/crashes/plan).
    elf = task(); rel = elf.section(".reliter/task"); _, offset, symbol, _ = elf.relocations(rel)[0]
    code = elf.section("iter/task"); _, at, *_ = elf.symbols()[symbol]
    elf.u16(at + 6, code.index); elf.u64(at + 8, 0x7ffffffffffffff8); elf.u32(code.offset + offset + 4, 8)
    yield "callback-address-symbol-offset-overflow.o", elf.data
    # A call whose target is the second instruction of kind_of() in .text.
    elf = fixture("iter_subprog.bpf.o"); rel = elf.section(".reliter/task")
    _, offset, *_ = next(r for r in elf.relocations(rel) if elf.symbols()[r[2]][2] == "" and r[3] == 10)
    elf.u32(elf.section("iter/task").offset + offset + 4, 0)
    yield "call-into-middle-of-function.o", elf.data

    # .maps without BTF.
    elf = fixture("iter_hash.bpf.o"); elf.rename(elf.section(".BTF"), ".BTX")
    yield "maps-section-without-btf.o", elf.data

    # .maps declarations (iter_hash declares one hash map, `seen`).
    elf = fixture("iter_hash.bpf.o"); BTF(elf).rename_string("max_entries", "max_entriez")
    yield "map-unknown-attribute.o", elf.data
    # The program's reference to `seen` now names LICENSE, which claims to sit at offset 64 of .maps.
    elf = fixture("iter_hash.bpf.o"); rel = elf.section(".reliter/task"); at, *_ = elf.relocations(rel)[0]
    index, entry, *_ = elf.symbol("LICENSE"); elf.u32(at + 12, index)
    elf.u16(entry + 6, elf.section(".maps").index); elf.u64(entry + 8, 64)
    yield "map-reference-where-no-map-is-declared.o", elf.data

    # .BTF contents.
    elf = task(); btf = BTF(elf); _, at, *_ = btf.first("TYPEDEF"); elf.u32(at + 8, btf.first("TYPEDEF")[0])
    yield "btf-typedef-cycle.o", elf.data
    elf = task(); btf = BTF(elf); first = btf.first("TYPEDEF"); second = btf.first("CONST")
    elf.u32(first[1] + 8, second[0]); elf.u32(second[1] + 8, first[0])
    yield "btf-typedef-const-cycle.o", elf.data
    elf = task(); btf = BTF(elf); _, at, *_ = btf.first("STRUCT"); elf.u32(at, 0xfffffff0)
    yield "btf-huge-type-name-offset.o", elf.data
    elf = task(); btf = BTF(elf); _, at, *_ = btf.first("STRUCT"); elf.u32(at + 12, 0x7ffffff0)
    yield "btf-huge-member-name-offset.o", elf.data
    elf = task(); btf = BTF(elf); _, at, kind, vlen, _ = btf.first("STRUCT")
    elf.u32(at + 4, (kind << 24) | 0xffff)
    yield "btf-oversized-struct-vlen.o", elf.data
    elf = task(); btf = BTF(elf); _, at, *_ = btf.types[-1]; elf.u32(at + 4, 31 << 24)
    yield "btf-unknown-kind-31.o", elf.data
    elf = task(); btf = BTF(elf); _, at, *_ = btf.first("PTR"); elf.u32(at + 8, 0xfffff)
    yield "btf-pointer-to-missing-type.o", elf.data
    elf = task(); btf = BTF(elf); _, at, *_ = btf.first("FUNC"); elf.u32(at + 4, (12 << 24) | 7)
    yield "btf-func-linkage-7.o", elf.data
    elf = task(); btf = BTF(elf); elf.u32(btf.header + 20, 0x7ffffff0)
    yield "btf-oversized-string-section-length.o", elf.data
    elf = task(); btf = BTF(elf); elf.u32(btf.header + 12, 0xfffffff0)
    yield "btf-oversized-type-section-length.o", elf.data
    elf = task(); btf = BTF(elf); elf.data[btf.strings_at + btf.str_len - 1] = ord("x")
    yield "btf-strings-not-nul-terminated.o", elf.data
    elf = task(); btf = BTF(elf); elf.u16(btf.header, 0xeb9e)
    yield "btf-bad-magic.o", elf.data
    elf = task(); btf = BTF(elf); elf.u32(btf.header + 4, 0x10000)
    yield "btf-header-length-65536.o", elf.data
    elf = task(); btf = BTF(elf); elf.u32(btf.header + 8, 2)
    yield "btf-type-section-misaligned.o", elf.data
    elf = task(); elf.section(".BTF").set(size=100)
    yield "btf-section-truncated-to-100-bytes.o", elf.data

    # .BTF.ext contents.
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("func") + 4, 0xffffffff)
    yield "btf-ext-oversized-func-info-count.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("line") + 4, 0x10000000)
    yield "btf-ext-oversized-line-info-count.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("core") + 4, 0x01000000)
    yield "btf-ext-oversized-core-relo-count.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.func[0], 4)
    yield "btf-ext-func-info-record-size-4.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("core") + 8 + 12, 99)
    yield "btf-ext-unknown-core-relo-kind.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("core"), 0xfffffff0)
    yield "btf-ext-core-relo-huge-section-name-offset.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("core") + 8 + 4, 0xfffff)
    yield "btf-ext-core-relo-missing-type.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("core") + 8 + 8, 0x7ffffff0)
    yield "btf-ext-core-relo-huge-access-string-offset.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("core") + 8, elf.section("iter/task").size + 64)
    yield "btf-ext-core-relo-past-section-end.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("func") + 8 + 4, 0xfffff)
    yield "btf-ext-func-info-missing-type.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("line"), 0xfffffff0)
    yield "btf-ext-line-info-huge-section-name-offset.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("func"), 0xfffffff0)
    yield "btf-ext-func-info-huge-section-name-offset.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.first_group("core"), BTF(elf).string_offset(".rodata"))
    yield "btf-ext-core-relo-for-data-section.o", elf.data
    elf = task(); ext = BTFExt(elf); elf.u32(ext.base + 4, 0x10000)
    yield "btf-ext-header-length-65536.o", elf.data


def safe(name):
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name).strip("._") or "section"


def main():
    check = "--check" in sys.argv[1:]
    wanted = {}
    for name, data in cases():
        assert name not in wanted, name
        wanted[name] = bytes(data)
    existing = {f for f in os.listdir(HERE) if f.endswith(".o")}
    differ = []
    for name, data in sorted(wanted.items()):
        path = os.path.join(HERE, name)
        old = open(path, "rb").read() if os.path.exists(path) else None
        if old != data:
            differ.append(name)
            if not check:
                with open(path, "wb") as f:
                    f.write(data)
    stale = sorted(existing - set(wanted))
    if not check:
        for name in stale:
            os.unlink(os.path.join(HERE, name))
    total = sum(len(d) for d in wanted.values())
    print(f"{len(wanted)} files, {total} bytes; {len(differ)} changed, {len(stale)} removed")
    if check and (differ or stale):
        for name in differ + stale:
            print("differs:", name)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
