import Foundation

/// RFC 3339 timestamps in UTC with milliseconds, as every Galley timestamp is written on the wire
/// and in storage (text that sorts in time order).
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    public static func string(from date: Date) -> String {
        date.formatted(Self.style)
    }

    public static func now() -> String {
        Self.string(from: Date())
    }

    public static func date(from string: String) -> Date? {
        if let date = try? Self.style.parse(string) { return date }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(string)
    }
}
