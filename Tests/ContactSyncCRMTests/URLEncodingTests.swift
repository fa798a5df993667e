@testable import ContactSyncCRM
import Testing

@Suite("Percent-encoding of query values")
struct URLEncodingTests {
    @Test("unreserved ASCII stays; everything else, UTF-8 byte by byte, is encoded")
    func component() {
        #expect(URLEncoding.component("Jane.Doe-1_~") == "Jane.Doe-1_~")
        #expect(URLEncoding.component("a b+c/d?e=f&g") == "a%20b%2Bc%2Fd%3Fe%3Df%26g")
        #expect(URLEncoding.component("O'Brien@example.com") == "O%27Brien%40example.com")
        #expect(URLEncoding.component("José") == "Jos%C3%A9")
        #expect(URLEncoding.component("名") == "%E5%90%8D")
        #expect(URLEncoding.component("") == "")
    }

    @Test("a form body encodes names and values alike")
    func form() {
        #expect(String(decoding: URLEncoding.form([("grant_type", "refresh_token"), ("code", "a/b c")]), as: UTF8.self) == "grant_type=refresh_token&code=a%2Fb%20c")
    }
}

@Suite("Salesforce API usage header")
struct APIUsageHeaderTests {
    @Test("the api-usage entry is read wherever it stands, never per-app-api-usage; anything else is ignored")
    func reads() {
        #expect(APIUsage.usage(in: "api-usage=25/15000").map { [$0.used, $0.limit] } == [25, 15000])
        #expect(APIUsage.usage(in: "per-app-api-usage=1/10(appName=x); api-usage=7/100").map { [$0.used, $0.limit] } == [7, 100])
        #expect(APIUsage.usage(in: "api-usage=7/100; per-app-api-usage=1/10(appName=x)").map { [$0.used, $0.limit] } == [7, 100])
        #expect(APIUsage.usage(in: "api-usage=7") == nil)
        #expect(APIUsage.usage(in: "api-usage=a/b") == nil)
        #expect(APIUsage.usage(in: "api-usage=-1/5") == nil)
        #expect(APIUsage.usage(in: "api-usage=1/99999999999999999999") == nil)
        #expect(APIUsage.usage(in: "") == nil)
    }
}
