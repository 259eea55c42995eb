import ArgumentParser
import Foundation
import GalleyClient
import JSONRPC
import JSONRPCTransport

/// `galley call METHOD [PARAMS]`: raw access to any API method.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call any API method and print its result as JSON.",
        discussion: """
            PARAMS is a JSON object of named params. With METHOD "-", a whole JSON-RPC message (a request or a batch) is read from standard input and sent as is; the reply is printed as it came.

            Examples:
              galley call server.info
              galley call token.create '{"name":"desk","role":"editor"}' --token-file galley-data/admin.token
              echo '[{"jsonrpc":"2.0","id":1,"method":"server.info"}]' | galley call -
            """
    )

    @Argument(help: "The method, e.g. server.info; - reads a raw JSON-RPC message from stdin.")
    var method: String

    @Argument(help: "Named params as a JSON object, e.g. '{\"name\":\"desk\"}'.")
    var params: String?

    @OptionGroup var connection: ConnectionOptions

    @Flag(name: .long, help: "Print compact JSON on one line instead of indented JSON.")
    var compact = false

    func validate() throws {
        if self.method == "-", self.params != nil {
            throw ValidationError("with '-' the message comes from stdin; give no PARAMS")
        }
    }

    func run() async throws {
        let params: JSONValue?
        if let text = self.params {
            do {
                params = try JSONParser.parse(text)
            } catch {
                throw ValidationError("PARAMS is not JSON: \(error)")
            }
            guard case .object = params else { throw ValidationError("PARAMS must be a JSON object of named params") }
        } else {
            params = nil
        }
        let client: GalleyClient
        do {
            client = try await GalleyClient.connect(
                to: self.connection.serverAddress,
                token: try self.connection.resolvedToken(),
                tls: try self.connection.tls.resolved()
            )
        } catch let error as JSONRPCError {
            Output.printError(error)
            throw ExitCode(1)
        } catch let error as TLSSetupError {
            FileHandle.standardError.write(Data("galley: \(error)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("galley: \(error)\nIs galleyd running? Start it with `galleyd` or pass --server HOST:PORT.\n".utf8))
            throw ExitCode(3)
        }
        defer { Task { await client.close() } }
        if self.method == "-" {
            try await self.sendRaw(client)
            return
        }
        do {
            let result = try await client.connection.call(self.method, params: params)
            Output.print(result, compact: self.compact)
        } catch let error as JSONRPCError {
            Output.printError(error)
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("galley: \(error)\n".utf8))
            throw ExitCode(3)
        }
    }

    private func sendRaw(_ client: GalleyClient) async throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let message: JSONValue
        do {
            message = try JSONParser.parse(Array(input))
        } catch {
            throw ValidationError("standard input is not one JSON message: \(error)")
        }
        // A notification, or a batch of only notifications, gets no reply: do not wait for one.
        let expectsReply: Bool =
            switch message {
            case .array(let items): items.isEmpty || items.contains { $0.objectValue?["id"] != nil || $0.objectValue == nil }
            case .object(let object): object["id"] != nil
            default: true
            }
        let reply = try await client.connection.sendRaw(JSONWriter.bytes(message), expectReply: expectsReply)
        if let reply { Output.print(reply, compact: self.compact) }
        if let reply, case .object(let object) = reply, object["error"] != nil { throw ExitCode(1) }
    }
}
