import Foundation
import GalleyClient
import JSONRPC
import Testing

/// Small builders for changesets in tests.
enum Ops {
    static func createArticle(_ id: String = UUID().uuidString.lowercased(), headline: String, _ extra: JSONObject = [:]) -> JSONValue {
        var data: JSONObject = ["headline": .string(headline)]
        for (key, value) in extra { data[key] = value }
        return ["op": "create", "type": "article", "id": .string(id), "data": .object(data)]
    }

    static func createMedia(_ id: String = UUID().uuidString.lowercased(), uri: String = "media/photo.jpg", _ extra: JSONObject = [:]) -> JSONValue {
        var data: JSONObject = ["uri": .string(uri)]
        for (key, value) in extra { data[key] = value }
        return ["op": "create", "type": "media", "id": .string(id), "data": .object(data)]
    }

    static func createLink(_ id: String = UUID().uuidString.lowercased(), from: String, to: String, _ extra: JSONObject = [:]) -> JSONValue {
        var data: JSONObject = ["fromId": .string(from), "toId": .string(to)]
        for (key, value) in extra { data[key] = value }
        return ["op": "create", "type": "link", "id": .string(id), "data": .object(data)]
    }

    static func update(_ type: String, _ id: String, base: Int? = nil, set: JSONObject = [:], unset: [String] = []) -> JSONValue {
        var op: JSONObject = ["op": "update", "type": .string(type), "id": .string(id)]
        if let base { op["baseVersion"] = .number(JSONNumber(base)) }
        if !set.isEmpty { op["set"] = .object(set) }
        if !unset.isEmpty { op["unset"] = .array(unset.map { .string($0) }) }
        return .object(op)
    }

    static func delete(_ type: String, _ id: String, base: Int? = nil) -> JSONValue {
        var op: JSONObject = ["op": "delete", "type": .string(type), "id": .string(id)]
        if let base { op["baseVersion"] = .number(JSONNumber(base)) }
        return .object(op)
    }
}

extension GalleyClient {
    /// Commits `ops` as one changeset with a fresh id.
    @discardableResult
    func commit(_ ops: [JSONValue], message: String = "test edit", id: String = UUID().uuidString.lowercased(), dryRun: Bool = false) async throws -> JSONValue {
        var params: JSONObject = ["id": .string(id), "message": .string(message), "ops": .array(ops)]
        if dryRun { params["dryRun"] = true }
        return try await self.call("changeset.commit", params)
    }

    /// The error a call fails with (the test fails if it succeeds).
    func failure(_ method: String, _ params: JSONObject) async -> JSONRPCError? {
        do {
            let result = try await self.call(method, params)
            Issue.record("\(method) succeeded unexpectedly: \(JSONWriter.string(result))")
            return nil
        } catch let error as JSONRPCError {
            return error
        } catch {
            Issue.record("\(method) failed with a transport error: \(error)")
            return nil
        }
    }

    func commitFailure(_ ops: [JSONValue], id: String = UUID().uuidString.lowercased()) async -> JSONRPCError? {
        await self.failure("changeset.commit", ["id": .string(id), "message": "should fail", "ops": .array(ops)])
    }
}
