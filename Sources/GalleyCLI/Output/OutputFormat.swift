import Foundation
import JSONRPC

/// How a command prints what it read. `table` is for people (aligned columns, readable text);
/// the others are for scripts: `tsv` (one tab-separated row per item, no header: what a pipe gets
/// by default, like `gh`), `json` (one JSON document), `ndjson` (one compact object per line) and
/// `ids` (bare ids, one per line, to feed another command).
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, tsv, json, ndjson, ids

    /// The format asked for, or by default `table` on a terminal and `tsv` elsewhere.
    public static func resolve(_ requested: OutputFormat?, isTerminal: Bool = Terminal.stdoutIsTerminal) -> OutputFormat {
        requested ?? (isTerminal ? .table : .tsv)
    }
}

/// A column of a listing: its title and how to read its cell from an item.
public struct Column: Sendable {
    public var title: String
    /// Whether this column gives up width when the table is wider than the terminal.
    public var flexible: Bool
    public var value: @Sendable (JSONObject) -> String

    public init(_ title: String, flexible: Bool = false, _ value: @escaping @Sendable (JSONObject) -> String) {
        self.title = title
        self.flexible = flexible
        self.value = value
    }
}

/// Renders listings and single entities in every ``OutputFormat``.
public enum Listing {
    /// The whole listing as text in `format`. Tables get a header row and columns padded to the
    /// widest cell; with `width`, flexible columns are cut (with `…`) to fit.
    public static func render(_ items: [JSONObject], columns: [Column], format: OutputFormat, width: Int? = nil, idKey: String = "id") -> String {
        switch format {
        case .json:
            return JSONWriter.prettyString(.array(items.map { .object($0) })) + "\n"
        case .ndjson:
            return items.map { JSONWriter.string(.object($0)) + "\n" }.joined()
        case .ids:
            return items.map { Self.plain($0[idKey]) + "\n" }.joined()
        case .tsv:
            return items.map { item in columns.map { Self.tsvCell($0.value(item)) }.joined(separator: "\t") + "\n" }.joined()
        case .table:
            if items.isEmpty { return "(none)\n" }
            let rows = items.map { item in columns.map { Self.oneLine($0.value(item)) } }
            return Self.table(header: columns.map(\.title), rows: rows, flexible: columns.map(\.flexible), width: width)
        }
    }

    /// One entity: `text` for the table format (readable text), else the same as a one-item list.
    public static func render(_ item: JSONObject, text: () -> String, format: OutputFormat, idKey: String = "id") -> String {
        switch format {
        case .table, .tsv: text()
        case .json: JSONWriter.prettyString(.object(item)) + "\n"
        case .ndjson: JSONWriter.string(.object(item)) + "\n"
        case .ids: Self.plain(item[idKey]) + "\n"
        }
    }

    /// Aligned columns separated by two spaces; the last column is not padded.
    public static func table(header: [String], rows: [[String]], flexible: [Bool], width: Int?) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        if let width {
            let total = widths.reduce(0, +) + 2 * (widths.count - 1)
            var excess = total - width
            for index in widths.indices.reversed() where excess > 0 && flexible[index] {
                let floor = max(header[index].count, 12)
                let cut = min(excess, max(0, widths[index] - floor))
                widths[index] -= cut
                excess -= cut
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                var text = cell
                if text.count > widths[index] { text = String(text.prefix(max(1, widths[index] - 1))) + "…" }
                if index < cells.count - 1 { text += String(repeating: " ", count: widths[index] - text.count) }
                parts.append(text)
            }
            var joined = parts.joined(separator: "  ")
            while joined.last == " " { joined.removeLast() }
            return joined + "\n"
        }
        return line(header) + rows.map(line).joined()
    }

    /// A value as plain text: strings bare, null/absent empty, anything else as compact JSON.
    public static func plain(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: ""
        case .string(let text)?: text
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): items.compactMap(\.stringValue).joined(separator: ",")
        case let value?: JSONWriter.string(value)
        }
    }

    private static func oneLine(_ text: String) -> String {
        text.contains(where: \.isNewline) ? text.split(whereSeparator: \.isNewline).joined(separator: " ") : text
    }

    private static func tsvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "\t" || $0.isNewline }) else { return text }
        return String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }
}
