import Foundation
import GalleyModel
import GalleyServer
import GalleyStore
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// Tokens, roles and what each role may call.
@Suite struct AuthenticationTests {
    @Test func methodsOtherThanDiscoverInfoAndAuthenticateNeedAToken() async throws {
        try await TestServer.with { server in
            let client = try await server.anonymousClient()
            for method in ["server.ping", "auth.whoami", "token.list"] {
                let error = await #expect(throws: JSONRPCError.self) { try await client.call(method) }
                #expect(error?.code == -32001, "\(method)")
                #expect(error?.kind == "unauthenticated")
            }
            #expect(try await client.call("server.info")["name"] == "galleyd")
            #expect(try await client.call("rpc.discover")["openrpc"] != nil)
            await client.close()
        }
    }

    @Test func adminTokenFromFirstStartIsWrittenPrivately() async throws {
        try await TestServer.with { server in
            let path = server.dataDirectory + "/admin.token"
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let client = try await server.client()
            #expect(try await client.call("auth.whoami") == ["principal": "admin", "role": "admin"])
            await client.close()
        }
    }

    @Test func wrongTokenIsRefusedAndFiveFailuresCloseTheConnection() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            for attempt in 1...5 {
                try await raw.send(#"{"jsonrpc":"2.0","id":\#(attempt),"method":"auth.authenticate","params":{"token":"galley_wrong"}}"# + "\n")
                let reply = try JSONParser.parse(try #require(try await raw.readLine()))
                #expect(reply["error"]?["code"] == -32001)
                #expect(reply["error"]?["data"]?["kind"] == "invalid_token")
                #expect(reply["error"]?["data"]?["attemptsLeft"] == .number(JSONNumber(5 - attempt)))
            }
            #expect(try await raw.isClosed(within: .seconds(15)))
        }
    }

    @Test func rolesLimitWhatATokenMayCall() async throws {
        try await TestServer.with { server in
            let readerToken = try await server.token(role: "reader", name: "night-desk-reader")
            let reader = try await server.client(token: readerToken)
            #expect(try await reader.call("auth.whoami") == ["principal": "night-desk-reader", "role": "reader"])
            #expect(try await reader.call("server.ping") == .object([:]))
            let error = await #expect(throws: JSONRPCError.self) {
                try await reader.call("token.create", ["name": "x", "role": "admin"])
            }
            #expect(error?.code == -32003)
            #expect(error?.data?["required"] == "admin")
            #expect(error?.data?["role"] == "reader")
            await reader.close()
        }
    }

    @Test func tokensAreShownOnceListedWithoutSecretsAndRevocable() async throws {
        try await TestServer.with { server in
            let admin = try await server.client()
            let created = try await admin.call("token.create", ["name": "cms-bridge", "role": "editor"])
            let token = try #require(created["token"]?.stringValue)
            #expect(token.hasPrefix("galley_") && token.count >= 43)
            let listed = try await admin.call("token.list")
            let names = (listed["items"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            #expect(names == ["admin", "cms-bridge"])
            #expect(!JSONWriter.string(listed).contains(token), "token.list must never contain a token")

            let duplicate = await #expect(throws: JSONRPCError.self) {
                try await admin.call("token.create", ["name": "cms-bridge", "role": "reader"])
            }
            #expect(duplicate?.kind == "token_name_taken")

            let editor = try await server.client(token: token)
            #expect(try await editor.call("auth.whoami")["role"] == "editor")
            #expect(try await admin.call("token.revoke", ["name": "cms-bridge"]) == ["name": "cms-bridge", "revoked": true])
            await #expect(throws: JSONRPCError.self) { _ = try await server.client(token: token) }
            let missing = await #expect(throws: JSONRPCError.self) { try await admin.call("token.revoke", ["name": "cms-bridge"]) }
            #expect(missing?.code == -32004)
            await editor.close()
            await admin.close()
        }
    }

    @Test(.disabled(if: TestServer.usesPostgres, "reads the SQLite database file; the PostgreSQL token table keeps the same hex hash"))
    func tokenStoredOnlyAsItsHash() async throws {
        try await TestServer.with { server in
            let database = try Data(contentsOf: URL(fileURLWithPath: server.dataDirectory + "/galley.sqlite"))
            let wal = (try? Data(contentsOf: URL(fileURLWithPath: server.dataDirectory + "/galley.sqlite-wal"))) ?? Data()
            let needle = Data(server.adminToken.utf8)
            #expect(database.range(of: needle) == nil && wal.range(of: needle) == nil)
        }
    }

    @Test func revokingATokenClosesItsLiveConnectionsAtOnce() async throws {
        try await TestServer.with { server in
            let token = try await server.token(role: "editor", name: "leaked-tool")
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","id":1,"method":"auth.authenticate","params":{"token":"\#(token)"}}"# + "\n")
            // The connection must really be authenticated as the token, or there is nothing to close.
            let reply = try #require(try await raw.readLine())
            try #require(reply.contains(#""principal":"leaked-tool""#), "auth.authenticate answered \(reply)")
            let admin = try await server.client()
            _ = try await admin.call("token.revoke", ["name": "leaked-tool"])
            // The close is asked for before token.revoke answers; the bound only allows for a
            // loaded machine (CI runs this beside 200 other tests on two cores).
            #expect(try await raw.isClosed(within: .seconds(15)), "the revoked token's connection is still open")
            #expect(try await admin.call("server.ping") == .object([:]), "other connections are untouched")
            await admin.close()
        }
    }

    @Test func tokensCanExpire() async throws {
        try await TestServer.with { server in
            let admin = try await server.client()
            let created = try await admin.call("token.create", ["name": "contractor", "role": "reader", "expires": "30d"])
            let expiresAt = try #require(created["expiresAt"]?.stringValue)
            let expiry = try #require(Timestamp.date(from: expiresAt))
            #expect(abs(expiry.timeIntervalSinceNow - 30 * 86400) < 120)
            let listed = try await admin.call("token.list")["items"]?.arrayValue?.first { $0["name"] == "contractor" }
            #expect(listed?["expiresAt"] == .string(expiresAt))
            let bad = await admin.failure("token.create", ["name": "x", "role": "reader", "expires": "forever"])
            #expect(bad?.code == -32602)
            await admin.close()
        }
        // An expired token no longer authenticates.
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        let past = Timestamp.string(from: Date().addingTimeInterval(-60))
        try await store.createToken(name: "old", role: .reader, hash: TokenMinter.hash("galley_old"), createdBy: nil, expiresAt: past)
        #expect(try await store.authenticate(tokenHash: TokenMinter.hash("galley_old")) == nil)
        try await store.close()
    }
}
