import Foundation

/// The committed bad-input corpus, Tests/Fixtures/bad/*.o (made from the fixtures by make.py there),
/// and the one table of what iter says about each file: `Error: <bpftool's words> FILE: <reason>`,
/// whose reason names the section, symbol or type and what was expected, and the exit status.
/// EndToEndTests checks it through the binaries (as root), IterCommandTests at library level
/// against the kernel snapshot (any user).
package enum BadCorpus {
    /// Tests/Fixtures/bad.
    package static let directory = TestPaths.fixtures.appendingPathComponent("bad")

    package struct Row: Sendable, CustomStringConvertible {
        /// The file's name without `.o`.
        package let name: String
        /// bpftool's words that start the message (`can't open objfile`, …).
        package let words: String
        /// What follows `FILE: ` must contain this.
        package let reason: String
        package var status: Int32 = 255

        package var path: String { BadCorpus.directory.appendingPathComponent(name + ".o").path }
        package var description: String { name }
    }

    /// A malformed object: libbpf fails in bpf_object__open.
    static func open(_ name: String, _ reason: String) -> Row {
        Row(name: name, words: "can't open objfile", reason: reason)
    }

    /// Wrong for this kernel, or found while relocating: libbpf fails in bpf_object__load.
    static func load(_ name: String, _ reason: String) -> Row {
        Row(name: name, words: "can't load objfile", reason: reason)
    }

    /// No program to attach.
    static func find(_ name: String, _ reason: String) -> Row {
        Row(name: name, words: "can't find bpf program in objfile", reason: reason)
    }

    package static let table: [Row] = [
        // Truncated at each section boundary of clang's layout: the section headers (last in the file) are lost.
        open("truncated-0x0040-before-iter_task", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x40)"),
        open("truncated-0x0168-before-license", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x168)"),
        open("truncated-0x016c-before-rodata", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x16c)"),
        open("truncated-0x018e-before-debug_loclists", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x18e)"),
        open("truncated-0x01ba-before-debug_abbrev", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x1ba)"),
        open("truncated-0x02d3-before-debug_info", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x2d3)"),
        open("truncated-0x0492-before-debug_str_offsets", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x492)"),
        open("truncated-0x0512-before-debug_str", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x512)"),
        open("truncated-0x069f-before-debug_addr", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x69f)"),
        open("truncated-0x06d7-after-debug_addr", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x6d7)"),
        open("truncated-0x06d8-before-BTF", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x6d8)"),
        open("truncated-0x0b2f-after-BTF", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xb2f)"),
        open("truncated-0x0b30-before-BTF.ext", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xb30)"),
        open("truncated-0x0c9c-after-BTF.ext", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xc9c)"),
        open("truncated-0x0ca0-before-debug_frame", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xca0)"),
        open("truncated-0x0cc8-before-debug_line", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xcc8)"),
        open("truncated-0x0d74-before-debug_line_str", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xd74)"),
        open("truncated-0x0dc3-after-debug_line_str", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xdc3)"),
        open("truncated-0x0dc8-before-symtab", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xdc8)"),
        open("truncated-0x0f48-before-reliter_task", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xf48)"),
        open("truncated-0x0f68-before-rel.debug_info", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xf68)"),
        open("truncated-0x0fb8-before-rel.debug_str_offsets", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0xfb8)"),
        open("truncated-0x1198-before-rel.debug_addr", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x1198)"),
        open("truncated-0x11f8-before-rel.BTF", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x11f8)"),
        open("truncated-0x1228-before-rel.BTF.ext", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x1228)"),
        open("truncated-0x1358-before-rel.debug_frame", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x1358)"),
        open("truncated-0x1378-before-rel.debug_line", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x1378)"),
        open("truncated-0x13d8-before-llvm_addrsig", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x13d8)"),
        open("truncated-0x13dc-before-strtab", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x13dc)"),
        open("truncated-0x150c-after-strtab", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x150c)"),

        // Truncated inside the section header table.
        open("truncated-in-section-header-0", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x151a)"),
        open("truncated-in-section-header-1", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x155a)"),
        open("truncated-in-section-header-26", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x1b9a)"),

        // Section headers first, then the bytes of each section in order, cut where one section starts:
        // that section is the first that does not fit.
        open("headers-first-truncated-at-01-strtab", "section 1 '.shstrtab': offset 0x700 + size 0x130 beyond end of file (0x700)"),
        open("headers-first-truncated-at-03-iter_task", "section 3 'iter/task': offset 0x830 + size 0x128 beyond end of file (0x830)"),
        open("headers-first-truncated-at-04-reliter_task", "section 4 '.reliter/task': offset 0x958 + size 0x20 beyond end of file (0x958)"),
        open("headers-first-truncated-at-05-license", "section 5 'license': offset 0x978 + size 0x4 beyond end of file (0x978)"),
        open("headers-first-truncated-at-06-rodata", "section 6 '.rodata': offset 0x97c + size 0x22 beyond end of file (0x97c)"),
        open("headers-first-truncated-at-07-debug_loclists", "section 7 '.debug_loclists': offset 0x99e + size 0x2c beyond end of file (0x99e)"),
        open("headers-first-truncated-at-08-debug_abbrev", "section 8 '.debug_abbrev': offset 0x9ca + size 0x119 beyond end of file (0x9ca)"),
        open("headers-first-truncated-at-09-debug_info", "section 9 '.debug_info': offset 0xae3 + size 0x1bf beyond end of file (0xae3)"),
        open("headers-first-truncated-at-10-rel.debug_info", "section 10 '.rel.debug_info': offset 0xca8 + size 0x50 beyond end of file (0xca8)"),
        open("headers-first-truncated-at-11-debug_str_offsets", "section 11 '.debug_str_offsets': offset 0xcf8 + size 0x80 beyond end of file (0xcf8)"),
        open("headers-first-truncated-at-12-rel.debug_str_offsets", "section 12 '.rel.debug_str_offsets': offset 0xd78 + size 0x1e0 beyond end of file (0xd78)"),
        open("headers-first-truncated-at-13-debug_str", "section 13 '.debug_str': offset 0xf58 + size 0x18d beyond end of file (0xf58)"),
        open("headers-first-truncated-at-14-debug_addr", "section 14 '.debug_addr': offset 0x10e5 + size 0x38 beyond end of file (0x10e5)"),
        open("headers-first-truncated-at-15-rel.debug_addr", "section 15 '.rel.debug_addr': offset 0x1120 + size 0x60 beyond end of file (0x1120)"),
        open("headers-first-truncated-at-16-BTF", "section 16 '.BTF': offset 0x1180 + size 0x457 beyond end of file (0x1180)"),
        open("headers-first-truncated-at-17-rel.BTF", "section 17 '.rel.BTF': offset 0x15d8 + size 0x30 beyond end of file (0x15d8)"),
        open("headers-first-truncated-at-18-BTF.ext", "section 18 '.BTF.ext': offset 0x1608 + size 0x16c beyond end of file (0x1608)"),
        open("headers-first-truncated-at-19-rel.BTF.ext", "section 19 '.rel.BTF.ext': offset 0x1778 + size 0x130 beyond end of file (0x1778)"),
        open("headers-first-truncated-at-20-debug_frame", "section 20 '.debug_frame': offset 0x18a8 + size 0x28 beyond end of file (0x18a8)"),
        open("headers-first-truncated-at-21-rel.debug_frame", "section 21 '.rel.debug_frame': offset 0x18d0 + size 0x20 beyond end of file (0x18d0)"),
        open("headers-first-truncated-at-22-debug_line", "section 22 '.debug_line': offset 0x18f0 + size 0xac beyond end of file (0x18f0)"),
        open("headers-first-truncated-at-23-rel.debug_line", "section 23 '.rel.debug_line': offset 0x19a0 + size 0x60 beyond end of file (0x19a0)"),
        open("headers-first-truncated-at-24-debug_line_str", "section 24 '.debug_line_str': offset 0x1a00 + size 0x4f beyond end of file (0x1a00)"),
        open("headers-first-truncated-at-25-llvm_addrsig", "section 25 '.llvm_addrsig': offset 0x1a4f + size 0x4 beyond end of file (0x1a4f)"),
        open("headers-first-truncated-at-26-symtab", "section 26 '.symtab': offset 0x1a58 + size 0x180 beyond end of file (0x1a58)"),

        // The ELF header.
        open("header-only", "section headers at offset 0x1510 (27 x 64 bytes) beyond end of file (0x40)"),
        open("not-elf-magic", #"not an ELF file (no \x7fELF magic)"#),
        open("elfclass32", "32-bit ELF (ELFCLASS32): BPF objects are ELF64"),
        open("unknown-data-encoding", "unknown ELF data encoding 3, expected little- (1) or big-endian (2)"),
        open("unknown-ident-version", "unsupported ELF version 2, expected 1"),
        open("executable-not-relocatable", "ELF file is an executable, expected a relocatable BPF object (clang -c)"),
        open("section-header-entry-size-40", "section header entry size 40, expected 64"),
        open("oversized-section-count-65535", "section headers at offset 0x1510 (65535 x 64 bytes) beyond end of file (0x1bd0)"),
        open("oversized-extended-section-count-2p60", "section headers at offset 0x1510 (1152921504606846976 x 64 bytes) beyond end of file (0x1bd0)"),
        open("section-headers-offset-2p62", "section headers at offset 0x4000000000000000 (27 x 64 bytes) beyond end of file (0x1bd0)"),
        open("section-name-table-index-out-of-range", "section name table index 32 is not a string table"),
        open("section-name-table-is-symtab", "section name table index 26 is not a string table"),

        // Section headers, symbol and relocation tables.
        open("huge-section-name-offset", "section 6: name offset 0xfffffff0 outside the section name table"),
        open("oversized-btf-section-size", "section 16 '.BTF': offset 0x6d8 + size 0x2027 beyond end of file (0x1bd0)"),
        open("btf-ext-offset-wraps-around", "section 18 '.BTF.ext': offset 0xfffffffffffffff0 + size 0x16c beyond end of file (0x1bd0)"),
        open("oversized-symbol-table-size", "section 26 '.symtab': offset 0xdc8 + size 0x5dc00 beyond end of file (0x1bd0)"),
        open("symbol-table-size-not-multiple-of-24", "section 26 '.symtab': entry size 24 and size 379, expected entries of 24 bytes"),
        open("symbol-table-entry-size-16", "section 26 '.symtab': entry size 16 and size 384, expected entries of 24 bytes"),
        open("symbol-table-strings-not-strtab", "section 26 '.symtab': sh_link (string table) 16 is not a valid section for it"),
        open("two-symbol-tables", "two symbol tables (sections 16 and 26)"),
        open("no-symbol-table", "object has no symbol table (.symtab), so its programs cannot be found"),
        open("oversized-relocation-count", "section 4 '.reliter/task': offset 0xf48 + size 0x30d400 beyond end of file (0x1bd0)"),
        open("relocation-table-size-not-multiple-of-16", "section 4 '.reliter/task': entry size 16 and size 40, expected entries of 16 bytes"),
        open("relocation-target-section-out-of-range", "section 4 '.reliter/task': sh_info (target section) 30 is not a valid section for it"),
        open("relocation-symbol-table-link-wrong", "section 4 '.reliter/task': sh_link (symbol table) 16 is not a valid section for it"),
        open("overlapping-sections-rodata-in-code", "section 6 '.rodata' (0x48..0x6a) overlaps section 3 'iter/task' (0x40..0x168)"),
        open("overlapping-rodata-and-section-headers", "section 6 '.rodata' (0x1550..0x1572) overlaps the section header table"),
        open("section-name-unterminated", "section 16: name at offset 0x110 is unterminated"),

        // Symbols.
        open("huge-symbol-name-offset", "symbol 14: name offset 0xfffffff0 outside the string table"),
        open("symbol-section-index-out-of-range", "symbol 14 'dump_task': section index 65024 does not exist"),
        open("static-program", "section 'iter/task': program 'dump_task': program is static; programs must be global functions"),
        open("program-symbol-size-past-section-end", "section 'iter/task': program 'dump_task': instructions 0..<45 outside the section's 37"),
        open("program-symbol-offset-not-multiple-of-8", "section 'iter/task': program 'dump_task': offset 4 is not a multiple of 8"),

        // Program sections.
        open("program-size-not-multiple-of-8", "section 'iter/task': size 295 is not a multiple of 8 (BPF instructions)"),
        find("non-iterator-program-section", #"no iterator program (SEC("iter/<target>")) in the object (its programs: dump_task (kprobe/t))"#),
        find("optional-non-iterator-program-only", #"no iterator program (SEC("iter/<target>")) in the object"#),
        open("legacy-maps-section", #"section 'maps': legacy map definitions are not supported, declare maps in SEC(".maps") with __uint/__type"#),

        // Relocations of a program.
        open("relocation-to-missing-symbol-index", "section 4 '.reliter/task': relocation 0 names symbol 65535, but there are 19 symbols"),
        open("relocation-offset-not-on-instruction", "section '.reliter/task': relocation at offset 0x2b is not on an instruction of 'iter/task'"),
        open("relocation-offset-past-section-end", "section '.reliter/task': relocation at offset 0x1b0 is not on an instruction of 'iter/task'"),
        open("relocation-on-non-ld-imm64-instruction", "program 'count_tasks': instruction 7: relocation against 'calls' on an instruction that is neither ld_imm64 nor a call (opcode 97)"),
        open("relocation-against-section-symbol-on-non-ld-imm64-instruction", "program 'dump_task': instruction 12: relocation against section '.rodata' on an instruction that is neither ld_imm64 nor a call"),
        open("relocation-to-absolute-symbol", "program 'count_tasks': instruction 5: reference to 'calls', which has no section (uninitialised global? initialise it or make it static)"),
        open("relocation-to-symbol-in-btf-section", "program 'count_tasks': instruction 5: reference to 'calls' in section '.BTF', which is neither global data nor '.maps'"),
        open("symbol-extended-section-index-without-table", "symbol 15 'calls': section index 65535 does not exist"),
        open("global-variable-without-symbol-for-btf-var", "section '.BTF': BTF type [28]: VAR 'calls' in DATASEC '.bss' has no ELF symbol"),
        open("callback-address-symbol-offset-overflow", "program 'dump_task': instruction 10: callback address section 'iter/task' at offset 9223372036854775800 is outside section 'iter/task' (296 bytes)"),
        open("call-into-middle-of-function", "program 'dump_threads': instruction 8: call to instruction 1 of section '.text', which does not start a function"),

        // BTF-defined maps.
        open("maps-section-without-btf", "section '.maps': BTF-defined maps need the object's BTF (compile with -g)"),
        open("map-unknown-attribute", "map 'seen': unknown attribute 'max_entriez' (expected type, max_entries, key, value, key_size, value_size, map_flags, numa_node, pinning or map_extra)"),
        // LICENSE moved into '.maps' at offset 64: its DATASEC 'license' (4 bytes) cannot hold it.
        open("map-reference-where-no-map-is-declared", "section '.BTF': BTF type [35]: VAR 'LICENSE' at offset 64 lies outside DATASEC 'license' (4 bytes)"),

        // .BTF.
        open("btf-typedef-cycle", "section '.BTF': BTF type [11] is part of a reference cycle"),
        open("btf-typedef-const-cycle", "section '.BTF': BTF type [11] is part of a reference cycle"),
        open("btf-huge-type-name-offset", "section '.BTF': BTF type [2] names string offset 0xfffffff0, beyond the string section (0x22f)"),
        open("btf-huge-member-name-offset", "section '.BTF': BTF type [2] names string offset 0x7ffffff0, beyond the string section (0x22f)"),
        open("btf-oversized-struct-vlen", "section '.BTF': BTF type [2] at 0xc runs past the end of the type section"),
        open("btf-unknown-kind-31", "section '.BTF': BTF type [25] has unknown kind 31"),
        open("btf-pointer-to-missing-type", "section '.BTF': BTF type [1] refers to type [1048575], but there are only 26 types"),
        open("btf-func-linkage-7", "section '.BTF': BTF type [7]: FUNC linkage 7 is not static, global or extern"),
        open("btf-oversized-string-section-length", "section '.BTF': BTF string section at 0x210 + 0x7ffffff0 beyond end of BTF (0x457)"),
        open("btf-oversized-type-section-length", "section '.BTF': BTF type section at 0x0 + 0xfffffff0 beyond end of BTF (0x457)"),
        open("btf-strings-not-nul-terminated", "section '.BTF': BTF string section does not end with a NUL byte"),
        open("btf-bad-magic", "section '.BTF': bad BTF magic 0xeb9e, expected 0xeb9f"),
        open("btf-header-length-65536", "section '.BTF': BTF header length 65536 is invalid"),
        open("btf-type-section-misaligned", "section '.BTF': BTF type section offset 0x2 is not 4-byte aligned"),
        open("btf-section-truncated-to-100-bytes", "section '.BTF': BTF type section at 0x0 + 0x210 beyond end of BTF (0x64)"),

        // .BTF.ext.
        open("btf-ext-oversized-func-info-count", "section '.BTF.ext': .BTF.ext: func_info: 4294967295 records of 8 bytes at 0xc do not fit in 0x14 bytes"),
        open("btf-ext-oversized-line-info-count", "section '.BTF.ext': .BTF.ext: line_info: 268435456 records of 16 bytes at 0xc do not fit in 0xac bytes"),
        open("btf-ext-oversized-core-relo-count", "section '.BTF.ext': .BTF.ext: core_relo: 16777216 records of 16 bytes at 0xc do not fit in 0x8c bytes"),
        open("btf-ext-func-info-record-size-4", "section '.BTF.ext': .BTF.ext: func_info: record size 4, expected at least 8 and a multiple of 4"),
        open("btf-ext-unknown-core-relo-kind", "section '.BTF.ext': .BTF.ext: core_relo section 0 record 0: unknown relocation kind 99"),
        open("btf-ext-core-relo-huge-section-name-offset", "section '.BTF.ext': .BTF.ext: core_relo section 0: section name offset 0xfffffff0"),
        load("btf-ext-core-relo-missing-type", "program 'dump_task': relo #0: BTF has no type [1048575]"),
        load("btf-ext-core-relo-huge-access-string-offset", "program 'dump_task': relo #0: invalid CO-RE relocation: access string offset 2147483632 is outside the BTF strings"),
        load("btf-ext-core-relo-past-section-end", "program 'dump_task': relo #0: invalid CO-RE relocation: instruction offset 360 is beyond the 37 instructions of section 'iter/task'"),
        open("btf-ext-func-info-missing-type", "section '.BTF.ext': .BTF.ext: func_info section 0 record 0: type [1048575] is not a FUNC of the object's BTF"),
        open("btf-ext-line-info-huge-section-name-offset", "section '.BTF.ext': .BTF.ext: line_info section 0: section name offset 0xfffffff0"),
        open("btf-ext-func-info-huge-section-name-offset", "section '.BTF.ext': .BTF.ext: func_info section 0: section name offset 0xfffffff0"),
        open("btf-ext-core-relo-for-data-section", "section '.BTF.ext': .BTF.ext: core_relo section 0: CO-RE relocations for section '.rodata', which holds no code"),
        open("btf-ext-header-length-65536", "section '.BTF.ext': .BTF.ext: header length 65536 is invalid"),
    ]
}
