import Foundation

/// The read-only `../shared` folder beside the checkout (fixtures and corpora that are not ours to
/// commit). A user's fresh clone has none: tests that need it are skipped, saying why.
enum SharedFolder {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let url: URL = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")

    static func path(_ relative: String) -> String {
        url.appendingPathComponent(relative).path
    }

    static func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path(relative))
    }
}
