import Bytes

/// One 8-byte BPF instruction (`struct bpf_insn`). `ld_imm64` takes two slots; the second holds the
/// upper 32 bits of the immediate in its `immediate` field.
package struct BPFInstruction: Equatable, Sendable {
    /// sizeof(struct bpf_insn).
    package static let size = 8

    /// `code`: class, size/mode or operation, and source bits.
    package var opcode: UInt8
    /// `dst_reg` (r0–r10).
    package var dst: UInt8
    /// `src_reg`, or a BPF_PSEUDO_* marker in `ld_imm64` and `call`.
    package var src: UInt8
    /// `off`: jump offset or memory offset.
    package var offset: Int16
    /// `imm`: the immediate (for `ld_imm64`, the low 32 bits; the next slot holds the high 32).
    package var immediate: Int32

    /// An instruction from its fields; unused fields default to 0.
    package init(opcode: UInt8, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, immediate: Int32 = 0) {
        self.opcode = opcode
        self.dst = dst
        self.src = src
        self.offset = offset
        self.immediate = immediate
    }

    // Opcodes and pseudo source registers the loader rewrites (linux/bpf.h).
    /// BPF_JMP | BPF_CALL: a helper, subprogram (BPF_PSEUDO_CALL) or kfunc (BPF_PSEUDO_KFUNC_CALL) call.
    package static let call: UInt8 = 0x85          // BPF_JMP | BPF_CALL
    /// BPF_JMP | BPF_EXIT.
    package static let exit: UInt8 = 0x95          // BPF_JMP | BPF_EXIT
    /// BPF_LD | BPF_IMM | BPF_DW: the two-slot 64-bit immediate load (`ld_imm64`).
    package static let loadImm64: UInt8 = 0x18     // BPF_LD | BPF_IMM | BPF_DW
    /// BPF_PSEUDO_MAP_FD: `ld_imm64` whose imm is a map fd.
    package static let pseudoMapFD: UInt8 = 1      // ld_imm64: imm = map fd
    /// BPF_PSEUDO_MAP_VALUE: `ld_imm64` of an address in a map's value; global data accesses.
    package static let pseudoMapValue: UInt8 = 2   // ld_imm64: imm = map fd, next imm = offset in value
    /// BPF_PSEUDO_BTF_ID: `ld_imm64` of a typed ksym, imm = the kernel VAR's BTF id.
    package static let pseudoBTFID: UInt8 = 3      // ld_imm64: imm = BTF id of a kernel VAR (typed ksym)
    /// BPF_PSEUDO_FUNC: `ld_imm64` of a subprogram's address, for callbacks (`bpf_loop`, `bpf_for_each_map_elem`).
    package static let pseudoFunc: UInt8 = 4       // ld_imm64: imm = offset of a subprogram (callbacks)
    /// BPF_PSEUDO_CALL: `call` of a subprogram, imm = offset in instructions from the next one.
    package static let pseudoCall: UInt8 = 1       // call: imm = relative offset of a subprogram
    /// BPF_PSEUDO_KFUNC_CALL: `call` of a kernel function, imm = its BTF id, off = its fd_array index.
    package static let pseudoKfuncCall: UInt8 = 2  // call: imm = BTF id of a kernel function

    /// True for any `call`.
    package var isCall: Bool { opcode == BPFInstruction.call }
    /// True for a call of a BPF subprogram (BPF_PSEUDO_CALL).
    package var isSubprogramCall: Bool { isCall && src == BPFInstruction.pseudoCall }
    /// True for a kfunc call (BPF_PSEUDO_KFUNC_CALL).
    package var isKfuncCall: Bool { isCall && src == BPFInstruction.pseudoKfuncCall }
    /// True for the first slot of an `ld_imm64`.
    package var isLoadImm64: Bool { opcode == BPFInstruction.loadImm64 }
    /// True for an `ld_imm64` that loads a subprogram's address (BPF_PSEUDO_FUNC).
    package var isSubprogramAddress: Bool { isLoadImm64 && src == BPFInstruction.pseudoFunc }

    /// Decodes the instruction at byte `offset` of `code`, stored in `order` (the nibble holding
    /// dst/src registers is swapped on big-endian objects).
    package static func decode(_ code: ByteView, at offset: Int, _ order: ByteOrder) -> BPFInstruction? {
        guard let opcode = code.u8(at: offset), let regs = code.u8(at: offset + 1),
              let off = code.u16(at: offset + 2, order), let imm = code.u32(at: offset + 4, order)
        else { return nil }
        let (dst, src) = order == .little ? (regs & 0xf, regs >> 4) : (regs >> 4, regs & 0xf)
        return BPFInstruction(opcode: opcode, dst: dst, src: src, offset: Int16(bitPattern: off),
                              immediate: Int32(bitPattern: imm))
    }

    /// Decodes a whole code section.
    package static func decodeAll(_ code: ByteView, _ order: ByteOrder) -> [BPFInstruction] {
        var result: [BPFInstruction] = []
        result.reserveCapacity(code.count / size)
        var at = 0
        while let insn = decode(code, at: at, order) {
            result.append(insn)
            at += size
        }
        return result
    }

    /// Encodes in `order` (the kernel takes host order).
    package func encode(into w: inout ByteWriter) {
        w.u8(opcode)
        w.u8(w.order == .little ? (dst & 0xf) | (src << 4) : (dst << 4) | (src & 0xf))
        w.u16(UInt16(bitPattern: offset))
        w.i32(immediate)
    }

    /// The kernel's "poisoned" call: `call 0xbad2310` marks an instruction a failed relocation
    /// could not fix. The verifier reports it only if the code is reachable (libbpf's convention).
    package static func poisonedCall(marker: Int32) -> BPFInstruction {
        BPFInstruction(opcode: call, immediate: marker)
    }
}

extension Array where Element == BPFInstruction {
    /// Host-order bytes for BPF_PROG_LOAD.
    package func encoded() -> [UInt8] {
        var w = ByteWriter(order: .host, capacity: count * BPFInstruction.size)
        for insn in self { insn.encode(into: &w) }
        return w.bytes
    }
}
