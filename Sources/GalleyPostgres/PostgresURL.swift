import Foundation
import GalleyStore
import NIOSSL
import PostgresNIO

/// A `postgres://USER:PASS@HOST:PORT/DB` address (also `postgresql://`), as `galleyd --database`
/// and `GALLEY_DATABASE` take it. `?sslmode=disable|prefer|require` picks TLS (default: prefer,
/// and plain on loopback, where TLS only costs).
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: String

    /// Whether `text` names a PostgreSQL database rather than a data directory.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(_ text: String) throws {
        guard Self.isPostgres(text), let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw StoreError.unusable("--database must look like postgres://USER:PASSWORD@HOST:PORT/DATABASE, not \(Self.redacted(text))")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.user : path
        self.sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(self.sslMode) else {
            throw StoreError.unusable("sslmode must be disable, prefer or require, not \(self.sslMode)")
        }
    }

    /// The same server and credentials, another database (tests create one per server).
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The address without the password, for logs and errors.
    public var description: String {
        "postgres://\(self.user)@\(self.host):\(self.port)/\(self.database)"
    }

    private static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(unparsable address)"
    }

    var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(self.host) }

    /// TLS to use: `prefer` means plain on loopback, where TLS only costs.
    private var effectiveSSLMode: String {
        self.sslMode == "prefer" && self.isLoopback ? "disable" : self.sslMode
    }

    func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch self.effectiveSSLMode {
            case "require": .require(.makeClientConfiguration())
            case "disable": .disable
            default: .prefer(.makeClientConfiguration())
            }
        let configuration = PostgresClient.Configuration(
            host: self.host,
            port: self.port,
            username: self.user,
            password: self.password,
            database: self.database,
            tls: tls
        )
        return configuration
    }

    /// For the one dedicated connection outside the pool (the notification listener).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch self.effectiveSSLMode {
            case "require": .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case "disable": .disable
            default: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        return PostgresConnection.Configuration(
            host: self.host,
            port: self.port,
            username: self.user,
            password: self.password,
            database: self.database,
            tls: tls
        )
    }
}
