@testable import BPFLoader
import Bytes
import Foundation
import Testing
import Deflate

@Suite("Kconfig: kernel config parsing")
struct KconfigParseTests {
    static let sample = """
    #
    # Automatically generated file; DO NOT EDIT.
    # Linux/x86 6.18.44 Kernel Configuration
    #
    CONFIG_CC_VERSION_TEXT="gcc (GCC) 15.3.0"
    CONFIG_BPF=y
    CONFIG_BPF_SYSCALL=y
    CONFIG_TLS=m
    CONFIG_EXPLICIT_NO=n
    # CONFIG_BPF_PRELOAD is not set
    # CONFIG_NOT_SET_THEN_SET is not set
    CONFIG_NOT_SET_THEN_SET=y

    # General setup
    CONFIG_HZ=250
    CONFIG_NEGATIVE=-12
    CONFIG_PHYSICAL_START=0x1000000
    CONFIG_ILLEGAL_POINTER_VALUE=0xdead000000000000
    CONFIG_OCTAL=0755
    CONFIG_ZERO=0
    CONFIG_EMPTY_STRING=""
    CONFIG_ESCAPED="say \\"hi\\" C:\\\\dir"
    CONFIG_FIRST_WINS=1
    CONFIG_FIRST_WINS=2
    CONFIG_CRLF=y\r
    CONFIG_TRAILING_BLANKS="x"  \t
      CONFIG_INDENTED=y
    # CONFIG_ malformed is not set
    # just a comment mentioning CONFIG_FOO=y
    CONFIG_LAST_LINE_NO_NEWLINE=m
    """

    @Test("every kind of value")
    func values() throws {
        let config = try KernelConfig(parsing: Self.sample)
        #expect(config["CONFIG_CC_VERSION_TEXT"] == .string("gcc (GCC) 15.3.0"))
        #expect(config["CONFIG_BPF"] == .yes)
        #expect(config["CONFIG_TLS"] == .module)
        #expect(config["CONFIG_TLS"]?.isEnabled == true)
        #expect(config["CONFIG_EXPLICIT_NO"] == .no)
        #expect(config["CONFIG_BPF_PRELOAD"] == .no)
        #expect(config["CONFIG_BPF_PRELOAD"]?.isEnabled == false)
        #expect(config["CONFIG_NOT_SET_THEN_SET"] == .yes)
        #expect(config["CONFIG_HZ"] == .number("250"))
        #expect(config["CONFIG_HZ"]?.int64 == 250)
        #expect(config["CONFIG_HZ"]?.uint64 == 250)
        #expect(config["CONFIG_NEGATIVE"]?.int64 == -12)
        #expect(config["CONFIG_NEGATIVE"]?.uint64 == nil)
        #expect(config["CONFIG_NEGATIVE"]?.bitPattern == UInt64(bitPattern: -12))
        #expect(config["CONFIG_PHYSICAL_START"]?.int64 == 0x100_0000)
        #expect(config["CONFIG_ILLEGAL_POINTER_VALUE"] == .number("0xdead000000000000"))
        #expect(config["CONFIG_ILLEGAL_POINTER_VALUE"]?.int64 == nil)
        #expect(config["CONFIG_ILLEGAL_POINTER_VALUE"]?.uint64 == 0xdead_0000_0000_0000)
        #expect(config["CONFIG_OCTAL"]?.uint64 == 0o755)
        #expect(config["CONFIG_ZERO"]?.int64 == 0)
        #expect(config["CONFIG_EMPTY_STRING"] == .string(""))
        #expect(config["CONFIG_ESCAPED"] == .string("say \"hi\" C:\\dir"))
        #expect(config["CONFIG_ESCAPED"]?.description == "\"say \\\"hi\\\" C:\\\\dir\"")
        #expect(config["CONFIG_FIRST_WINS"] == .number("1"))
        #expect(config["CONFIG_CRLF"] == .yes)
        #expect(config["CONFIG_TRAILING_BLANKS"] == .string("x"))
        #expect(config["CONFIG_INDENTED"] == nil)
        #expect(config["CONFIG_FOO"] == nil)
        #expect(config["CONFIG_LAST_LINE_NO_NEWLINE"] == .module)
        #expect(config.count == 19)
        #expect(config["CONFIG_BPF"]?.int64 == nil)
        #expect(config["CONFIG_BPF"]?.stringValue == nil)
        #expect(config["CONFIG_CC_VERSION_TEXT"]?.stringValue == "gcc (GCC) 15.3.0")
    }

    @Test("malformed CONFIG_ lines name the line", arguments: [
        ("CONFIG_NO_SEPARATOR", KconfigError.noSeparator(line: 3, text: "CONFIG_NO_SEPARATOR")),
        ("CONFIG_EMPTY=", .emptyValue(line: 3, name: "CONFIG_EMPTY")),
        ("CONFIG_BLANK=   ", .emptyValue(line: 3, name: "CONFIG_BLANK")),
        ("CONFIG_OPEN=\"abc", .unterminatedString(line: 3, name: "CONFIG_OPEN")),
        ("CONFIG_ESCAPED_END=\"abc\\\"", .unterminatedString(line: 3, name: "CONFIG_ESCAPED_END")),
        ("CONFIG_AFTER=\"abc\" x", .textAfterString(line: 3, name: "CONFIG_AFTER", text: " x")),
        ("CONFIG_WORD=yes", .badValue(line: 3, name: "CONFIG_WORD", value: "yes")),
        ("CONFIG_HEX=0x", .badValue(line: 3, name: "CONFIG_HEX", value: "0x")),
        ("CONFIG_NOT_OCTAL=08", .badValue(line: 3, name: "CONFIG_NOT_OCTAL", value: "08")),
        ("CONFIG_MINUS=-", .badValue(line: 3, name: "CONFIG_MINUS", value: "-")),
        ("CONFIG_SPACE=1 2", .badValue(line: 3, name: "CONFIG_SPACE", value: "1 2")),
        ("CONFIG_BIG=18446744073709551616", .numberOutOfRange(line: 3, name: "CONFIG_BIG", value: "18446744073709551616")),
        ("CONFIG_BIGHEX=0x10000000000000000", .numberOutOfRange(line: 3, name: "CONFIG_BIGHEX", value: "0x10000000000000000")),
        ("CONFIG_SMALL=-9223372036854775809", .numberOutOfRange(line: 3, name: "CONFIG_SMALL", value: "-9223372036854775809")),
        ("CONFIG_=y", .badName(line: 3, name: "CONFIG_")),
        ("CONFIG_A B=y", .badName(line: 3, name: "CONFIG_A B")),
    ])
    func malformed(line: String, error: KconfigError) {
        let text = "CONFIG_BPF=y\n# comment\n" + line + "\nCONFIG_HZ=100\n"
        do {
            _ = try KernelConfig(parsing: text)
            Issue.record("\(line) parsed")
        } catch let thrown {
            #expect(thrown == error)
            #expect(thrown.description.includes("line 3"))
        }
    }

    @Test("numbers at the edges of 64 bits")
    func numberEdges() throws {
        let config = try KernelConfig(parsing: """
        CONFIG_MAX=18446744073709551615
        CONFIG_MAXHEX=0xFFFFFFFFFFFFFFFF
        CONFIG_MIN=-9223372036854775808
        CONFIG_I64MAX=9223372036854775807
        CONFIG_MINUS_ZERO=-0
        """)
        #expect(config["CONFIG_MAX"]?.uint64 == .max)
        #expect(config["CONFIG_MAX"]?.int64 == nil)
        #expect(config["CONFIG_MAXHEX"]?.uint64 == .max)
        #expect(config["CONFIG_MIN"]?.int64 == .min)
        #expect(config["CONFIG_MIN"]?.uint64 == nil)
        #expect(config["CONFIG_I64MAX"]?.int64 == .max)
        #expect(config["CONFIG_MINUS_ZERO"]?.int64 == 0)
        #expect(config["CONFIG_MINUS_ZERO"]?.uint64 == 0)
    }

    @Test("empty text and text with no options")
    func empty() throws {
        #expect(try KernelConfig(parsing: "").count == 0)
        #expect(try KernelConfig(parsing: "\n\n# nothing\n").count == 0)
    }

    @Test("gzip'd and plain file contents")
    func fileContents() throws {
        let text = Array(Self.sample.utf8)
        let plain = try KernelConfig(fileContents: ByteView(text))
        let gz = try KernelConfig(fileContents: ByteView(KconfigTestTools.gzip(text, level: 9)))
        #expect(plain.values == gz.values)
        var bad = try KconfigTestTools.gzip(text, level: 9)
        bad[bad.count - 5] ^= 1
        do {
            _ = try KernelConfig(fileContents: ByteView(bad))
            Issue.record("corrupt gzip parsed")
        } catch {
            guard case .decompression(.crcMismatch) = error else {
                Issue.record("expected a CRC error, got \(error.description)")
                return
            }
        }
        let compressed = try KconfigTestTools.gzip(text, level: 9)
        do {
            _ = try KernelConfig(fileContents: ByteView(compressed), limit: 100)
            Issue.record("limit ignored")
        } catch {
            #expect(error == .decompression(.outputLimit(offset: error.inflateOffset, limit: 100)))
        }
    }

    @Test("this machine's kernel config")
    func realConfig() throws {
        var sources: [(String, [UInt8])] = []
        if let data = FileManager.default.contents(atPath: "/proc/config.gz") { sources.append(("/proc/config.gz", [UInt8](data))) }
        for path in KconfigInflateTests.bootConfigs() {
            if let data = FileManager.default.contents(atPath: path) { sources.append((path, [UInt8](data))) }
        }
        for (path, bytes) in sources {
            let config = try KernelConfig(fileContents: ByteView(bytes))
            #expect(config.count > 1000, "\(path)")
            #expect(config["CONFIG_BPF"] == .yes, "\(path)")
            #expect(config["CONFIG_BPF_SYSCALL"] == .yes, "\(path)")
            let hz = try #require(config["CONFIG_HZ"], "\(path)")
            #expect([100, 250, 300, 1000].contains(hz.int64 ?? 0), "\(path): CONFIG_HZ=\(hz.description)")
            #expect(config["CONFIG_CC_VERSION_TEXT"]?.stringValue != nil, "\(path)")
            // Every assignment and every "is not set" line of the text is in the dictionary.
            let text = Gzip.isGzip(ByteView(bytes)) ? try KconfigTestTools.gunzip(bytes) : bytes
            var names = Set<String>()
            for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
                if line.hasPrefix("CONFIG_"), let eq = line.firstIndex(of: "=") {
                    names.insert(String(line[..<eq]))
                } else if line.hasPrefix("# CONFIG_"), line.hasSuffix(" is not set") {
                    names.insert(String(line.dropFirst(2).dropLast(11)))
                }
            }
            #expect(Set(config.values.keys) == names, "\(path)")
        }
    }
}

extension KconfigError {
    /// The offset inside a wrapped decompression error (for comparisons).
    var inflateOffset: Int {
        if case let .decompression(e) = self { return e.offset }
        return -1
    }
}
