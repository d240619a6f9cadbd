// An example of iter's Swift API: load a BPF iterator object, attach a program, and read one pass
// of its output into a String: no bpffs, no pin, nothing left behind when the program exits.
//
//   swift run read-iterator Tests/Fixtures/iter_task.bpf.o [PROGRAM]     (as root)
import BPFLoader
#if canImport(Glibc)
import Glibc  // exit(); the example is ordinary Swift, not part of the Embedded build
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: read-iterator OBJECT [PROGRAM]")
    exit(2)
}

do {
    let object = try IteratorObject(path: arguments[1])
    for program in object.programs {
        print("program \(program.name) in \(program.section): target \(program.target)"
              + (program.loadedByDefault ? "" : " (loaded only when chosen)"))
    }
    let iterator = try object.makeIterator(program: arguments.count > 2 ? arguments[2] : nil)
    let output = try iterator.read()
    let lines = output.split(separator: "\n")
    print("read \(lines.count) lines from the \(iterator.target) iterator of \(iterator.program) (link \(iterator.linkID)):")
    for line in lines.prefix(5) { print("  " + line) }
} catch {
    // Every IteratorError says which step failed and why; the verifier's log comes separately.
    print("error: \(error)")
    if let log = error.kernelLog { print(log) }
    exit(1)
}
