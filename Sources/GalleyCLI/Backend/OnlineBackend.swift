import Foundation
import GalleyClient
import GalleyModel
import JSONRPC
import JSONRPCTransport

/// The content on a galleyd server, over one ``GalleyClient`` connection: every read is a call,
/// every write is committed (durably) before it returns.
public final class OnlineBackend: ContentBackend {
    public let location: String
    private let client: GalleyClient

    private init(location: String, client: GalleyClient) {
        self.location = location
        self.client = client
    }

    /// Connects to `address` (`HOST:PORT`), over TLS when `tls` is given, and authenticates with
    /// `token` when given. A server that cannot be reached (or whose certificate is not trusted)
    /// is ``CLIError/cannotConnect(_:)``; unusable TLS files are ``CLIError/usage(_:)``; a refused
    /// token is the server's ``JSONRPCError``.
    public static func connect(to address: String, token: String?, tls: ClientTLS? = nil) async throws -> OnlineBackend {
        do {
            let client = try await GalleyClient.connect(to: address, token: token, tls: tls)
            return OnlineBackend(location: "galleyd at \(address)", client: client)
        } catch let error as TLSSetupError {
            throw CLIError.usage(error.description)
        } catch let error as ClientError {
            switch error {
            case .tlsHandshakeFailed, .certificatePinMismatch:
                throw CLIError.cannotConnect(
                    "cannot connect to galleyd at \(address) over TLS (\(error)).\nCheck --tls-ca or --tls-pin, and that galleyd was started with --tls-cert."
                )
            default:
                break
            }
            throw CLIError.cannotConnect(
                "cannot connect to galleyd at \(address) (\(error)).\nIs galleyd running? Start it with `galleyd`, or pass --server HOST:PORT (or set GALLEY_SERVER)."
            )
        }
    }

    private func call(_ method: String, _ params: JSONObject) async throws -> JSONValue {
        do {
            return try await self.client.call(method, params)
        } catch let error as ClientError {
            throw Self.connectionLost(error, location: self.location)
        }
    }

    private func object(_ method: String, _ params: JSONObject) async throws -> JSONObject {
        try Self.object(method, try await self.call(method, params))
    }

    private static func connectionLost(_ error: ClientError, location: String) -> CLIError {
        CLIError.cannotConnect("lost the connection to \(location) (\(error)). Check that galleyd is still running and try again.")
    }

    private static func object(_ method: String, _ result: JSONValue) throws -> JSONObject {
        guard let object = result.objectValue else { throw CLIError.server("\(method) returned \(result.typeName), not an object") }
        return object
    }

    private func page(_ method: String, _ params: JSONObject, cursor: String?) async throws -> Page {
        var params = params
        if let cursor { params["cursor"] = .string(cursor) }
        let result = try await self.object(method, params)
        return Page(items: (result["items"]?.arrayValue ?? []).compactMap(\.objectValue), nextCursor: result["nextCursor"]?.stringValue)
    }

    public func article(_ reference: String, version: Int?) async throws -> JSONObject {
        var params = Self.reference(reference)
        if let version { params["version"] = .number(JSONNumber(version)) }
        return try await self.object("article.get", params)
    }

    public func articles(_ filter: ArticleFilter, cursor: String?) async throws -> Page {
        try await self.page("article.list", filter.params, cursor: cursor)
    }

    public func articleHistory(_ reference: String, cursor: String?) async throws -> Page {
        var params = Self.reference(reference)
        params["limit"] = 500
        return try await self.page("article.history", params, cursor: cursor)
    }

    /// `{id}` for a UUID, else `{slug}`.
    private static func reference(_ reference: String) -> JSONObject {
        ContentRules.isUUID(reference) ? ["id": .string(reference)] : ["slug": .string(reference)]
    }

    public func media(id: String, version: Int?) async throws -> JSONObject {
        var params: JSONObject = ["id": .string(id)]
        if let version { params["version"] = .number(JSONNumber(version)) }
        return try await self.object("media.get", params)
    }

    public func mediaItems(_ filter: MediaFilter, cursor: String?) async throws -> Page {
        try await self.page("media.list", filter.params, cursor: cursor)
    }

    public func mediaUsage(id: String) async throws -> [JSONObject] {
        try await self.page("media.usage", ["id": .string(id)], cursor: nil).items
    }

    public func links(articleID: String, inbound: Bool) async throws -> [JSONObject] {
        try await self.page("link.list", ["articleId": .string(articleID), "direction": inbound ? "in" : "out"], cursor: nil).items
    }

    public func changeset(seq: Int?, id: String?) async throws -> JSONObject? {
        var params: JSONObject = [:]
        if let seq { params["seq"] = .number(JSONNumber(seq)) }
        if let id { params["id"] = .string(id) }
        do {
            return try await self.object("changeset.get", params)
        } catch let error as JSONRPCError where error.code == -32004 {
            return nil
        }
    }

    public func changesets(_ filter: ChangesetFilter, cursor: String?) async throws -> Page {
        try await self.page("changeset.list", filter.params, cursor: cursor)
    }

    public func snapshot(cursor: String?) async throws -> SnapshotPage {
        var params: JSONObject = ["limit": 1000]
        if let cursor { params["cursor"] = .string(cursor) }
        let page = try await self.object("sync.pull", params)
        // The snapshot is finished on the page that reports where it is consistent.
        let finished = page["consistentAt"].map { !$0.isNull } ?? true
        return SnapshotPage(
            items: (page["items"]?.arrayValue ?? []).compactMap(\.objectValue),
            nextCursor: finished ? nil : page["cursor"]?.stringValue,
            head: page["consistentAt"]?.intValue ?? page["head"]?.intValue ?? 0
        )
    }

    public func commit(_ changeset: ChangesetRequest) async throws -> JSONObject {
        try await self.object("changeset.commit", changeset.params)
    }

    public func startCommit(_ changeset: ChangesetRequest) -> Task<JSONObject, any Error>? {
        let call = self.client.start("changeset.commit", changeset.params)
        let location = self.location
        return Task {
            do {
                return try Self.object("changeset.commit", try await call.value)
            } catch let error as ClientError {
                throw Self.connectionLost(error, location: location)
            }
        }
    }

    public func revert(seq: Int, id: String, message: String?, force: Bool) async throws -> JSONObject {
        var params: JSONObject = ["seq": .number(JSONNumber(seq)), "id": .string(id)]
        if let message { params["message"] = .string(message) }
        if force { params["force"] = true }
        return try await self.object("changeset.revert", params)
    }

    public func close() async {
        await self.client.close()
    }
}
