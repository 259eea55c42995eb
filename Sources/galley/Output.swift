import Foundation
import JSONRPC

/// How the CLI prints: results to stdout, errors to stderr with their data.
enum Output {
    static func print(_ value: JSONValue, compact: Bool) {
        let text = compact ? JSONWriter.string(value) : JSONWriter.prettyString(value)
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func printError(_ error: JSONRPCError) {
        var text = "error \(error.code): \(error.message)\n"
        if let data = error.data { text += JSONWriter.prettyString(data) + "\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
