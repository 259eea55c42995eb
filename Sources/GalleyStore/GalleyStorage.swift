import GalleyModel

/// What the server needs from a store. SQLite implements it today; a PostgreSQL store will too,
/// so nothing here may depend on SQLite's single writer.
public protocol GalleyStorage: ContentStorage {
    /// A short name of the engine for `server.info` (`sqlite`, `postgres`).
    var engineName: String { get }

    /// The newest changeset number, 0 when none has been committed.
    func head() async throws -> Int64

    /// Stores a new token by its SHA-256 hash. Throws ``StoreError/tokenNameTaken(_:)`` when a live
    /// token already has that name.
    func createToken(name: String, role: Role, hash: [UInt8], createdBy: String?, expiresAt: String?) async throws

    /// The live (not revoked) tokens, oldest first.
    func listTokens() async throws -> [TokenRecord]

    /// Revokes the live token of that name; false when there is none.
    func revokeToken(name: String) async throws -> Bool

    /// The principal a live, unexpired token hash belongs to, recording its use; nil when none.
    func authenticate(tokenHash: [UInt8]) async throws -> Principal?

    /// The number of live tokens (0 on a brand-new data directory).
    func liveTokenCount() async throws -> Int

    /// Calls `observer` with the number of changesets in each durable transaction (metrics).
    func observeCommitBatches(_ observer: @escaping @Sendable (Int) -> Void)

    /// Tells `observer` of every content change from now on, around each write transaction (see
    /// ``EntityChangeObserver``), and returns true; returns false, and never calls it, when this
    /// process cannot see every change (other processes commit to the same database).
    func observeEntityChanges(_ observer: any EntityChangeObserver) -> Bool

    /// Flushes and closes the store; no call may follow.
    func close() async throws

    /// Calls `onHead` with the head whenever another process may have committed (a store several
    /// galleyd instances share); returns when the calling task is cancelled. A store that only
    /// this process writes has nothing to watch and returns at once.
    func watchHead(_ onHead: @escaping @Sendable (Int64) -> Void) async
}

/// Told of a store's content changes in step with its commits, so a cache of current state can
/// be trusted without asking the store: `willCommit` comes before COMMIT makes the changes visible
/// to readers, `didCommit` after COMMIT ended (durable, or failed), and before any changeset of the
/// transaction is acknowledged. Between the two a reader may see either state; after `didCommit`
/// only the new one. Both are called on the writer's thread with the write lock held: be quick.
public protocol EntityChangeObserver: AnyObject, Sendable {
    /// The transaction is about to commit changes to the entities `ids` (each id once or more).
    func willCommit(changing ids: [String])
    /// The transaction announced by the last `willCommit` has ended.
    func didCommit()
}

extension GalleyStorage {
    public func watchHead(_ onHead: @escaping @Sendable (Int64) -> Void) async {}
}

/// A token as listed to an admin: never the token itself.
public struct TokenRecord: Sendable, Hashable {
    public var name: String
    public var role: Role
    public var createdAt: String
    public var createdBy: String?
    public var expiresAt: String?
    public var lastUsedAt: String?

    public init(name: String, role: Role, createdAt: String, createdBy: String?, expiresAt: String?, lastUsedAt: String?) {
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }
}

/// Failures a store reports in terms the server can map to the wire.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A live token already has this name.
    case tokenNameTaken(String)
    /// The database was migrated by a newer galleyd; this binary refuses to touch it.
    case schemaTooNew(unknownMigrations: [String])
    /// The data directory or database cannot be used.
    case unusable(String)
    /// A write could not be made durable (I/O error, full disk); nothing of it was acknowledged.
    case storageFailure(String)

    public var description: String {
        switch self {
        case .tokenNameTaken(let name):
            "a live token named \"\(name)\" already exists"
        case .schemaTooNew(let unknown):
            "the database schema is newer than this galleyd knows (unknown migrations: \(unknown.joined(separator: ", "))); upgrade galleyd, the database was not touched"
        case .unusable(let reason):
            reason
        case .storageFailure(let reason):
            "the store could not write durably: \(reason)"
        }
    }
}
