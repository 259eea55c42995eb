import Foundation
import GalleyTestSupport
import Testing

/// The README's security table names a test for every claim: each named test must exist.
struct SecurityReadmeTests {
    @Test func everyTestTheSecurityTableNamesExists() throws {
        let root = BuiltProducts.repositoryRoot
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## Security and deployment"))
        let rows = readme[section.upperBound...].split(separator: "\n")
            .drop { !$0.hasPrefix("| threat") }
            .dropFirst(2)  // the header and the separator
            .prefix { $0.hasPrefix("|") }
        var names: [String] = []
        for row in rows {
            let cells = row.split(separator: "|", omittingEmptySubsequences: false)
            let backticked = cells[cells.count - 2].split(separator: "`", omittingEmptySubsequences: false)
            names += stride(from: 1, to: backticked.count, by: 2).map { String(backticked[$0]) }
        }
        #expect(rows.count >= 8 && names.count >= 10)
        let sources = try Self.swiftSources(under: root.appendingPathComponent("Tests"))
        for name in names {
            #expect(sources.contains("func \(name)(") || sources.contains("struct \(name) "), "README names \(name), which no test defines")
        }
    }

    private static func swiftSources(under directory: URL) throws -> String {
        var text = ""
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            text += try String(contentsOf: file, encoding: .utf8)
        }
        return text
    }
}
