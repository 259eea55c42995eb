import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// Limits that protect the server from clients: message size, connection count, time to
/// authenticate. Each must answer with a readable error, never a bare reset.
@Suite struct TransportLimitTests {
    @Test func oversizedLineGetsMessageTooLargeThenAClosedConnection() async throws {
        try await TestServer.with(configure: { $0.maximumMessageBytes = 4096 }) { server in
            let raw = try await server.raw()
            try await raw.send(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"# + "\n")
            // 64 KiB more than allowed, still being sent while the server answers.
            let big = #"{"jsonrpc":"2.0","id":2,"method":"server.info","params":{"pad":""# + String(repeating: "x", count: 65536) + "\"}}\n"
            try await raw.send(big)
            let first = try JSONParser.parse(try #require(try await raw.readLine()))
            #expect(first["id"] == 1)
            let error = try JSONParser.parse(try #require(try await raw.readLine()))
            #expect(error["id"] == .null)
            #expect(error["error"]?["code"] == -32600)
            #expect(error["error"]?["data"]?["kind"] == "message_too_large")
            #expect(error["error"]?["data"]?["limit"] == 4096)
            #expect(try await raw.isClosed(within: .seconds(15)))
            #expect(raw.readError == nil, "the client must see a clean close, not a reset")
        }
    }

    @Test func oversizedContentLengthIsRefusedFromTheHeader() async throws {
        try await TestServer.with(configure: { $0.maximumMessageBytes = 4096 }) { server in
            let raw = try await server.raw()
            try await raw.send("Content-Length: 100000\r\n\r\n" + String(repeating: " ", count: 20000))
            let error = try JSONParser.parse(try #require(try await raw.readFramed()))
            #expect(error["error"]?["data"]?["kind"] == "message_too_large")
            #expect(try await raw.isClosed(within: .seconds(15)))
            #expect(raw.readError == nil)
        }
    }

    @Test func messageOfExactlyTheLimitIsAccepted() async throws {
        try await TestServer.with(configure: { $0.maximumMessageBytes = 4096 }) { server in
            let raw = try await server.raw()
            let head = #"{"jsonrpc":"2.0","id":1,"method":"server.info","params":{}}"#
            let message = head + String(repeating: " ", count: 4096 - head.utf8.count)
            try await raw.send(message + "\r\n")
            let reply = try JSONParser.parse(try #require(try await raw.readLine()))
            #expect(reply["result"] != nil)
            await raw.close()
        }
    }

    @Test func connectionsPastTheLimitGetOverloadedAndAreClosed() async throws {
        try await TestServer.with(configure: { $0.maximumConnections = 2 }) { server in
            let first = try await server.raw()
            let second = try await server.raw()
            // Make sure both are accepted before the third arrives.
            for connection in [first, second] {
                try await connection.send(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"# + "\n")
                #expect(try await connection.readLine() != nil)
            }
            let third = try await server.raw()
            let error = try JSONParser.parse(try #require(try await third.readLine()))
            #expect(error["error"]?["code"] == -32029)
            #expect(error["error"]?["data"]?["kind"] == "overloaded")
            #expect(try await third.isClosed(within: .seconds(15)))
            await first.close()
            // A slot frees up: a new connection is served again.
            var served = false
            for _ in 0..<50 where !served {
                let again = try await server.raw()
                try await again.send(#"{"jsonrpc":"2.0","id":9,"method":"server.info"}"# + "\n")
                if let line = try await again.readLine(), (try JSONParser.parse(line))["id"] == 9 { served = true }
                await again.close()
                if !served { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(served)
            await second.close()
        }
    }

    @Test func unauthenticatedConnectionsAreClosedAfterTheDeadline() async throws {
        // 5 s, not less: the authenticated client must finish authenticating inside the deadline
        // even on a loaded machine, or it is (rightly) closed too. With 2 s it was, once, in CI's
        // PostgreSQL run (the test took 34 s there): a flake of the machine, not of galleyd.
        try await TestServer.with(configure: { $0.authenticationDeadline = .seconds(5) }) { server in
            let authenticated = try await server.client()
            let idle = try await server.raw()
            let error = try JSONParser.parse(try #require(try await idle.readLine(timeout: .seconds(20))))
            #expect(error["error"]?["code"] == -32001)
            #expect(error["error"]?["data"]?["kind"] == "authentication_timeout")
            #expect(try await idle.isClosed(within: .seconds(15)))
            #expect(try await authenticated.call("server.ping") == .object([:]), "past the deadline, the authenticated connection is served")
            await authenticated.close()
        }
    }
}
