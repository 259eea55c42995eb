import Foundation
import GalleyClient
import GalleyServer
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// `API/galley.openrpc.json` is the contract: the server serves exactly its methods, with the
/// access it declares, and `rpc.discover` returns it.
@Suite struct ContractTests {
    static let documentPath = SharedFolder.repositoryRoot.appendingPathComponent("API/galley.openrpc.json").path

    @Test func servedMethodsAreExactlyTheDocumentedOnes() throws {
        let document = try OpenRPCDocument(json: try JSONParser.parse(String(contentsOfFile: Self.documentPath, encoding: .utf8)))
        let served = ServedMethods.accessByName
        #expect(Set(served.keys) == Set(document.methods.keys))
        for (name, access) in served {
            #expect(document.methods[name]?.role == access.description, "x-galley-role of \(name)")
        }
    }

    @Test func documentIsOpenRPCWithErrorCodesAndByNameParams() throws {
        let raw = try JSONParser.parse(String(contentsOfFile: Self.documentPath, encoding: .utf8))
        #expect(raw["openrpc"]?.stringValue?.hasPrefix("1.3") == true)
        let methods = try #require(raw["methods"]?.arrayValue)
        for method in methods {
            #expect(method["paramStructure"] == "by-name")
            #expect(method["result"] != nil)
        }
        let codes = Set((raw["components"]?["errors"]?.objectValue?.values ?? []).compactMap { $0["code"]?.intValue })
        #expect(codes.isSuperset(of: [-32700, -32600, -32601, -32602, -32603, -32001, -32003, -32004, -32009, -32010, -32022, -32029]))
    }

    @Test func rpcDiscoverServesTheFileAsCommitted() async throws {
        let file = try JSONParser.parse(String(contentsOfFile: Self.documentPath, encoding: .utf8))
        try await TestServer.with { server in
            let client = try await server.anonymousClient()
            #expect(try await client.call("rpc.discover") == file)
            await client.close()
        }
    }
}
