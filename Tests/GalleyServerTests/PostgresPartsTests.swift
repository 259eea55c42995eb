import GalleyStore
import Testing

@testable import GalleyPostgres

/// The parts of the PostgreSQL store that need no server: the address galleyd takes, the
/// migration splitter, and the full-text query builder.
@Suite struct PostgresPartsTests {
    @Test func anAddressGivesItsPartsAndHidesThePassword() throws {
        let url = try PostgresURL("postgres://desk%40galley:p%2Fss@db.internal:6543/news?sslmode=require")
        #expect(url.user == "desk@galley")
        #expect(url.password == "p/ss")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.database == "news")
        #expect(url.sslMode == "require")
        #expect(!url.description.contains("p/ss"))
        let defaults = try PostgresURL("postgresql://galley@127.0.0.1")
        #expect(defaults.port == 5432)
        #expect(defaults.database == "galley")
        #expect(defaults.sslMode == "prefer")
    }

    @Test(arguments: ["./galley-data", "postgres://", "postgres://u:secret@h/db?sslmode=maybe", "mysql://u@h/db"])
    func aBadAddressIsRefusedWithoutShowingThePassword(_ text: String) {
        #expect {
            try PostgresURL(text)
        } throws: { error in
            guard case StoreError.unusable(let reason) = error else { return false }
            return !reason.contains("secret")
        }
    }

    @Test func migrationsSplitAtSemicolonsOutsideQuotesAndComments() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE t (a TEXT DEFAULT 'x;y'); -- trailing; comment
            INSERT INTO t (a) VALUES ('it''s');
            SELECT 1
            """
        #expect(PostgresMigrator.statements(sql) == ["CREATE TABLE t (a TEXT DEFAULT 'x;y')", "INSERT INTO t (a) VALUES ('it''s')", "SELECT 1"])
    }

    @Test func theShippedMigrationsSplitIntoTheirStatements() {
        let statements = PostgresMigrator.known.flatMap { PostgresMigrator.statements($0.sql) }
        #expect(statements.filter { $0.hasPrefix("CREATE TABLE") }.count == 10)
        #expect(statements.allSatisfy { !$0.contains("--") && !$0.hasSuffix(";") })
    }

    @Test func searchNeedsEveryWordTheLastAsAPrefixAndFoldsCaseAndAccents() {
        #expect(FullTextSearch.query("Erdoğan  talks İstanb") == "erdogan & talks & istanb:*")
        #expect(FullTextSearch.query("it's (x) & y:*|!") == "it & s & x & y:*")
        #expect(FullTextSearch.query(" \t&|! ") == nil)
        #expect(FullTextSearch.document("Café—CRÈME") == "cafe creme")
    }
}
