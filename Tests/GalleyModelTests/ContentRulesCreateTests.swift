import GalleyModel
import JSONRPC
import Testing

@Suite struct FieldTables {
    @Test func readOnlyFieldsAreTheServerSetAndDerivedOnes() {
        #expect(
            ContentRules.readOnlyFields
                == ["id", "version", "seq", "createdAt", "updatedAt", "createdBy", "updatedBy", "readingMinutes", "deleted"]
        )
    }

    @Test func writableFieldsFollowTheContentModel() {
        #expect(
            ContentRules.writableFields(.article)
                == ["slug", "headline", "subheadline", "section", "tags", "bylines", "body", "status", "publishedAt", "leadMediaId"]
        )
        #expect(ContentRules.writableFields(.media) == ["kind", "uri", "caption", "altText", "width", "height", "credit"])
        #expect(ContentRules.writableFields(.link) == ["fromId", "toId", "kind", "position", "label"])
        for type in EntityType.allCases {
            #expect(ContentRules.writableFields(type).isDisjoint(with: ContentRules.readOnlyFields))
        }
    }

    @Test func onlyLinkEndsAreImmutable() {
        #expect(ContentRules.immutableFields(.link) == ["fromId", "toId"])
        #expect(ContentRules.immutableFields(.article).isEmpty)
        #expect(ContentRules.immutableFields(.media).isEmpty)
    }

    @Test func uuidSyntaxIsEightFourFourFourTwelveHexInEitherCase() {
        #expect(ContentRules.isUUID("43114924-aa23-5a1f-8add-0ee1b8fae419"))
        #expect(ContentRules.isUUID("43114924-AA23-5A1F-8ADD-0EE1B8FAE419"))
        #expect(ContentRules.isUUID("0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93"))
        #expect(!ContentRules.isUUID(""))
        #expect(!ContentRules.isUUID("43114924aa235a1f8add0ee1b8fae419"))
        #expect(!ContentRules.isUUID("43114924-aa23-5a1f-8add-0ee1b8fae41"))
        #expect(!ContentRules.isUUID("43114924-aa23-5a1f-8add-0ee1b8fae4199"))
        #expect(!ContentRules.isUUID("g3114924-aa23-5a1f-8add-0ee1b8fae419"))
        #expect(!ContentRules.isUUID("43114924-aa23-5a1f-8add_0ee1b8fae419"))
        #expect(!ContentRules.isUUID("{43114924-aa23-5a1f-8add-0ee1b8fae41}"))
    }

    @Test func valueAtAPathReadsTopLevelFieldsAndCreditMembers() {
        let data = object(#"{"headline": "H", "credit": {"creator": "A.Savin"}, "caption": null}"#)
        #expect(ContentRules.value(at: "headline", in: data) == "H")
        #expect(ContentRules.value(at: "credit.creator", in: data) == "A.Savin")
        #expect(ContentRules.value(at: "credit.source", in: data) == nil)
        #expect(ContentRules.value(at: "caption", in: data) == .null)
        #expect(ContentRules.value(at: "missing", in: data) == nil)
        #expect(ContentRules.value(at: "headline.x", in: data) == nil)
    }
}

@Suite struct CreateValidation {
    @Test func aMinimalArticleIsValid() {
        #expect(
            ContentRules.validateCreate(object(#"{"headline": "Talks in Istanbul"}"#), type: .article, pathPrefix: "ops[0].data").isEmpty)
    }

    @Test func aFullArticleIsValid() {
        let data = object(
            """
            {"slug": "talks-in-istanbul", "headline": "Talks in Istanbul", "subheadline": "", "section": "world",
             "tags": ["Istanbul talks", "drone warfare"],
             "bylines": [{"name": "A Reporter", "role": "Istanbul correspondent"}, {"name": "B"}],
             "body": [
               {"type": "paragraph", "text": "One."},
               {"type": "heading", "text": "Two", "level": 2},
               {"type": "heading", "text": "Three"},
               {"type": "quote", "text": "Four.", "attribution": "Someone"},
               {"type": "list", "items": ["a", "b"], "ordered": true},
               {"type": "media", "mediaId": "\(mediaID)", "caption": "A photo"}
             ],
             "status": "published", "publishedAt": "2025-06-01T20:00:00.123+02:00", "leadMediaId": "\(mediaID.uppercased())"}
            """
        )
        #expect(lines(ContentRules.validateCreate(data, type: .article, pathPrefix: "ops[0].data")) == [])
    }

    @Test func everyBadFieldIsNamedAtOnce() {
        let data = object(
            """
            {"headline": "", "subheadline": 5, "status": "live", "readingMinutes": 3, "version": 2, "colour": "red",
             "tags": ["a", "a", ""], "leadMediaId": "not-a-uuid", "publishedAt": "yesterday", "slug": "Bad Slug"}
            """
        )
        let errors = ContentRules.validateCreate(data, type: .article, pathPrefix: "ops[2].data")
        #expect(
            lines(errors) == [
                "ops[2].data.headline must be at least 1 character",
                "ops[2].data.subheadline must be a string, not number",
                "ops[2].data.status must be one of: draft, published, archived",
                "ops[2].data.readingMinutes is read-only",
                "ops[2].data.version is read-only",
                "ops[2].data.colour is not a known field",
                "ops[2].data.tags must not repeat \"a\"",
                "ops[2].data.tags[2] must be at least 1 character",
                "ops[2].data.leadMediaId must be a UUID",
                "ops[2].data.publishedAt must be an RFC 3339 date-time",
                "ops[2].data.slug must match ^[a-z0-9]+(-[a-z0-9]+)*$",
            ]
        )
    }

    @Test func missingRequiredFieldsAreReportedPerType() {
        #expect(lines(ContentRules.validateCreate([:], type: .article, pathPrefix: "ops[0].data")) == ["ops[0].data.headline is required"])
        #expect(lines(ContentRules.validateCreate([:], type: .media, pathPrefix: "ops[1].data")) == ["ops[1].data.uri is required"])
        #expect(
            lines(ContentRules.validateCreate([:], type: .link, pathPrefix: "ops[2].data"))
                == ["ops[2].data.fromId is required", "ops[2].data.toId is required"]
        )
    }

    @Test func everyReadOnlyFieldIsRejectedOnCreate() {
        for type in EntityType.allCases {
            var data = JSONObject()
            for field in ContentRules.readOnlyFields.sorted() { data[field] = "x" }
            let errors = ContentRules.validateCreate(data, type: type, pathPrefix: "d")
            let readOnly = errors.filter { $0.message == "is read-only" }.map(\.path)
            #expect(readOnly == ContentRules.readOnlyFields.sorted().map { "d.\($0)" })
        }
    }

    @Test func aFieldOfAnotherTypeIsNotKnown() {
        let errors = ContentRules.validateCreate(object(#"{"uri": "x.jpg", "headline": "H"}"#), type: .media, pathPrefix: "ops[0].data")
        #expect(lines(errors) == ["ops[0].data.headline is not a known field"])
    }

    @Test func oddFieldNamesArePathedInBrackets() {
        let errors = ContentRules.validateCreate(object(#"{"headline": "H", "bad name": 1}"#), type: .article, pathPrefix: "ops[0].data")
        #expect(lines(errors) == [#"ops[0].data["bad name"] is not a known field"#])
    }

    @Test func lengthsCountCharactersNotBytes() {
        let exactly300 = String(repeating: "é", count: 300)
        let over300 = String(repeating: "ü", count: 301)
        #expect(ContentRules.validateCreate(["headline": .string(exactly300)], type: .article, pathPrefix: "").isEmpty)
        #expect(
            lines(ContentRules.validateCreate(["headline": .string(over300)], type: .article, pathPrefix: "")) == [
                "headline must be at most 300 characters"
            ])
        // A flag is one Character made of two scalars.
        let flags = String(repeating: "🇺🇦", count: 300)
        #expect(ContentRules.validateCreate(["headline": .string(flags)], type: .article, pathPrefix: "").isEmpty)
    }

    @Test func articleLimitsAreEnforced() {
        let data: JSONObject = [
            "headline": "H",
            "slug": .string(String(repeating: "a", count: 121)),
            "subheadline": .string(String(repeating: "s", count: 501)),
            "section": "",
            "tags": .array((0..<51).map { .string("t\($0)") }),
            "bylines": .array((0..<21).map { .object(["name": .string("n\($0)")]) }),
            "body": .array(Array(repeating: ["type": "paragraph", "text": "x"], count: 2001)),
        ]
        #expect(
            lines(ContentRules.validateCreate(data, type: .article, pathPrefix: "")) == [
                "slug must be at most 120 characters",
                "subheadline must be at most 500 characters",
                "section must be at least 1 character",
                "tags must have at most 50 items",
                "bylines must have at most 20 items",
                "body must have at most 2000 items",
            ]
        )
        let longTag: JSONObject = [
            "headline": "H", "tags": [.string(String(repeating: "t", count: 65))], "section": .string(String(repeating: "s", count: 65)),
        ]
        #expect(
            lines(ContentRules.validateCreate(longTag, type: .article, pathPrefix: ""))
                == ["tags[0] must be at most 64 characters", "section must be at most 64 characters"]
        )
    }

    @Test func optionalStringFieldsAcceptNullButRequiredOnesDoNot() {
        let article = object(
            #"{"headline": "H", "subheadline": null, "section": null, "publishedAt": null, "leadMediaId": null, "slug": null}"#)
        #expect(ContentRules.validateCreate(article, type: .article, pathPrefix: "").isEmpty)
        let media = object(
            """
            {"uri": "a.jpg", "caption": null, "altText": null, "width": null, "height": null,
             "credit": {"creator": null, "source": null, "license": null, "licenseUrl": null, "copyrightNotice": null, "creditLine": null}}
            """
        )
        #expect(ContentRules.validateCreate(media, type: .media, pathPrefix: "").isEmpty)
        let link = object(#"{"fromId": "\#(articleID)", "toId": "\#(otherArticleID)", "label": null, "position": null}"#)
        #expect(ContentRules.validateCreate(link, type: .link, pathPrefix: "").isEmpty)

        #expect(
            lines(ContentRules.validateCreate(object(#"{"headline": null}"#), type: .article, pathPrefix: "")) == [
                "headline must be a string, not null"
            ])
        #expect(
            lines(ContentRules.validateCreate(object(#"{"headline": "H", "status": null, "tags": null}"#), type: .article, pathPrefix: ""))
                == ["status must be a string, not null", "tags must be an array, not null"]
        )
        #expect(
            lines(ContentRules.validateCreate(object(#"{"uri": null}"#), type: .media, pathPrefix: "")) == [
                "uri must be a string, not null"
            ])
        #expect(
            lines(ContentRules.validateCreate(object(#"{"fromId": null, "toId": "\#(otherArticleID)"}"#), type: .link, pathPrefix: ""))
                == ["fromId must be a string, not null"]
        )
    }

    @Test func bylinesNeedANameAndKnowOnlyNameAndRole() {
        let data = object(
            """
            {"headline": "H", "bylines": [{"role": "editor"}, "Jane", {"name": "", "role": null, "email": "j@x"},
             {"name": "N", "role": "\(String(repeating: "r", count: 101))"}]}
            """
        )
        #expect(
            lines(ContentRules.validateCreate(data, type: .article, pathPrefix: "ops[0].data")) == [
                "ops[0].data.bylines[0].name is required",
                "ops[0].data.bylines[1] must be an object, not string",
                "ops[0].data.bylines[2].name must be at least 1 character",
                "ops[0].data.bylines[2].email is not a known field",
                "ops[0].data.bylines[3].role must be at most 100 characters",
            ]
        )
        let longName: JSONObject = ["headline": "H", "bylines": [["name": .string(String(repeating: "n", count: 201))]]]
        #expect(
            lines(ContentRules.validateCreate(longName, type: .article, pathPrefix: "")) == [
                "bylines[0].name must be at most 200 characters"
            ])
    }

    @Test func tagsMustBeUniqueStrings() {
        let data = object(#"{"headline": "H", "tags": ["war", 7, "peace", "war", "war", "peace"]}"#)
        #expect(
            lines(ContentRules.validateCreate(data, type: .article, pathPrefix: "")) == [
                "tags[1] must be a string, not number",
                #"tags must not repeat "war""#,
                #"tags must not repeat "peace""#,
            ]
        )
        #expect(
            lines(ContentRules.validateCreate(object(#"{"headline": "H", "tags": "war"}"#), type: .article, pathPrefix: "")) == [
                "tags must be an array, not string"
            ])
    }

    @Test func bodyBlocksAreCheckedByTheirType() {
        let data = object(
            """
            {"headline": "H", "body": [
              {"type": "paragraph"},
              {"type": "heading", "text": "T", "level": 5},
              {"type": "heading", "text": "T", "level": 2.5},
              {"type": "heading", "text": "T", "level": "2"},
              {"type": "quote", "text": "Q", "foo": 1},
              {"type": "list", "items": ["a", 2], "ordered": "yes"},
              {"type": "list", "items": "a"},
              {"type": "media", "mediaId": "photo-1", "caption": 3},
              {"type": "video", "src": "x"},
              {"text": "no type"},
              {"type": 4},
              "just text",
              {"type": "media"},
              {"type": "heading", "text": "T", "level": null},
              {"type": "quote", "text": "Q", "attribution": null},
              {"type": "list", "items": [], "ordered": null},
              {"type": "media", "mediaId": "\(mediaID)", "caption": null}
            ]}
            """
        )
        #expect(
            lines(ContentRules.validateCreate(data, type: .article, pathPrefix: "ops[0].data")) == [
                "ops[0].data.body[0].text is required",
                "ops[0].data.body[1].level must be an integer between 2 and 4",
                "ops[0].data.body[2].level must be an integer between 2 and 4",
                "ops[0].data.body[3].level must be an integer, not string",
                "ops[0].data.body[4].foo is not a known field",
                "ops[0].data.body[5].items[1] must be a string, not number",
                "ops[0].data.body[5].ordered must be a boolean, not string",
                "ops[0].data.body[6].items must be an array, not string",
                "ops[0].data.body[7].mediaId must be a UUID",
                "ops[0].data.body[7].caption must be a string, not number",
                "ops[0].data.body[8].type must be one of: paragraph, heading, quote, list, media",
                "ops[0].data.body[9].type is required",
                "ops[0].data.body[10].type must be one of: paragraph, heading, quote, list, media",
                "ops[0].data.body[11] must be an object, not string",
                "ops[0].data.body[12].mediaId is required",
            ]
        )
    }

    @Test func blockTextIsLimitedToOneHundredThousandCharacters() {
        let long = String(repeating: "w", count: 100_001)
        let data: JSONObject = [
            "headline": "H",
            "body": [["type": "paragraph", "text": .string(long)], ["type": "paragraph", "text": .string(String(long.dropLast()))]],
        ]
        #expect(
            lines(ContentRules.validateCreate(data, type: .article, pathPrefix: "")) == ["body[0].text must be at most 100000 characters"])
    }

    @Test func publishedAtMustBeAnRFC3339DateTime() {
        for good in ["2025-06-01T20:00:00Z", "2025-06-01T20:00:00.5Z", "2024-02-29T23:59:60+05:30", "2025-06-01t20:00:00z"] {
            #expect(
                ContentRules.validateCreate(["headline": "H", "publishedAt": .string(good)], type: .article, pathPrefix: "").isEmpty,
                "\(good)")
        }
        for bad in [
            "2025-06-01", "2025-06-01 20:00:00Z", "2025-02-29T20:00:00Z", "2025-06-01T24:00:00Z", "2025-06-01T20:00:00",
            "2025-06-01T20:00:00.Z",
        ] {
            #expect(
                lines(ContentRules.validateCreate(["headline": "H", "publishedAt": .string(bad)], type: .article, pathPrefix: ""))
                    == ["publishedAt must be an RFC 3339 date-time"],
                "\(bad)"
            )
        }
    }

    @Test func slugsMustMatchThePattern() {
        for good in ["a", "kyivs-drone-attacks", "2025-talks", String(repeating: "a", count: 120)] {
            #expect(
                ContentRules.validateCreate(["headline": "H", "slug": .string(good)], type: .article, pathPrefix: "").isEmpty, "\(good)")
        }
        for bad in ["-a", "a-", "a--b", "A", "a_b", "a b", "é"] {
            #expect(
                lines(ContentRules.validateCreate(["headline": "H", "slug": .string(bad)], type: .article, pathPrefix: ""))
                    == ["slug must match ^[a-z0-9]+(-[a-z0-9]+)*$"],
                "\(bad)"
            )
        }
        #expect(
            lines(ContentRules.validateCreate(["headline": "H", "slug": ""], type: .article, pathPrefix: "")) == [
                "slug must be at least 1 character"
            ])
    }

    @Test func mediaFieldsAreChecked() {
        let data = object(
            """
            {"kind": "photo", "uri": "", "caption": "\(String(repeating: "c", count: 2001))",
             "altText": "\(String(repeating: "a", count: 1001))", "width": 0, "height": 100001,
             "credit": {"creator": 1, "photographer": "x", "licenseUrl": "\(String(repeating: "u", count: 2049))",
             "source": "\(String(repeating: "s", count: 501))"}}
            """
        )
        #expect(
            lines(ContentRules.validateCreate(data, type: .media, pathPrefix: "ops[0].data")) == [
                "ops[0].data.kind must be one of: image, video, audio, graphic",
                "ops[0].data.uri must be at least 1 character",
                "ops[0].data.caption must be at most 2000 characters",
                "ops[0].data.altText must be at most 1000 characters",
                "ops[0].data.width must be an integer between 1 and 100000",
                "ops[0].data.height must be an integer between 1 and 100000",
                "ops[0].data.credit.creator must be a string, not number",
                "ops[0].data.credit.photographer is not a known field",
                "ops[0].data.credit.licenseUrl must be at most 2048 characters",
                "ops[0].data.credit.source must be at most 500 characters",
            ]
        )
        let wrongShapes = object(#"{"uri": "a.jpg", "width": "wide", "height": 1.5, "credit": "A.Savin"}"#)
        #expect(
            lines(ContentRules.validateCreate(wrongShapes, type: .media, pathPrefix: "")) == [
                "width must be an integer, not string",
                "height must be an integer between 1 and 100000",
                "credit must be an object, not string",
            ]
        )
        let longURI: JSONObject = ["uri": .string(String(repeating: "u", count: 2049))]
        #expect(lines(ContentRules.validateCreate(longURI, type: .media, pathPrefix: "")) == ["uri must be at most 2048 characters"])
        let wholeNumbers = object(#"{"uri": "a.jpg", "kind": "graphic", "width": 1.0, "height": 1e3}"#)
        #expect(ContentRules.validateCreate(wholeNumbers, type: .media, pathPrefix: "").isEmpty)
    }

    @Test func linkFieldsAreChecked() {
        let data = object(
            #"{"fromId": "a", "toId": 5, "kind": "see-also", "position": -1, "label": "\#(String(repeating: "l", count: 201))"}"#)
        #expect(
            lines(ContentRules.validateCreate(data, type: .link, pathPrefix: "ops[4].data")) == [
                "ops[4].data.fromId must be a UUID",
                "ops[4].data.toId must be a string, not number",
                "ops[4].data.kind must be one of: related, follow-up, background, correction",
                "ops[4].data.position must be an integer of at least 0",
                "ops[4].data.label must be at most 200 characters",
            ]
        )
        for kind in ["related", "follow-up", "background", "correction"] {
            let link: JSONObject = ["fromId": .string(articleID), "toId": .string(otherArticleID), "kind": .string(kind), "position": 0]
            #expect(ContentRules.validateCreate(link, type: .link, pathPrefix: "").isEmpty)
        }
    }

    @Test func validateDocumentChecksWritableFieldsAndIgnoresStoredDerivations() {
        let stored = object(
            #"{"slug": "h", "headline": "H", "status": "draft", "tags": [], "bylines": [], "body": [], "readingMinutes": 1}"#)
        #expect(ContentRules.validateDocument(stored, type: .article, pathPrefix: "ops[0].result").isEmpty)
        let broken = object(#"{"slug": "h", "status": "gone", "readingMinutes": 1}"#)
        #expect(
            lines(ContentRules.validateDocument(broken, type: .article, pathPrefix: "ops[0].result"))
                == ["ops[0].result.status must be one of: draft, published, archived", "ops[0].result.headline is required"]
        )
    }

    /// After an update, only fields whose value differs from the stored document are checked
    /// again (the stored values passed when written), and required fields always are.
    @Test func validateDocumentAfterAnUpdateChecksWhatChanged() {
        let stored = object(#"{"slug": "h", "headline": "H", "status": "gone", "tags": [], "bylines": [], "body": []}"#)
        var edited = stored
        edited["subheadline"] = 5
        #expect(
            lines(ContentRules.validateDocument(edited, type: .article, pathPrefix: "ops[0].result", unchangedFrom: stored))
                == ["ops[0].result.subheadline must be a string, not number"]
        )
        edited["headline"] = nil
        edited["status"] = "lost"
        #expect(
            lines(ContentRules.validateDocument(edited, type: .article, pathPrefix: "ops[0].result", unchangedFrom: stored))
                == ["ops[0].result.status must be one of: draft, published, archived", "ops[0].result.subheadline must be a string, not number",
                    "ops[0].result.headline is required"]
        )
    }

    @Test func validateDocumentDoesNotCheckThatReferencesExist() {
        let data = object(#"{"headline": "H", "leadMediaId": "00000000-0000-0000-0000-000000000000"}"#)
        #expect(ContentRules.validateDocument(data, type: .article, pathPrefix: "").isEmpty)
    }

    @Test func anEmptyPrefixGivesBarePaths() {
        #expect(
            lines(ContentRules.validateCreate(["headline": 1], type: .article, pathPrefix: "")) == ["headline must be a string, not number"]
        )
    }
}

@Suite struct Defaults {
    @Test func articleDefaultsFillOnlyWhatIsAbsent() {
        let data = ContentRules.applyingDefaults(object(#"{"headline": "H", "tags": ["x"]}"#), type: .article)
        #expect(data == object(#"{"headline": "H", "tags": ["x"], "status": "draft", "bylines": [], "body": []}"#))
        #expect(data["slug"] == nil)
        #expect(data["publishedAt"] == nil)
        #expect(data["readingMinutes"] == nil)
    }

    @Test func mediaAndLinkKindsDefault() {
        #expect(ContentRules.applyingDefaults(["uri": "a.jpg"], type: .media) == ["uri": "a.jpg", "kind": "image"])
        #expect(ContentRules.applyingDefaults(["uri": "a.jpg", "kind": "video"], type: .media) == ["uri": "a.jpg", "kind": "video"])
        let link = ContentRules.applyingDefaults(["fromId": .string(articleID), "toId": .string(otherArticleID)], type: .link)
        #expect(link["kind"] == "related")
        #expect(link["position"] == nil)
    }

    @Test func nullOptionalFieldsAreDroppedAsAbsent() {
        let data = ContentRules.applyingDefaults(
            object(#"{"headline": "H", "subheadline": null, "slug": null, "leadMediaId": null}"#),
            type: .article
        )
        #expect(data == object(#"{"headline": "H", "status": "draft", "tags": [], "bylines": [], "body": []}"#))
        let media = ContentRules.applyingDefaults(
            object(#"{"uri": "a.jpg", "width": null, "credit": {"creator": "A", "source": null}}"#), type: .media)
        #expect(media == object(#"{"uri": "a.jpg", "credit": {"creator": "A"}, "kind": "image"}"#))
    }

    @Test func theDefaultedDocumentIsValid() {
        for (type, data) in [
            (EntityType.article, object(#"{"headline": "H"}"#)), (.media, ["uri": "a.jpg"]),
            (.link, ["fromId": .string(articleID), "toId": .string(otherArticleID)]),
        ] {
            #expect(ContentRules.validateDocument(ContentRules.applyingDefaults(data, type: type), type: type, pathPrefix: "").isEmpty)
        }
    }
}
