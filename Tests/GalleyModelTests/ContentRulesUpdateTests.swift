import GalleyModel
import JSONRPC
import Testing

@Suite struct UpdateValidation {
    @Test func aPlainUpdateIsValid() {
        let set = object(#"{"headline": "New", "subheadline": null, "tags": ["a"], "status": "published", "slug": "new"}"#)
        #expect(ContentRules.validateUpdate(set: set, unset: ["section", "leadMediaId"], type: .article, pathPrefix: "ops[0]").isEmpty)
    }

    @Test func everyBadKeyIsNamedWithItsSetOrUnsetPath() {
        let set = object(#"{"headline": "", "version": 3, "colour": "red", "status": "live", "body": [{"type": "paragraph"}]}"#)
        let errors = ContentRules.validateUpdate(
            set: set, unset: ["readingMinutes", "nickname", "subheadline"], type: .article, pathPrefix: "ops[1]")
        #expect(
            lines(errors) == [
                "ops[1].set.headline must be at least 1 character",
                "ops[1].set.version is read-only",
                "ops[1].set.colour is not a known field",
                "ops[1].set.status must be one of: draft, published, archived",
                "ops[1].set.body[0].text is required",
                "ops[1].unset[0] is read-only",
                "ops[1].unset[1] is not a known field",
            ]
        )
    }

    @Test func requiredAndDefaultedFieldsCannotBeUnsetOrNulled() {
        let errors = ContentRules.validateUpdate(
            set: object(#"{"headline": null, "slug": null}"#),
            unset: ["headline", "status", "tags", "bylines", "body", "slug"],
            type: .article,
            pathPrefix: "ops[0]"
        )
        #expect(
            lines(errors) == [
                "ops[0].set.headline is required and cannot be unset",
                "ops[0].set.slug is required and cannot be unset",
                "ops[0].unset[0] is required and cannot be unset",
                "ops[0].unset[1] is required and cannot be unset",
                "ops[0].unset[2] is required and cannot be unset",
                "ops[0].unset[3] is required and cannot be unset",
                "ops[0].unset[4] is required and cannot be unset",
                "ops[0].unset[5] is required and cannot be unset",
            ]
        )
        #expect(
            lines(ContentRules.validateUpdate(set: [:], unset: ["uri", "kind", "caption"], type: .media, pathPrefix: "ops[0]"))
                == ["ops[0].unset[0] is required and cannot be unset", "ops[0].unset[1] is required and cannot be unset"]
        )
        #expect(
            lines(ContentRules.validateUpdate(set: ["kind": nil], unset: ["label", "position"], type: .link, pathPrefix: "ops[0]"))
                == ["ops[0].set.kind is required and cannot be unset"]
        )
    }

    @Test func linkEndsCannotBeChangedAfterCreate() {
        let set: JSONObject = ["fromId": .string(articleID), "position": 2, "label": "See also"]
        #expect(
            lines(ContentRules.validateUpdate(set: set, unset: ["toId"], type: .link, pathPrefix: "ops[3]"))
                == ["ops[3].set.fromId cannot be changed after create", "ops[3].unset[0] cannot be changed after create"]
        )
    }

    @Test func theSameFieldCannotBeBothSetAndUnset() {
        #expect(
            lines(ContentRules.validateUpdate(set: ["section": "world"], unset: ["section"], type: .article, pathPrefix: "ops[0]"))
                == ["ops[0].unset[0] cannot be both set and unset"]
        )
        #expect(
            lines(ContentRules.validateUpdate(set: ["credit.creator": "A"], unset: ["credit"], type: .media, pathPrefix: "ops[0]"))
                == ["ops[0].unset[0] cannot be both set and unset"]
        )
        #expect(
            lines(
                ContentRules.validateUpdate(set: ["credit": ["creator": "A"]], unset: ["credit.source"], type: .media, pathPrefix: "ops[0]")
            )
                == ["ops[0].unset[0] cannot be both set and unset"]
        )
    }

    @Test func repeatedUnsetEntriesAreNamed() {
        #expect(
            lines(ContentRules.validateUpdate(set: [:], unset: ["section", "label", "section"], type: .article, pathPrefix: "ops[0]"))
                == ["ops[0].unset[1] is not a known field", "ops[0].unset[2] is a duplicate of ops[0].unset[0]"]
        )
    }

    @Test func creditMembersAreWritableOneByOne() {
        let set = object(
            """
            {"credit.creator": "A.Savin", "credit.source": null,
             "credit.licenseUrl": "https://creativecommons.org/licenses/by-sa/4.0/", "caption": "C"}
            """
        )
        #expect(
            ContentRules.validateUpdate(set: set, unset: ["credit.creditLine", "credit.license"], type: .media, pathPrefix: "ops[0]")
                .isEmpty)
    }

    @Test func creditPathsAreCheckedLikeTheCreditObject() {
        let set: JSONObject = [
            "credit.creator": 5,
            "credit.photographer": "x",
            "credit.copyrightNotice": .string(String(repeating: "c", count: 501)),
            "credit.creator.first": "A",
        ]
        #expect(
            lines(ContentRules.validateUpdate(set: set, unset: ["credit.nickname"], type: .media, pathPrefix: "ops[0]")) == [
                "ops[0].set.credit.creator must be a string, not number",
                "ops[0].set.credit.photographer is not a known field",
                "ops[0].set.credit.copyrightNotice must be at most 500 characters",
                "ops[0].set.credit.creator.first is not a known field",
                "ops[0].unset[0] is not a known field",
            ]
        )
        #expect(
            lines(
                ContentRules.validateUpdate(set: ["credit": ["creator": "A", "email": "x"]], unset: [], type: .media, pathPrefix: "ops[0]"))
                == ["ops[0].set.credit.email is not a known field"]
        )
    }

    @Test func creditPathsExistOnlyOnMedia() {
        #expect(
            lines(
                ContentRules.validateUpdate(
                    set: ["credit.creator": "A", "credit": ["creator": "A"]], unset: [], type: .article, pathPrefix: "ops[0]"))
                == ["ops[0].set.credit.creator is not a known field", "ops[0].set.credit is not a known field"]
        )
    }

    @Test func wholeCreditAndAMemberCannotBeSetTogether() {
        #expect(
            lines(
                ContentRules.validateUpdate(
                    set: ["credit": ["creator": "A"], "credit.source": "S"], unset: [], type: .media, pathPrefix: "ops[0]"))
                == ["ops[0].set.credit.source cannot be set together with credit"]
        )
    }

    @Test func setValuesGetTheDocumentChecks() {
        let set = object(#"{"width": 0, "kind": "photo", "uri": "", "credit": "A"}"#)
        #expect(
            lines(ContentRules.validateUpdate(set: set, unset: [], type: .media, pathPrefix: "ops[0]")) == [
                "ops[0].set.width must be an integer between 1 and 100000",
                "ops[0].set.kind must be one of: image, video, audio, graphic",
                "ops[0].set.uri must be at least 1 character",
                "ops[0].set.credit must be an object, not string",
            ]
        )
        #expect(
            lines(
                ContentRules.validateUpdate(
                    set: ["leadMediaId": "x", "tags": ["a", "a"]], unset: [], type: .article, pathPrefix: "ops[0]"))
                == ["ops[0].set.leadMediaId must be a UUID", #"ops[0].set.tags must not repeat "a""#]
        )
    }
}

@Suite struct ApplyingUpdates {
    @Test func setReplacesAndUnsetRemoves() {
        let data = object(#"{"headline": "Old", "section": "world", "tags": []}"#)
        let updated = ContentRules.applyUpdate(data, set: ["headline": "New", "subheadline": "Sub"], unset: ["section"])
        #expect(updated == object(#"{"headline": "New", "tags": [], "subheadline": "Sub"}"#))
    }

    @Test func nullAsASetValueMeansUnset() {
        let data = object(#"{"headline": "H", "section": "world"}"#)
        #expect(ContentRules.applyUpdate(data, set: ["section": nil], unset: []) == ["headline": "H"])
    }

    @Test func aCreditPathSetsOneMemberCreatingCreditWhenAbsent() {
        let bare = object(#"{"uri": "a.jpg", "kind": "image"}"#)
        let created = ContentRules.applyUpdate(bare, set: ["credit.creator": "A.Savin"], unset: [])
        #expect(created == object(#"{"uri": "a.jpg", "kind": "image", "credit": {"creator": "A.Savin"}}"#))
        let extended = ContentRules.applyUpdate(created, set: ["credit.source": "Wikimedia Commons"], unset: [])
        #expect(extended["credit"] == ["creator": "A.Savin", "source": "Wikimedia Commons"])
        let replaced = ContentRules.applyUpdate(extended, set: ["credit.creator": "Someone Else"], unset: [])
        #expect(replaced["credit"] == ["creator": "Someone Else", "source": "Wikimedia Commons"])
    }

    @Test func unsettingTheLastCreditMemberLeavesAnEmptyObject() {
        let data = object(#"{"uri": "a.jpg", "credit": {"creator": "A.Savin", "source": "Wikimedia Commons"}}"#)
        let one = ContentRules.applyUpdate(data, set: [:], unset: ["credit.source"])
        #expect(one["credit"] == ["creator": "A.Savin"])
        let none = ContentRules.applyUpdate(one, set: ["credit.creator": nil], unset: [])
        #expect(none["credit"] == .object([:]))
        #expect(ContentRules.applyUpdate(data, set: [:], unset: ["credit"])["credit"] == nil)
        // Unsetting a member of an absent credit changes nothing.
        #expect(ContentRules.applyUpdate(["uri": "a.jpg"], set: [:], unset: ["credit.creator"]) == ["uri": "a.jpg"])
    }

    @Test func settingTheWholeCreditReplacesItWithoutNulls() {
        let data = object(#"{"uri": "a.jpg", "credit": {"creator": "A.Savin", "license": "CC BY-SA 4.0"}}"#)
        let updated = ContentRules.applyUpdate(data, set: ["credit": ["source": "Agency", "creator": nil]], unset: [])
        #expect(updated["credit"] == ["source": "Agency"])
    }

    @Test func theInputIsNotChanged() {
        let data = object(#"{"headline": "H"}"#)
        _ = ContentRules.applyUpdate(data, set: ["headline": "X"], unset: [])
        #expect(data == ["headline": "H"])
    }
}

@Suite struct ChangedAndTouchedFields {
    @Test func aCreateChangesEveryPresentField() {
        let article = object(#"{"headline": "H", "status": "draft", "tags": [], "readingMinutes": 1, "section": null}"#)
        #expect(ContentRules.changedFields(from: nil, to: article, type: .article) == ["headline", "status", "tags"])
        let media = object(#"{"uri": "a.jpg", "kind": "image", "credit": {"creator": "A.Savin", "source": "Wikimedia Commons"}}"#)
        #expect(ContentRules.changedFields(from: nil, to: media, type: .media) == ["credit.creator", "credit.source", "kind", "uri"])
    }

    @Test func onlyDifferingFieldsAreListedSorted() {
        let old = object(#"{"headline": "H", "status": "draft", "tags": ["a"], "section": "world", "readingMinutes": 1}"#)
        let new = object(#"{"headline": "H2", "status": "draft", "tags": ["a", "b"], "subheadline": "S", "readingMinutes": 2}"#)
        #expect(ContentRules.changedFields(from: old, to: new, type: .article) == ["headline", "section", "subheadline", "tags"])
        #expect(ContentRules.changedFields(from: old, to: old, type: .article) == [])
    }

    @Test func eachCreditMemberIsItsOwnField() {
        let old = object(#"{"uri": "a.jpg", "credit": {"creator": "A.Savin", "source": "Wikimedia Commons"}}"#)
        let new = object(#"{"uri": "a.jpg", "credit": {"creator": "A.Savin", "license": "CC BY-SA 4.0"}}"#)
        #expect(ContentRules.changedFields(from: old, to: new, type: .media) == ["credit.license", "credit.source"])
        #expect(ContentRules.changedFields(from: old, to: ["uri": "a.jpg"], type: .media) == ["credit.creator", "credit.source"])
        // An empty credit object and no credit read the same.
        #expect(ContentRules.changedFields(from: ["uri": "a.jpg"], to: ["uri": "a.jpg", "credit": [:]], type: .media) == [])
    }

    @Test func valuesAreComparedByMeaning() {
        let old = object(#"{"uri": "a.jpg", "width": 1000, "credit": {"creator": "A", "source": "S"}}"#)
        let new = object(#"{"credit": {"source": "S", "creator": "A"}, "width": 1000.0, "uri": "a.jpg", "caption": null}"#)
        #expect(ContentRules.changedFields(from: old, to: new, type: .media) == [])
        let body = object(#"{"headline": "H", "body": [{"type": "paragraph", "text": "a"}]}"#)
        let reordered = object(#"{"headline": "H", "body": [{"text": "a", "type": "paragraph"}]}"#)
        #expect(ContentRules.changedFields(from: body, to: reordered, type: .article) == [])
    }

    @Test func linkFieldsAreTracked() {
        let old = object(#"{"fromId": "\#(articleID)", "toId": "\#(otherArticleID)", "kind": "related", "position": 0}"#)
        var new = old
        new["position"] = 3
        new["label"] = "More"
        #expect(ContentRules.changedFields(from: old, to: new, type: .link) == ["label", "position"])
    }

    @Test func touchedFieldsAreSetKeysAndUnsetEntries() {
        #expect(
            ContentRules.touchedFields(set: ["headline": "H", "section": nil], unset: ["subheadline"], type: .article) == [
                "headline", "section", "subheadline",
            ])
        #expect(
            ContentRules.touchedFields(set: ["credit.creator": "A"], unset: ["credit.source"], type: .media) == [
                "credit.creator", "credit.source",
            ])
    }

    @Test func settingOrUnsettingTheWholeCreditTouchesEveryMember() {
        let every: Set<String> = [
            "credit.creator", "credit.source", "credit.license", "credit.licenseUrl", "credit.copyrightNotice", "credit.creditLine",
        ]
        #expect(ContentRules.touchedFields(set: ["credit": ["creator": "A"]], unset: [], type: .media) == every)
        #expect(ContentRules.touchedFields(set: ["caption": "C"], unset: ["credit"], type: .media) == every.union(["caption"]))
    }

    @Test func anUpdateTouchesWhatItChanges() {
        let old = object(#"{"uri": "a.jpg", "kind": "image", "credit": {"creator": "A.Savin"}}"#)
        let set: JSONObject = ["credit.source": "Wikimedia Commons", "caption": "Palace"]
        let new = ContentRules.applyUpdate(old, set: set, unset: [])
        let changed = Set(ContentRules.changedFields(from: old, to: new, type: .media))
        #expect(changed == ["credit.source", "caption"])
        #expect(changed.isSubset(of: ContentRules.touchedFields(set: set, unset: [], type: .media)))
    }
}
