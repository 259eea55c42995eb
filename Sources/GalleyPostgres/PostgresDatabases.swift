import Foundation
import Logging
import PostgresNIO

/// Creating and dropping whole databases on a PostgreSQL server, for test suites that give every
/// server its own database (`GALLEY_TEST_POSTGRES`). The role needs CREATEDB.
public enum PostgresDatabases {
    /// Creates an empty database named `name` on the server `base` points at; returns its address.
    public static func create(_ name: String, on base: PostgresURL, logger: Logger) async throws -> PostgresURL {
        try await Self.withAdminConnection(base, logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.quoted(name))"), logger: logger)
        }
        return base.with(database: name)
    }

    /// Drops `name`, disconnecting whoever is still connected to it.
    public static func drop(_ name: String, on base: PostgresURL, logger: Logger) async throws {
        try await Self.withAdminConnection(base, logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(Self.quoted(name)) WITH (FORCE)"), logger: logger)
        }
    }

    private static func withAdminConnection(_ base: PostgresURL, logger: Logger, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(configuration: try base.connectionConfiguration(), id: 0, logger: logger)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
