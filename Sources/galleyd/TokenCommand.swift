import ArgumentParser
import GalleyModel
import GalleyServer
import GalleyStore
import Logging

/// `galleyd token ...`: token management straight on the data directory (no running server needed).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage access tokens in the data directory.",
        subcommands: [TokenCreateCommand.self]
    )
}

/// `galleyd token create --name NAME --role ROLE`: prints a new token once.
struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token and print it (it is shown only this once).",
        discussion: "Example: galleyd token create --name desk-tool --role editor --data ./galley-data"
    )

    @Option(name: .long, help: "A unique name for the token, e.g. the tool or person using it.")
    var name: String

    @Option(name: .long, help: "reader, editor or admin.")
    var role: String

    @Option(name: .long, help: "A lifetime after which the token stops working: 90m, 12h, 30d. Default: until revoked.")
    var expires: String?

    @OptionGroup var storage: StorageOptions

    func validate() throws {
        if let expires, TokenMinter.expiry(lifetime: expires) == nil {
            throw ValidationError("--expires must be a number and a unit: 90m, 12h or 30d")
        }
        guard Role(rawValue: self.role) != nil else { throw ValidationError("--role must be reader, editor or admin") }
        let allowed = self.name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed, (1...64).contains(self.name.count), self.name.first?.isLetter == true || self.name.first?.isNumber == true
        else {
            throw ValidationError("--name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
    }

    func run() async throws {
        var logger = Logger(label: "galleyd")
        logger.logLevel = .warning
        let store = try await self.storage.openStore(logger: logger)
        let token = TokenMinter.newToken()
        do {
            try await store.createToken(name: self.name, role: Role(rawValue: self.role)!, hash: TokenMinter.hash(token), createdBy: "galleyd token create", expiresAt: self.expires.flatMap { TokenMinter.expiry(lifetime: $0) })
        } catch let error as StoreError {
            try? await store.close()
            throw ValidationError("\(error)")
        }
        try await store.close()
        print(token)
    }
}
