/// How one relocated instruction changes (libbpf's `bpf_core_patch_insn`), decided from the
/// instruction as it is and the computed values. Planned once when fixups are computed (so errors
/// and poisoning show up there) and again when they are applied (so `apply` never writes into an
/// instruction that is not what the relocation expects).
enum COREPatch: Equatable, Sendable {
    /// Replace the instruction (both halves of an ld_imm64) with `call 0xbad2310`.
    case poison
    /// A memory access whose field changed size in a way no resized load can read correctly.
    case poisonUnsafeResize
    /// ALU/ALU64 with an immediate operand: new immediate.
    case immediate(Int32)
    /// LDX/ST/STX: new offset, and the opcode (its size bits change with the field's size).
    case memory(offset: Int16, opcode: UInt8)
    /// ld_imm64: new 64-bit immediate.
    case wide(UInt64)

    // Instruction classes and fields (linux/bpf_common.h).
    static let classLD: UInt8 = 0x00, classLDX: UInt8 = 0x01, classST: UInt8 = 0x02, classSTX: UInt8 = 0x03
    static let classALU: UInt8 = 0x04, classALU64: UInt8 = 0x07
    static let sourceX: UInt8 = 0x08

    static func plan(_ result: COREResult, at index: Int, in instructions: [BPFInstruction]) throws(COREProblem) -> COREPatch {
        guard index >= 0, index < instructions.count else {
            throw .instruction("is beyond the \(instructions.count) instructions of the section")
        }
        if result.poison { return .poison }
        let insn = instructions[index]
        let old = result.oldValue, new = result.newValue
        switch insn.opcode & 0x07 {
        case classALU, classALU64:
            guard insn.opcode & sourceX == 0 else {
                throw .instruction("(ALU/ALU64) takes a register operand, expected an immediate")
            }
            // The immediate is signed 32-bit, compared widened, as libbpf does.
            if result.validate && UInt64(bitPattern: Int64(insn.immediate)) != old {
                throw .instruction("(ALU/ALU64) value: got \(insn.immediate), expected \(old) -> \(new)")
            }
            return .immediate(Int32(truncatingIfNeeded: new))
        case classLDX, classST, classSTX:
            if result.validate && UInt64(bitPattern: Int64(insn.offset)) != old {
                throw .instruction("(LDX/ST/STX) value: got \(insn.offset), expected \(old) -> \(new)")
            }
            guard new <= UInt64(Int16.max) else {
                throw .instruction("(LDX/ST/STX) value too big: \(new) does not fit in a 16-bit offset")
            }
            if result.sizeChangeUnsafe { return .poisonUnsafeResize }
            var opcode = insn.opcode
            if result.newSize != result.oldSize {
                let current = memorySize(opcode)
                guard current == result.oldSize else {
                    throw .instruction("(LDX/ST/STX) unexpected memory size: got \(current), expected \(result.oldSize)")
                }
                guard let sizeBits = sizeBits(result.newSize) else {
                    throw .instruction("(LDX/ST/STX) invalid new memory size: \(result.newSize)")
                }
                opcode = (opcode & 0xe0) | sizeBits | (opcode & 0x07)
            }
            return .memory(offset: Int16(truncatingIfNeeded: new), opcode: opcode)
        case classLD:
            guard insn.isLoadImm64, insn.src == 0, insn.offset == 0, index + 1 < instructions.count,
                  instructions[index + 1].opcode == 0, instructions[index + 1].dst == 0,
                  instructions[index + 1].src == 0, instructions[index + 1].offset == 0 else {
                throw .instruction("(LDIMM64) has unexpected form")
            }
            let current = UInt64(UInt32(bitPattern: insn.immediate)) | UInt64(UInt32(bitPattern: instructions[index + 1].immediate)) << 32
            if result.validate && current != old {
                throw .instruction("(LDIMM64) value: got \(current), expected \(old) -> \(new)")
            }
            return .wide(new)
        default:
            throw .instruction("cannot be relocated: opcode \(hexByte(insn.opcode)), dst r\(insn.dst), src r\(insn.src), off \(insn.offset), imm \(insn.immediate)")
        }
    }

    /// Writes the patch at `index`.
    func write(at index: Int, into instructions: inout [BPFInstruction]) {
        switch self {
        case .poison, .poisonUnsafeResize:
            // An ld_imm64's second half is poisoned too, or the verifier would first complain
            // about an instruction with opcode 0.
            if instructions[index].isLoadImm64, index + 1 < instructions.count {
                instructions[index + 1] = BPFInstruction.poisonedCall(marker: COREVerifierLog.poisonMarker)
            }
            instructions[index] = BPFInstruction.poisonedCall(marker: COREVerifierLog.poisonMarker)
        case let .immediate(value):
            instructions[index].immediate = value
        case let .memory(offset, opcode):
            instructions[index].offset = offset
            instructions[index].opcode = opcode
        case let .wide(value):
            instructions[index].immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: value))
            instructions[index + 1].immediate = Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32))
        }
    }

    /// Bytes accessed by a memory instruction (BPF_SIZE).
    static func memorySize(_ opcode: UInt8) -> UInt32 {
        switch opcode & 0x18 {
        case 0x18: return 8
        case 0x00: return 4
        case 0x08: return 2
        default: return 1
        }
    }

    static func sizeBits(_ bytes: UInt32) -> UInt8? {
        switch bytes {
        case 8: return 0x18
        case 4: return 0x00
        case 2: return 0x08
        case 1: return 0x10
        default: return nil
        }
    }

    static func hexByte(_ value: UInt8) -> String {
        let digits = String(value, radix: 16)
        return "0x" + (digits.count < 2 ? "0" + digits : digits)
    }
}
