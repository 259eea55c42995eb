import ArgumentParser
import Foundation
import GalleyClient
import GalleySync
import JSONRPC
import JSONRPCTransport

/// Runs a command body and turns failures into the CLI's messages and exit codes: 1 an error
/// from the server or the replica, 2 unusable TLS files, 3 cannot connect (or the server's
/// certificate changed), 130 interrupted.
enum CommandErrors {
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch let error as ReplicaError {
            if case .certificateChanged = error {
                Self.say("galley: \(error)")
                throw ExitCode(3)
            }
            if case .refused(let rpcError) = error {
                Output.printError(rpcError)
            } else {
                Self.say("galley: \(error)")
            }
            throw ExitCode(1)
        } catch let error as JSONRPCError {
            Output.printError(error)
            throw ExitCode(1)
        } catch let error as ClientError {
            Self.say("galley: \(error)\nThe replica is intact; run the command again when the server is reachable.")
            throw ExitCode(3)
        } catch let error as TLSSetupError {
            Self.say("galley: \(error)")
            throw ExitCode(2)
        } catch is CancellationError {
            Self.say("galley: interrupted; the replica is intact and the next run continues")
            throw ExitCode(130)
        }
    }

    static func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Field values on the command line: JSON when the text parses as JSON (`12`, `true`,
/// `["a","b"]`, `"12"`), plain text otherwise (`New headline`).
enum FieldAssignment {
    static func parse(_ text: String) throws -> (field: String, value: JSONValue) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ValidationError("expected field=value, got \(text)")
        }
        let field = String(text[..<equals])
        let raw = String(text[text.index(after: equals)...])
        return (field, Self.value(raw))
    }

    static func value(_ raw: String) -> JSONValue {
        if let parsed = try? JSONParser.parse(raw) { return parsed }
        return .string(raw)
    }
}
