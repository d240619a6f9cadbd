import BPFLoader
import Bytes
import SyscallBPF

/// Reads an object file and parses it, with bpftool's words on failure.
enum ObjectSource {
    /// libbpf's object name: the base name up to its first dot (`iter_task` for `x/iter_task.bpf.o`).
    static func objectName(_ path: String) -> String {
        let base = baseName(path)
        guard let dot = base.firstIndex(of: ".") else { return base }
        return String(base[..<dot])
    }

    static func load(_ path: String) throws(CommandFailure) -> BPFObjectFile {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path)
        } catch {
            throw CommandFailure("can't open objfile \(path)", errno: error)
        }
        do {
            return try BPFObjectFile(bytes: ByteView(bytes), name: objectName(path))
        } catch {
            throw CommandFailure(error, object: path)
        }
    }
}
