import Foundation

/// Reads an option's environment variable (`GALLEY_LISTEN`, ...), the fallback every galleyd
/// flag has.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
