import GalleyTestSupport
import Foundation
import GalleyClient
import JSONRPC
import Testing

/// Every method of the OpenRPC document, called as anonymous, reader, editor and admin. The matrix
/// below is the reviewed expectation: a method added to the API without an entry here fails.
@Suite struct AuthorizationMatrixTests {
    /// The least role that may call each method (nil: callable without authenticating).
    static let matrix: [String: String?] = [
        "rpc.discover": nil, "server.info": nil, "auth.authenticate": nil,
        "server.ping": "reader", "auth.whoami": "reader", "server.metrics": "admin",
        "token.create": "admin", "token.list": "admin", "token.revoke": "admin",
        "changeset.commit": "editor", "changeset.revert": "editor",
        "changeset.get": "reader", "changeset.list": "reader",
        "article.create": "editor", "article.update": "editor", "article.delete": "editor",
        "article.get": "reader", "article.list": "reader", "article.history": "reader",
        "media.create": "editor", "media.update": "editor", "media.delete": "editor",
        "media.get": "reader", "media.list": "reader", "media.usage": "reader",
        "link.list": "reader",
        "sync.pull": "reader", "sync.push": "editor", "sync.subscribe": "reader", "sync.unsubscribe": "reader",
    ]

    static let rank = ["reader": 0, "editor": 1, "admin": 2]

    @Test func everyDocumentedMethodHasAReviewedEntry() throws {
        let document = try OpenRPCDocument(json: try JSONParser.parse(String(contentsOfFile: ContractTests.documentPath, encoding: .utf8)))
        #expect(Set(document.methods.keys) == Set(Self.matrix.keys), "add new methods to the authorization matrix")
        for (name, method) in document.methods {
            #expect(method.role == (Self.matrix[name].flatMap { $0 } ?? "anonymous"), "\(name)")
        }
    }

    @Test func everyMethodRefusesCallersBelowItsRoleAndAdmitsTheRest() async throws {
        try await TestServer.with { server in
            var clients: [String: GalleyClient] = ["anonymous": try await server.anonymousClient(), "admin": try await server.client()]
            for role in ["reader", "editor"] {
                clients[role] = try await server.client(token: try await server.token(role: role, name: "matrix-\(role)"))
            }
            for (method, required) in Self.matrix.sorted(by: { $0.key < $1.key }) where method != "auth.authenticate" {
                for (caller, client) in clients.sorted(by: { $0.key < $1.key }) {
                    // Empty params: a permitted caller gets a result or a params/validation error,
                    // never an access error; a refused one gets exactly the access error.
                    var code: Int? = nil
                    do {
                        _ = try await client.call(method, [:])
                    } catch let error as JSONRPCError {
                        code = error.code
                    }
                    switch (required, caller) {
                    case (nil, _):
                        #expect(code != -32001 && code != -32003, "\(method) as \(caller)")
                    case (.some, "anonymous"):
                        #expect(code == -32001, "\(method) as anonymous")
                    case (.some(let role), _):
                        if Self.rank[caller]! >= Self.rank[role]! {
                            #expect(code != -32001 && code != -32003, "\(method) as \(caller)")
                        } else {
                            #expect(code == -32003, "\(method) as \(caller)")
                        }
                    }
                }
            }
            for client in clients.values { await client.close() }
        }
    }

    @Test func forbiddenFieldsAreRefusedForEveryRole() async throws {
        try await TestServer.with { server in
            let admin = try await server.client()
            // Mass assignment: read-only and server-set fields cannot be written by anyone.
            let error = await admin.commitFailure([
                Ops.createArticle(headline: "Forged", ["createdBy": "someone-else", "seq": 999, "readingMinutes": 42]),
            ])
            #expect(error?.code == -32022)
            let paths = Set((error?.data?["errors"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue })
            #expect(paths == ["ops[0].data.createdBy", "ops[0].data.seq", "ops[0].data.readingMinutes"])
            let unknownParam = await admin.failure("article.get", ["id": .string(UUID().uuidString), "role": "admin"])
            #expect(unknownParam?.code == -32602)
            await admin.close()
        }
    }
}
