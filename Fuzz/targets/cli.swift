// IterCommand's grammar: the input split into arguments on NUL bytes (as argv would be, bytes
// unchanged), parsed as `iter …` and as `bpftool …`.
// Every error message is also rendered as JSON, as `-j` prints it.
import BPFLoader
@testable import IterCommand

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: data, count: size)
    let arguments = buffer.split(separator: 0, omittingEmptySubsequences: false).map { Argument(bytes: $0) }
    for asBpftool in [false, true] {
        do {
            let invocation = try ArgumentParser.parse(arguments, asBpftool: asBpftool)
            sink(invocation.command.name + invocation.command.description)
            sink(HelpText.usage(program: invocation.command.name))
        } catch {
            sink(error.message)
            let json = JSONValue.object([("error", .string(error.message))]).render(pretty: asBpftool)
            sink(json)
        }
    }
    return 0
}
