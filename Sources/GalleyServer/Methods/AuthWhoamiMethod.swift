import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `auth.whoami`: the principal and role of this connection.
struct AuthWhoamiMethod: TypedGalleyMethod {
    static let name = "auth.whoami"
    static let access = MethodAccess.role(.reader)

    func call(_ params: NoParams, context: MethodContext) async throws -> WhoamiResult {
        WhoamiResult(try context.principal)
    }
}
