import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// Every file of JSONTestSuite's `test_parsing` sent to a live server as one message (with
/// Content-Length framing, so an interior newline cannot split it): valid JSON must never get a
/// parse error, invalid JSON must get exactly -32700, and the server must keep answering.
@Suite struct JSONTestSuiteRobustnessTests {
    static let corpus = "corpora/JSONTestSuite/test_parsing"

    @Test(.enabled(if: SharedFolder.exists(corpus), "../shared/corpora/JSONTestSuite is absent (it is not part of the repo)"))
    func everyCorpusFileGetsTheRightAnswerAndTheServerSurvives() async throws {
        let directory = SharedFolder.path(Self.corpus)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count > 300)
        try await TestServer.with { server in
            var connection = try await server.raw()
            for file in files {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)))
                try await connection.sendFramed(bytes)
                let replyText = try #require(try await connection.readFramed(), "no reply to \(file)")
                let reply = try JSONParser.parse(replyText)
                let codes = Self.errorCodes(reply)
                if file.hasPrefix("n_") {
                    #expect(codes == [-32700], "\(file) is not JSON and must get a parse error")
                } else if file.hasPrefix("y_") {
                    #expect(!codes.contains(-32700), "\(file) is valid JSON and must not get a parse error")
                    #expect(!codes.isEmpty, "\(file) is not a valid request and must get an error")
                } else {
                    #expect(!codes.isEmpty, "\(file) must get an answer")
                }
                if !codes.allSatisfy({ [-32700, -32600].contains($0) }) {
                    Issue.record("\(file): unexpected codes \(codes)")
                }
                // Reconnect now and then so one connection's state cannot hide a problem.
                if file.hasPrefix("i_") {
                    await connection.close()
                    connection = try await server.raw()
                }
            }
            try await connection.sendFramed(Array(#"{"jsonrpc":"2.0","id":1,"method":"auth.authenticate","params":{"token":"\#(server.adminToken)"}}"#.utf8))
            _ = try await connection.readFramed()
            try await connection.sendFramed(Array(#"{"jsonrpc":"2.0","id":2,"method":"server.ping"}"#.utf8))
            let pong = try JSONParser.parse(try #require(try await connection.readFramed()))
            #expect(pong["result"] == .object([:]))
            await connection.close()
        }
    }

    private static func errorCodes(_ reply: JSONValue) -> [Int] {
        switch reply {
        case .array(let items): items.compactMap { $0["error"]?["code"]?.intValue }
        default: [reply["error"]?["code"]?.intValue].compactMap { $0 }
        }
    }
}
