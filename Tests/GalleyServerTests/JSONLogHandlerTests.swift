import GalleyServer
import JSONRPC
import Logging
import NIOConcurrencyHelpers
import Testing

/// `--log-format json`: every record is one parseable JSON line with its metadata.
struct JSONLogHandlerTests {
    @Test func eachRecordIsOneJSONLineWithLevelMessageAndMetadata() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var handler = JSONLogHandler(label: "galleyd") { line in lines.withLockedValue { $0.append(line) } }
        handler.logLevel = .info
        handler[metadataKey: "connection"] = "7"
        var logger = Logger(label: "galleyd", factory: { _ in handler })
        logger.logLevel = .info
        logger.debug("not written")
        logger.notice("audit: token revoked", metadata: ["name": "ci", "message": "collides", "ids": ["a", "b"]])
        let written = lines.withLockedValue { $0 }
        #expect(written.count == 1)
        #expect(written[0].hasSuffix("\n") && written[0].dropLast().contains("\n") == false)
        let record = try JSONParser.parse(written[0])
        #expect(record["level"] == "notice")
        #expect(record["label"] == "galleyd")
        #expect(record["message"] == "audit: token revoked")
        #expect(record["connection"] == "7")
        #expect(record["name"] == "ci")
        #expect(record["meta.message"] == "collides")
        #expect(record["ids"] == ["a", "b"])
        #expect(record["ts"]?.stringValue?.hasSuffix("Z") == true)
    }
}
