import BPFLoader
import BTFParser
import Bytes
import Foundation
import Deflate

/// Where the repository's test inputs are.
package enum TestPaths {
    /// The repository's root directory.
    package static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// Tests/Fixtures: the committed BPF objects.
    package static let fixtures = root.appendingPathComponent("Tests/Fixtures")
    /// Tests/Data: the committed kernel snapshot.
    package static let data = root.appendingPathComponent("Tests/Data")

    /// The path of a fixture (`iter_task.bpf.o`, `bad/header-only.o`).
    package static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// The bytes of a fixture.
    package static func fixtureBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }
}

/// A failure to read the committed snapshot (a broken checkout, not a failing test subject).
package struct SnapshotError: Error, CustomStringConvertible {
    package let description: String
}

/// The kernel the unit tests plan against, with no host kernel and no privileges: a Debian cloud
/// kernel's vmlinux BTF (trimmed to the types the fixtures and tests use, type ids unchanged), one
/// module's split BTF on it, and its config, as Tests/Data/make.sh wrote them (Tests/Data/README.md).
package enum KernelSnapshot {
    /// `kernel.info`: package, version, release, module, and the checksums of the untrimmed BTF.
    package static let info: [String: String] = {
        let text = (try? String(contentsOf: TestPaths.data.appendingPathComponent("kernel.info"), encoding: .utf8)) ?? ""
        var info: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            info[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return info
    }()

    /// `uname -r` of the snapshot's kernel (`6.12.117+deb13-cloud-amd64`).
    package static var release: String { info["release"] ?? "unknown" }
    /// The name of the module whose BTF is in the snapshot (`fou`).
    package static var moduleName: String { info["module"] ?? "fou" }

    /// A gzip'd file of Tests/Data, decompressed with iter's own inflater.
    package static func gunzip(_ name: String) throws -> [UInt8] {
        let url = TestPaths.data.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url) else { throw SnapshotError(description: "cannot read \(url.path)") }
        do {
            return try Gzip.decompress(ByteView([UInt8](data)), limit: 64 << 20)
        } catch {
            throw SnapshotError(description: "\(url.path): \(error)")
        }
    }

    nonisolated(unsafe) private static let parsedVmlinux: Result<BTF, any Error> = Result {
        let bytes = try gunzip("vmlinux.btf.gz")
        do { return try BTF(ByteView(bytes)) } catch { throw SnapshotError(description: "vmlinux.btf.gz: \(error)") }
    }

    nonisolated(unsafe) private static let parsedModule: Result<BTF, any Error> = Result {
        let base = try parsedVmlinux.get()
        let bytes = try gunzip("\(moduleName).btf.gz")
        do { return try BTF(ByteView(bytes), base: base) } catch { throw SnapshotError(description: "\(moduleName).btf.gz: \(error)") }
    }

    private static let parsedConfig: Result<KernelConfig, any Error> = Result {
        let url = TestPaths.data.appendingPathComponent("config.gz")
        guard let data = try? Data(contentsOf: url) else { throw SnapshotError(description: "cannot read \(url.path)") }
        do { return try KernelConfig(fileContents: ByteView([UInt8](data))) } catch {
            throw SnapshotError(description: "config.gz: \(error)")
        }
    }

    /// The snapshot's vmlinux BTF (parsed once).
    package static func vmlinux() throws -> BTF { try parsedVmlinux.get() }

    /// The snapshot module's split BTF, on `vmlinux()`.
    package static func module() throws -> BTF { try parsedModule.get() }

    /// The snapshot kernel's config.
    package static func config() throws -> KernelConfig { try parsedConfig.get() }

    /// vmlinux, with the snapshot's module as the only module.
    package static func kernel() throws -> KernelTypes {
        KernelTypes(vmlinux: try vmlinux(), modules: SnapshotModules(try module(), named: moduleName))
    }

    /// vmlinux alone (no module BTF at all).
    package static func vmlinuxOnly() throws -> KernelTypes {
        KernelTypes(vmlinux: try vmlinux())
    }

    /// Fixed facts for the snapshot's kernel, never probed: every BTF feature (6.12 has them),
    /// its version and release, two possible CPUs, BPF cookies; its config when `kconfig` is set.
    package static func facts(kconfig: Bool = false) throws -> KernelFacts {
        var facts = KernelFacts(
            btf: .all, version: KernelProbe.versionCode(release), release: release,
            hasBPFCookie: true, possibleCPUs: 2)
        if kconfig {
            facts.kconfig = try config()
            facts.kconfigSource = "Tests/Data/config.gz"
        } else {
            facts.kconfigProblem = "no config in this test"
        }
        return facts
    }
}

/// Module BTF from memory: the snapshot's module, and records which modules planning read.
package final class SnapshotModules: ModuleBTFSource {
    let modules: [(String, BTF)]
    /// Modules whose BTF was asked for, in order.
    package private(set) var requested: [String] = []

    /// One module, `btf`, called `name`.
    package init(_ btf: BTF, named name: String) { modules = [(name, btf)] }

    /// Several modules, in the order given.
    package init(_ modules: [(String, BTF)]) { self.modules = modules }

    package func moduleNames() -> [String] { modules.map { $0.0 } }

    package func btf(of module: String) -> BTF? {
        requested.append(module)
        return modules.first { $0.0 == module }?.1
    }
}
