import Foundation

/// Reads an option's environment variable (`GALLEY_LISTEN`, ...), the fallback every galleyd
/// flag has.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// A boolean variable: set to `1`, `true` or `yes` (any case) means on.
    static func flag(_ name: String) -> Bool {
        guard let value = Self.value(name)?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(value)
    }
}
