import Crypto
import Foundation
import GRDB

/// The tables `galleyd copy` moves from a SQLite data directory to PostgreSQL, described once for
/// both engines: their columns (with the type each engine stores), the order rows are read in,
/// and a checksum over rows in that order that both sides compute the same way, so the copy can
/// prove it wrote what it read. The query tables (article list, tags, media use, links, search)
/// are not copied: the target rebuilds them from the entities.
public struct CopyTable: Sendable, Hashable {
    public enum ColumnType: Sendable, Hashable {
        case text
        case integer
        /// INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL.
        case boolean
        /// A BLOB on SQLite, its lowercase hex as TEXT on PostgreSQL (token hashes).
        case hexBlob
    }

    public var name: String
    public var columns: [(name: String, type: ColumnType)]
    /// The columns rows are read in order of (a unique key).
    public var key: [String]

    public static func == (lhs: CopyTable, rhs: CopyTable) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.name) }

    public static let token = CopyTable(
        name: "token",
        columns: [
            ("hash", .hexBlob), ("name", .text), ("role", .text), ("created_at", .text), ("created_by", .text),
            ("expires_at", .text), ("last_used_at", .text), ("revoked_at", .text),
        ],
        key: ["hash"]
    )
    public static let changeset = CopyTable(
        name: "changeset",
        columns: [
            ("seq", .integer), ("id", .text), ("message", .text), ("author", .text), ("committed_at", .text),
            ("submitted", .text), ("ops", .text), ("results", .text),
        ],
        key: ["seq"]
    )
    public static let entity = CopyTable(
        name: "entity",
        columns: [
            ("id", .text), ("type", .text), ("version", .integer), ("seq", .integer), ("deleted", .boolean), ("data", .text),
            ("created_at", .text), ("updated_at", .text), ("created_by", .text), ("updated_by", .text),
        ],
        key: ["id"]
    )
    public static let entityVersion = CopyTable(
        name: "entity_version",
        columns: [
            ("id", .text), ("version", .integer), ("type", .text), ("seq", .integer), ("op", .text), ("deleted", .boolean),
            ("data", .text), ("fields", .text), ("updated_at", .text), ("updated_by", .text),
        ],
        key: ["id", "version"]
    )

    /// In the order they are copied.
    public static let all: [CopyTable] = [.token, .changeset, .entity, .entityVersion]

    public func index(of column: String) -> Int? { self.columns.firstIndex { $0.name == column } }
}

/// One value of a copied row, engine-neutral: booleans as 0/1, blobs as hex text.
public enum CopyValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case null

    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    public var integer: Int64? {
        if case .integer(let integer) = self { return integer }
        return nil
    }
}

/// A table's row count and SHA-256 over its rows in key order, the same on both engines.
public struct CopyChecksum: Sendable {
    public private(set) var rows = 0
    private var hasher = SHA256()
    private var finished: String?

    public init() {}

    public mutating func add(_ row: [CopyValue]) {
        self.rows += 1
        var bytes: [UInt8] = []
        for value in row {
            switch value {
            case .null:
                bytes.append(0x6E)
            case .integer(let integer):
                bytes.append(0x69)
                bytes.append(contentsOf: Array("\(integer);".utf8))
            case .text(let text):
                let utf8 = Array(text.utf8)
                bytes.append(0x73)
                bytes.append(contentsOf: Array("\(utf8.count):".utf8))
                bytes.append(contentsOf: utf8)
            }
        }
        bytes.append(0x1E)
        self.hasher.update(data: bytes)
    }

    /// The hex digest (the checksum stops taking rows).
    public mutating func digest() -> String {
        if let finished { return finished }
        let digest = self.hasher.finalize().map { String(format: "%02x", $0) }.joined()
        self.finished = digest
        return digest
    }

}

extension SQLiteStore {
    /// Calls `body` with every row of `table` in key order, from one read transaction (a
    /// consistent snapshot even while galleyd serves).
    public func forEachRow(of table: CopyTable, _ body: ([CopyValue]) throws -> Void) throws {
        let columns = table.columns.map(\.name).joined(separator: ", ")
        let order = table.key.joined(separator: ", ")
        try self.pool.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \(table.name) ORDER BY \(order)")
            while let row = try rows.next() {
                var values: [CopyValue] = []
                values.reserveCapacity(table.columns.count)
                for (index, column) in table.columns.enumerated() {
                    let value = row[index] as DatabaseValue
                    switch (value.storage, column.type) {
                    case (.null, _):
                        values.append(.null)
                    case (.blob(let data), _):
                        values.append(.text(data.map { String(format: "%02x", $0) }.joined()))
                    case (.int64(let integer), _):
                        values.append(.integer(integer))
                    case (.string(let text), _):
                        values.append(.text(text))
                    case (.double(let double), _):
                        values.append(.integer(Int64(double)))
                    }
                }
                try body(values)
            }
        }
    }
}
