import Foundation
import Testing

/// Where things are: the repository, the fixtures, the binaries under test.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// The `iter` binaries to test: the debug build `swift test` made, and the static release
    /// binary when it has been built (scripts/build-static.sh; CI builds it first).
    static let binaries: [String] = {
        var found: [String] = []
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["ITER_BINARY"] { found.append(explicit) } else {
            for candidate in [".build/debug/iter", ".build/x86_64-unknown-linux-gnu/debug/iter"] {
                let path = root.appendingPathComponent(candidate).path
                if FileManager.default.isExecutableFile(atPath: path) {
                    found.append(path)
                    break
                }
            }
        }
        let staticPath = env["ITER_STATIC_BINARY"] ?? root.appendingPathComponent(".build-static/iter").path
        if FileManager.default.isExecutableFile(atPath: staticPath) { found.append(staticPath) }
        return found
    }()

    /// The debug build (always present under `swift test`).
    static var iter: String { binaries.first ?? "iter" }

    static var isRoot: Bool { getuid() == 0 }
    /// Why a suite that runs `iter` against this machine's kernel is skipped for other users.
    static let needsRoot: Comment = "needs root: loads BPF programs into this machine's kernel and pins them on bpffs"
    /// Why a test of the static binary is skipped when there is none.
    static let needsStaticBinary: Comment = "no static binary: build it first (scripts/build-static.sh; scripts/test.sh does)"
    static var hasBpftool: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/bpftool") }
}

/// A finished process.
struct Outcome: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var description: String { "exit \(status)\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))" }
}

/// Runs a program to completion (stdin from /dev/null), collecting both streams.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes concurrently so neither fills and blocks the child.
    let errBox = DataBox()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
}

/// Holds what the stderr reader collected (handed back after the DispatchGroup wait).
final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// `sh -c`, for pipelines in tests.
@discardableResult
func sh(_ command: String) throws -> Outcome {
    try run("/bin/sh", ["-c", command])
}

/// A fresh directory on bpffs for one test, removed (with whatever is pinned in it) afterwards.
final class BPFFSDirectory {
    let path: String

    init(_ label: String = "test") throws {
        if !isBPFFS("/sys/fs/bpf") {
            try sh("mount -t bpf bpf /sys/fs/bpf")
        }
        path = "/sys/fs/bpf/iter-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Names pinned here now.
    var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }

    deinit {
        for name in entries { unlink(path + "/" + name) }
        rmdir(path)
    }
}

/// True if `path` is on bpffs (stat -f reports the file system type).
func isBPFFS(_ path: String) -> Bool {
    (try? sh("stat -f -c %T '\(path)'"))?.stdout.hasPrefix("bpf") == true
}

/// Reads a pinned iterator the way `cat` does (the file can only be read start to end).
func readPinned(_ path: String) throws -> String {
    try String(decoding: FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readToEnd() ?? Data(), as: UTF8.self)
}

/// Processes and threads in /proc right now: pid → tgid, and comm.
struct ProcSnapshot {
    var tgidOf: [Int: Int] = [:]
    var comm: [Int: String] = [:]

    static func take() -> ProcSnapshot {
        var snapshot = ProcSnapshot()
        let fm = FileManager.default
        for entry in (try? fm.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let tgid = Int(entry) else { continue }
            for thread in (try? fm.contentsOfDirectory(atPath: "/proc/\(entry)/task")) ?? [] {
                guard let tid = Int(thread) else { continue }
                snapshot.tgidOf[tid] = tgid
                if let comm = try? String(contentsOfFile: "/proc/\(entry)/task/\(thread)/comm", encoding: .utf8) {
                    snapshot.comm[tid] = comm.trimmingCharacters(in: .newlines)
                }
            }
        }
        return snapshot
    }

    var processes: Set<Int> { Set(tgidOf.values) }
}
