import Foundation
import JSONRPC

/// What a scenario prints: a human summary, then one machine-readable JSON line
/// `{"scenario", "parameters", "figures"}` (plus `"skipped": true` when it could not run).
struct Report: Sendable {
    var scenario: String
    var parameters: JSONObject
    var figures: JSONObject = [:]
    var summary: [String] = []
    var skipped = false

    init(scenario: String, parameters: JSONObject) {
        self.scenario = scenario
        self.parameters = parameters
    }

    mutating func say(_ line: String) {
        self.summary.append(line)
    }

    var json: JSONValue {
        var object: JSONObject = [
            "scenario": .string(self.scenario),
            "parameters": .object(self.parameters),
            "figures": .object(self.figures),
        ]
        if self.skipped { object["skipped"] = true }
        return .object(object)
    }

    func print() {
        // Written at once and unbuffered, so it never interleaves with progress on standard error.
        var text = "== \(self.scenario)\n"
        for line in self.summary { text += "  \(line)\n" }
        text += JSONWriter.string(self.json) + "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func failure(_ scenario: String, _ error: any Error) {
        FileHandle.standardOutput.write(Data("== \(scenario)\n  FAILED: \(error)\n".utf8))
    }

    /// Progress while a scenario runs (standard error, so standard output stays the summary).
    static func progress(_ line: String) {
        FileHandle.standardError.write(Data("  … \(line)\n".utf8))
    }

    static func number(_ value: Double, decimals: Int) -> JSONValue {
        guard value.isFinite else { return .null }
        return .number(JSONNumber(uncheckedText: String(format: "%.\(decimals)f", value)))
    }

    /// `52,310` style, for people.
    static func grouped(_ value: Double) -> String {
        let whole = Int(value.rounded())
        var digits = String(abs(whole))
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(Substring(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (whole < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    static func megabytes(_ bytes: Int?) -> String {
        bytes.map { String(format: "%.1f MB", Double($0) / 1_000_000) } ?? "n/a"
    }

    static func seconds(_ value: Double) -> String {
        String(format: "%.2f s", value)
    }
}
