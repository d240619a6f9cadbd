// swift-tools-version:6.3
//
// iter: BPF iterators without libbpf. Every target under Sources/ also compiles in Embedded Swift
// mode for the static release binary (scripts/build-static.sh), so none may use Foundation,
// existentials of non-class protocols or untyped throws (tests and Tests/TestSupport are ordinary
// Swift). The package has no dependencies. This file is the one list of modules: builds that
// compile modules themselves read it through scripts/modules.sh.
import PackageDescription

let package = Package(
    name: "iter",
    products: [
        .executable(name: "iter", targets: ["iter"]),
        .library(name: "Bytes", targets: ["Bytes"]),
        .library(name: "ELFReader", targets: ["ELFReader"]),
        .library(name: "BTFParser", targets: ["BTFParser"]),
        .library(name: "SyscallBPF", targets: ["SyscallBPF"]),
        .library(name: "BPFLoader", targets: ["BPFLoader"]),
        .library(name: "IterCommand", targets: ["IterCommand"]),
    ],
    targets: [
        // UAPI headers from linux-libc-dev and static inline wrappers for variadic or macro-only calls.
        .target(name: "CLinuxBPF"),
        // Bounds-checked, endian-aware loads over borrowed memory: the one place that touches raw bytes.
        .target(name: "Bytes", dependencies: ["CLinuxBPF"]),
        .target(name: "ELFReader", dependencies: ["Bytes"]),
        .target(name: "BTFParser", dependencies: ["Bytes"]),
        .target(name: "SyscallBPF", dependencies: ["CLinuxBPF"]),
        // gzip and DEFLATE, for /proc/config.gz (no zlib): pure, on bytes.
        .target(name: "Deflate", dependencies: ["Bytes"]),
        .target(name: "BPFLoader", dependencies: ["Bytes", "ELFReader", "BTFParser", "SyscallBPF", "Deflate"]),
        .target(name: "IterCommand", dependencies: ["BPFLoader", "SyscallBPF", "CLinuxBPF"]),
        // A C `main`: SwiftPM links Swift executables with `--defsym main=...`, which Embedded builds lack.
        .executableTarget(name: "iter", dependencies: ["IterCommand"]),
        // An example of the library API (ordinary Swift; not part of the static release).
        .executableTarget(name: "read-iterator", dependencies: ["BPFLoader"], path: "Examples/ReadIterator"),

        // Test inputs shared by the test targets (ordinary Swift, Foundation allowed; never in a product):
        // the committed kernel snapshot of Tests/Data, fixture paths, the bad-object corpus's expected messages.
        .target(name: "TestSupport", dependencies: ["BPFLoader", "BTFParser", "Bytes", "Deflate"], path: "Tests/TestSupport"),

        .testTarget(name: "ELFReaderTests", dependencies: ["ELFReader"]),
        .testTarget(name: "BTFParserTests", dependencies: ["BTFParser", "ELFReader", "TestSupport"]),
        .testTarget(name: "BPFLoaderTests", dependencies: ["BPFLoader", "SyscallBPF", "CLinuxBPF", "Deflate", "TestSupport"]),
        .testTarget(name: "IterCommandTests", dependencies: ["IterCommand", "BPFLoader", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["IterCommand", "BPFLoader", "TestSupport"]),
    ]
)
