import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `--creator --source --license ...`: a media item's credit fields.
struct CreditOptions: ParsableArguments {
    @Option(help: "Who made it, e.g. \"A.Savin\".") var creator: String?
    @Option(help: "Where it comes from, e.g. \"Reuters\" or \"Wikimedia Commons\".") var source: String?
    @Option(help: "The license, e.g. \"CC BY-SA 4.0\".") var license: String?
    @Option(help: "The license's URL.") var licenseUrl: String?
    @Option(help: "The copyright notice.") var copyright: String?
    @Option(help: "A credit line to show instead of the derived \"creator / source\".") var creditLine: String?

    /// The credit members given, in wire order.
    private var members: [(String, String)] {
        let all: [(String, String?)] = [
            ("creator", self.creator), ("source", self.source), ("license", self.license), ("licenseUrl", self.licenseUrl),
            ("copyrightNotice", self.copyright), ("creditLine", self.creditLine),
        ]
        return all.compactMap { member, value in value.map { (member, $0) } }
    }

    /// `credit.<member>=value` assignments for the members given.
    var assignments: [String] { self.members.map { "credit.\($0.0)=\($0.1)" } }

    /// The credit object for a new item (nil when no member is given).
    var credit: JSONValue? {
        self.members.isEmpty ? nil : .object(JSONObject(self.members.map { ($0.0, JSONValue.string($0.1)) }))
    }
}
