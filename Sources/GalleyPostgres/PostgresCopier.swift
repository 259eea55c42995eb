import GalleyModel
import GalleyStore
import JSONRPC
import Logging
import NIOPosix
import PostgresNIO

/// What `galleyd copy` moved and verified, per table.
public struct CopyReport: Sendable {
    public struct Table: Sendable {
        public var name: String
        public var rows: Int
        public var checksum: String
    }

    public var tables: [Table]
    /// The changeset counter as copied: sync cursors issued by the SQLite server stay valid.
    public var head: Int64
}

/// Moves a SQLite data directory's content into an empty, migrated PostgreSQL database: tokens,
/// changesets with their original `seq`, every entity (tombstones included) and every version,
/// and the counter, in one transaction; the query tables are rebuilt from the entities as the
/// committer would write them. Then it reads every copied table back in key order and compares
/// its row count and SHA-256 with what it read from SQLite, so a copy that does not say "ok" did
/// not happen as far as anyone should trust.
public enum PostgresCopier {
    /// Rows per INSERT statement.
    static let rowsPerStatement = 200

    public static func copy(from source: SQLiteStore, to target: PostgresStore, logger: Logger) async throws -> CopyReport {
        let counts = try await target.rows(
            "SELECT (SELECT count(*) FROM changeset) + (SELECT count(*) FROM entity) + (SELECT count(*) FROM token) AS n"
        )
        guard try counts.first?.get("n", as: Int.self) == 0 else {
            throw StoreError.unusable("the target database \(target.url) is not empty; copy needs a freshly migrated database")
        }
        let head = try await source.head()
        let written: [String: CopyChecksum] = try await target.client.withConnection { connection in
            try await target.blockingThreads.runIfActive {
                try Self.write(from: source, head: head, on: BlockingConnection(connection: connection, logger: logger))
            }
        }
        var tables: [CopyReport.Table] = []
        for table in CopyTable.all {
            var expected = written[table.name] ?? CopyChecksum()
            var found = try await Self.checksum(of: table, in: target)
            let expectedDigest = expected.digest()
            let foundDigest = found.digest()
            guard expected.rows == found.rows, expectedDigest == foundDigest else {
                throw StoreError.unusable(
                    "copy verification failed for \(table.name): read \(expected.rows) rows (sha256 \(expectedDigest)) from SQLite, found \(found.rows) (sha256 \(foundDigest)) in PostgreSQL"
                )
            }
            tables.append(CopyReport.Table(name: table.name, rows: found.rows, checksum: foundDigest))
        }
        let copiedHead = try await target.head()
        guard copiedHead == head else {
            throw StoreError.unusable("copy verification failed: the counter is \(copiedHead) in PostgreSQL, \(head) in SQLite")
        }
        return CopyReport(tables: tables, head: head)
    }

    /// One transaction: every table, the rebuilt query tables and the counter.
    private static func write(from source: SQLiteStore, head: Int64, on connection: BlockingConnection) throws -> [String: CopyChecksum] {
        try connection.execute("BEGIN")
        do {
            _ = try connection.rows("SELECT v FROM seq_counter WHERE id = 1 FOR UPDATE")
            var checksums: [String: CopyChecksum] = [:]
            for table in CopyTable.all {
                var checksum = CopyChecksum()
                var pending: [[CopyValue]] = []
                try source.forEachRow(of: table) { row in
                    checksum.add(row)
                    pending.append(row)
                    if pending.count == Self.rowsPerStatement {
                        try Self.insert(pending, into: table, on: connection)
                        pending.removeAll(keepingCapacity: true)
                    }
                }
                try Self.insert(pending, into: table, on: connection)
                checksums[table.name] = checksum
            }
            try connection.execute("UPDATE seq_counter SET v = \(head) WHERE id = 1")
            try connection.execute("COMMIT")
            return checksums
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private static func insert(_ rows: [[CopyValue]], into table: CopyTable, on connection: BlockingConnection) throws {
        guard !rows.isEmpty else { return }
        var names = table.columns.map(\.name)
        let isEntity = table == .entity
        if isEntity { names.append("slug") }
        var bindings = PostgresBindings(capacity: rows.count * names.count)
        var tuples: [String] = []
        for row in rows {
            var placeholders: [String] = []
            for (value, column) in zip(row, table.columns) {
                Self.bind(value, as: column.type, into: &bindings)
                placeholders.append("$\(bindings.count)")
            }
            if isEntity {
                let state = try Self.state(fromEntityRow: row)
                bindings.append(state.type == .article ? state.data["slug"]?.stringValue : nil)
                placeholders.append("$\(bindings.count)")
                if !state.deleted { PostgresIndexWriter.addToIndexes(state, on: connection) }
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        connection.send(
            PostgresQuery(
                unsafeSQL: "INSERT INTO \(table.name) (\(names.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))",
                binds: bindings
            )
        )
        try connection.flush()
    }

    private static func bind(_ value: CopyValue, as type: CopyTable.ColumnType, into bindings: inout PostgresBindings) {
        switch (value, type) {
        case (.null, _):
            bindings.appendNull()
        case (.integer(let integer), .boolean):
            bindings.append(integer != 0)
        case (.integer(let integer), _):
            bindings.append(integer)
        case (.text(let text), _):
            bindings.append(text)
        }
    }

    private static func state(fromEntityRow row: [CopyValue]) throws -> EntityState {
        let table = CopyTable.entity
        func text(_ column: String) -> String { row[table.index(of: column)!].text ?? "" }
        func integer(_ column: String) -> Int64 { row[table.index(of: column)!].integer ?? 0 }
        guard let type = EntityType(rawValue: text("type")) else {
            throw StoreError.unusable("entity \(text("id")) has an unknown type \(text("type"))")
        }
        return EntityState(
            type: type,
            id: text("id"),
            version: Int(integer("version")),
            seq: integer("seq"),
            deleted: integer("deleted") != 0,
            data: try PostgresEntityRows.document(text("data")),
            createdAt: text("created_at"),
            updatedAt: text("updated_at"),
            createdBy: text("created_by"),
            updatedBy: text("updated_by")
        )
    }

    /// Reads `table` back from PostgreSQL in the key order SQLite used (byte order: `COLLATE "C"`).
    private static func checksum(of table: CopyTable, in target: PostgresStore) async throws -> CopyChecksum {
        let columns = table.columns.map(\.name).joined(separator: ", ")
        let order = table.key.map { key in
            table.columns.first { $0.name == key }?.type == .integer ? key : "\(key) COLLATE \"C\""
        }.joined(separator: ", ")
        var checksum = CopyChecksum()
        let rows = try await target.client.query(PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(table.name) ORDER BY \(order)"), logger: target.logger)
        for try await row in rows {
            let access = row.makeRandomAccess()
            var values: [CopyValue] = []
            for (index, column) in table.columns.enumerated() {
                let cell = access[index]
                switch column.type {
                case .text, .hexBlob:
                    values.append((try cell.decode(String?.self)).map { .text($0) } ?? .null)
                case .integer:
                    values.append((try cell.decode(Int64?.self)).map { .integer($0) } ?? .null)
                case .boolean:
                    values.append((try cell.decode(Bool?.self)).map { .integer($0 ? 1 : 0) } ?? .null)
                }
            }
            checksum.add(values)
        }
        return checksum
    }
}
