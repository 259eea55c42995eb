/// Every method galleyd serves. A test checks this list against `API/galley.openrpc.json`.
enum MethodCatalog {
    static let all: [any GalleyMethod] = [
        RPCDiscoverMethod(),
        ServerInfoMethod(),
        ServerPingMethod(),
        ServerMetricsMethod(),
        AuthAuthenticateMethod(),
        AuthWhoamiMethod(),
        TokenCreateMethod(),
        TokenListMethod(),
        TokenRevokeMethod(),
        ChangesetCommitMethod(),
        ChangesetRevertMethod(),
        ChangesetGetMethod(),
        ChangesetListMethod(),
        ArticleCreateMethod(),
        ArticleUpdateMethod(),
        ArticleDeleteMethod(),
        ArticleGetMethod(),
        ArticleListMethod(),
        ArticleHistoryMethod(),
        MediaCreateMethod(),
        MediaUpdateMethod(),
        MediaDeleteMethod(),
        MediaGetMethod(),
        MediaListMethod(),
        MediaUsageMethod(),
        LinkListMethod(),
        SyncPullMethod(),
        SyncPushMethod(),
        SyncSubscribeMethod(),
        SyncUnsubscribeMethod(),
    ]
}

/// The names and access rules of the methods galleyd serves, for contract tests and tools.
public enum ServedMethods {
    public static var accessByName: [String: MethodAccess] {
        Dictionary(uniqueKeysWithValues: MethodCatalog.all.map { (type(of: $0).name, type(of: $0).access) })
    }
}
