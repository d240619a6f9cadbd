import Bytes
import Foundation

/// The committed fixture objects (Tests/Fixtures/*.o), read from the source tree.
enum FixtureData {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) -> [UInt8] {
        let url = directory.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url) else { fatalError("missing fixture \(url.path)") }
        return [UInt8](data)
    }

    static func view(_ name: String) -> ByteView { ByteView(bytes(name)) }
}
