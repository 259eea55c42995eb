import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// The JSON-RPC 2.0 rules, checked byte for byte through a live server.
@Suite struct JSONRPCConformanceTests {
    private func parse(_ line: String?) throws -> JSONValue {
        guard let line else { throw TestFailure("no reply") }
        return try JSONParser.parse(line)
    }

    @Test func serverInfoAnswersBeforeAuthentication() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"# + "\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["id"] == 1)
            #expect(reply["result"]?["name"] == "galleyd")
            #expect(reply["result"]?["head"] == 0)
            #expect(reply["result"]?["storage"] == (TestServer.usesPostgres ? "postgres" : "sqlite"))
            #expect(reply["result"]?["protocolVersion"] == 1)
            await raw.close()
        }
    }

    @Test func replyHasExactlyJsonrpcIdAndResultOrError() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","id":"a","method":"server.info"}"# + "\n")
            try await raw.send(#"{"jsonrpc":"2.0","id":"b","method":"no.such"}"# + "\n")
            for _ in 0..<2 {
                let line = try #require(try await raw.readLine())
                let reply = try JSONParser.parse(line)
                let keys = try #require(reply.objectValue?.keys)
                #expect(keys == ["jsonrpc", "id", "result"] || keys == ["jsonrpc", "id", "error"])
                #expect(line.hasPrefix(#"{"jsonrpc":"2.0","id":"#))
            }
            await raw.close()
        }
    }

    @Test(arguments: ["1.0", "1e3", "1152921504606846976", "-0", "\"abc\"", "\"\"", "null", "12345678901234567890123"])
    func idsAreEchoedExactlyAsSent(id: String) async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"server.info"}"# + "\n")
            let line = try #require(try await raw.readLine())
            #expect(line.hasPrefix(#"{"jsonrpc":"2.0","id":\#(id),"result":"#))
            await raw.close()
        }
    }

    @Test func notificationsGetNoReply() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","method":"server.info"}"# + "\n")
            try await raw.send(#"{"jsonrpc":"2.0","method":"no.such.method"}"# + "\n")
            try await raw.send(#"{"jsonrpc":"2.0","id":7,"method":"server.info"}"# + "\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["id"] == 7, "the first reply must be the one to the request, not to a notification")
            #expect(try await !raw.hasUnreadBytes(after: .milliseconds(100)))
            await raw.close()
        }
    }

    @Test func emptyBatchGetsOneInvalidRequest() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send("[]\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["id"] == .null)
            #expect(reply["error"]?["code"] == -32600)
            #expect(reply.arrayValue == nil)
            await raw.close()
        }
    }

    @Test func batchOfNotificationsGetsNoBytesAtAll() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"[{"jsonrpc":"2.0","method":"server.info"},{"jsonrpc":"2.0","method":"server.info"}]"# + "\n")
            try await raw.send(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"# + "\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["id"] == 1)
            await raw.close()
        }
    }

    @Test func batchAnswersEveryRequestAndSkipsNotifications() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            // The specification's own batch example, adapted to our methods.
            try await raw.send(
                #"[{"jsonrpc":"2.0","method":"server.info","id":"1"},{"jsonrpc":"2.0","method":"server.info"},"#
                    + #"{"jsonrpc":"2.0","method":"server.info","params":{"x":1},"id":"2"},{"foo":"boo"},"#
                    + #"{"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},"#
                    + #"{"jsonrpc":"2.0","method":"server.info","id":"9"}]"# + "\n"
            )
            let reply = try self.parse(try await raw.readLine())
            let items = try #require(reply.arrayValue)
            #expect(items.count == 5)
            let byID = Dictionary(items.map { ($0["id"]?.stringValue ?? "null", $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byID["1"]?["result"]?["name"] == "galleyd")
            #expect(byID["2"]?["error"]?["code"] == -32602)
            #expect(byID["null"]?["error"]?["code"] == -32600)
            #expect(byID["5"]?["error"]?["code"] == -32601)
            #expect(byID["9"]?["result"] != nil)
            await raw.close()
        }
    }

    @Test func batchLongerThanTheLimitIsRefusedAsAWhole() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            // Authenticated, so the 10 s deadline for anonymous connections cannot close it while a
            // loaded machine answers the 1,000-element batch.
            try await raw.send(#"{"jsonrpc":"2.0","id":0,"method":"auth.authenticate","params":{"token":"\#(server.adminToken)"}}"# + "\n")
            #expect(try self.parse(try await raw.readLine())["result"] != nil)
            let element = #"{"jsonrpc":"2.0","id":1,"method":"server.info"}"#
            try await raw.send("[" + Array(repeating: element, count: 1001).joined(separator: ",") + "]\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["error"]?["code"] == -32600)
            #expect(reply["error"]?["data"]?["kind"] == "batch_too_large")
            #expect(reply["error"]?["data"]?["limit"] == 1000)
            try await raw.send("[" + Array(repeating: element, count: 1000).joined(separator: ",") + "]\n")
            #expect(try self.parse(try await raw.readLine(timeout: .seconds(60))).arrayValue?.count == 1000)
            await raw.close()
        }
    }

    @Test func batchOfNonObjectsGetsOneErrorEach() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send("[1,2,3]\n")
            let items = try #require(try self.parse(try await raw.readLine()).arrayValue)
            #expect(items.count == 3)
            for item in items {
                #expect(item["id"] == .null)
                #expect(item["error"]?["code"] == -32600)
            }
            await raw.close()
        }
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","method":1,"params":"bar"}"#,
        #"{"jsonrpc":"1.0","method":"server.info"}"#,
        #"{"method":"server.info"}"#,
        #""just a string""#,
        #"{"jsonrpc":"2.0","method":"server.info","id":{"a":1}}"#,
    ])
    func invalidRequestWithoutUsableIDGetsNullID(request: String) async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(request + "\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["id"] == .null)
            #expect(reply["error"]?["code"] == -32600)
            #expect(reply["error"]?["data"]?["kind"] != nil)
            await raw.close()
        }
    }

    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"server.info""#, "invalid_json"),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\u{7F}\" \u{1}}", "invalid_json"),
        (String(repeating: "[", count: 129) + String(repeating: "]", count: 129), "too_deep"),
    ])
    func malformedJSONGetsParseErrorAndTheConnectionGoesOn(message: String, kind: String) async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(message + "\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["id"] == .null)
            #expect(reply["error"]?["code"] == -32700)
            #expect(reply["error"]?["data"]?["kind"] == .string(kind))
            try await raw.send(#"{"jsonrpc":"2.0","id":2,"method":"server.info"}"# + "\n")
            #expect(try self.parse(try await raw.readLine())["id"] == 2)
            await raw.close()
        }
    }

    @Test func invalidUTF8GetsParseError() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(Array(#"{"jsonrpc":"2.0","id":1,"method":""#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8))
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["error"]?["code"] == -32700)
            #expect(reply["error"]?["data"]?["kind"] == "invalid_utf8")
            await raw.close()
        }
    }

    @Test func nestingOf128LevelsIsStillJSON() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            let params = String(repeating: "[", count: 126) + String(repeating: "]", count: 126)
            try await raw.send(#"{"jsonrpc":"2.0","id":1,"method":"server.info","params":{"a":\#(params)}}"# + "\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["error"]?["code"] == -32602, "128 levels must parse; the params are then rejected")
            await raw.close()
        }
    }

    @Test func crlfAndEmptyLinesAreTolerated() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send("\r\n\n" + #"{"jsonrpc":"2.0","id":1,"method":"server.info"}"# + "\r\n\r\n")
            #expect(try self.parse(try await raw.readLine())["id"] == 1)
            #expect(try await !raw.hasUnreadBytes(after: .milliseconds(100)))
            await raw.close()
        }
    }

    @Test func finalLineWithoutNewlineIsAnsweredAfterHalfClose() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"#)
            try await raw.shutdownWrite()
            let rest = try await raw.readUntilClosed()
            #expect(rest.hasPrefix(#"{"jsonrpc":"2.0","id":1,"result""#))
        }
    }

    @Test func contentLengthFramingIsDetectedAndUsedForReplies() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            let body = Array(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"#.utf8)
            try await raw.send(Array("Content-Length: \(body.count)\r\nContent-Type: application/json\r\n\r\n".utf8) + body)
            try await raw.sendFramed(Array("{\"jsonrpc\":\"2.0\",\n\"id\":2,\n\"method\":\"server.info\"}".utf8))
            #expect(try self.parse(try await raw.readFramed())["id"] == 1)
            #expect(try self.parse(try await raw.readFramed())["id"] == 2)
            await raw.close()
        }
    }

    @Test func unknownMethodIsMethodNotFound() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let error = await #expect(throws: JSONRPCError.self) { try await client.call("article.frobnicate") }
            #expect(error?.code == -32601)
            #expect(error?.kind == "method_not_found")
            await client.close()
        }
    }

    /// Calls started without waiting (what `galley import` sends ahead) each get their own reply or
    /// error; one started on a closed connection fails instead of waiting forever.
    @Test func startedCallsGetTheirOwnRepliesAndFailOnAClosedConnection() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let ping = client.start("server.ping")
            let unknown = client.start("article.frobnicate")
            let info = client.start("server.info")
            #expect(try await ping.value == [:])
            let error = await #expect(throws: JSONRPCError.self) { try await unknown.value }
            #expect(error?.code == -32601)
            #expect(try await info.value["name"] == "galleyd")
            await client.close()
            await #expect(throws: ClientError.self) { try await client.start("server.ping").value }
        }
    }

    /// `callText` hands over the result's text as the server wrote it (a sync page is kept as
    /// text by the replica), while parsed calls on the same connection go on as before.
    @Test func resultsAskedForAsTextComeAsTheServerWroteThem() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await client.commit([Ops.createArticle(headline: "Ferries")])
            let ping = client.start("server.ping")
            async let pageText = client.callText("sync.pull", ["limit": 10])
            let page = try await client.call("sync.pull", ["limit": 10])
            let text = try await pageText
            #expect(try await ping.value == [:])
            #expect(try JSONParser.parse(text) == page)
            #expect(page["items"]?.arrayValue?.count == 1)
            let error = await #expect(throws: JSONRPCError.self) { try await client.callText("article.frobnicate") }
            #expect(error?.code == -32601)
            #expect(try await client.call("server.ping") == [:])
            await client.close()
            await #expect(throws: ClientError.self) { try await client.callText("server.ping") }
        }
    }

    @Test func unknownMissingAndMistypedParamsAreAllNamed() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let error = await #expect(throws: JSONRPCError.self) {
                try await client.call("token.create", ["role": 3, "colour": "red"])
            }
            #expect(error?.code == -32602)
            let paths = Set((error?.data?["errors"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue })
            #expect(paths == ["name", "role", "colour"])
            await client.close()
        }
    }

    @Test func positionalParamsAreRejected() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","id":1,"method":"server.info","params":[1]}"# + "\n")
            let reply = try self.parse(try await raw.readLine())
            #expect(reply["error"]?["code"] == -32602)
            await raw.close()
        }
    }

    @Test func requestPipelinedBehindAuthenticateSeesItsOutcome() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(
                #"{"jsonrpc":"2.0","id":1,"method":"auth.authenticate","params":{"token":"\#(server.adminToken)"}}"# + "\n"
                    + #"{"jsonrpc":"2.0","id":2,"method":"server.ping"}"# + "\n"
            )
            var replies: [JSONValue] = []
            for _ in 0..<2 { replies.append(try self.parse(try await raw.readLine())) }
            #expect(replies.first { $0["id"] == 2 }?["result"] == .object([:]))
            await raw.close()
        }
    }

    @Test func thousandPipelinedRequestsAllGetTheirOwnReply() async throws {
        try await TestServer.with { server in
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","id":0,"method":"auth.authenticate","params":{"token":"\#(server.adminToken)"}}"# + "\n")
            #expect(try self.parse(try await raw.readLine())["result"]?["role"] == "admin")
            var batch = ""
            for id in 1...1000 {
                batch += #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(id % 2 == 0 ? "server.ping" : "server.info")"}"# + "\n"
            }
            try await raw.send(batch)
            var seen = Set<Int>()
            for _ in 1...1000 {
                let reply = try self.parse(try await raw.readLine())
                let id = try #require(reply["id"]?.intValue)
                #expect(reply["result"] != nil)
                seen.insert(id)
            }
            #expect(seen == Set(1...1000))
            await raw.close()
        }
    }
}
