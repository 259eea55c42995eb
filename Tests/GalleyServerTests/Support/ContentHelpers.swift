import Foundation
import GalleyClient
import JSONRPC
import Testing

extension GalleyClient {
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
