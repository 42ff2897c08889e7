// TextRules: sentence counts and contact details.
import Foundation
import Insights
import Testing

@Suite("Sentences and contact details")
struct TextRulesTests {
  @Test(
    "sentence counts",
    arguments: [
      ("", "", 0),
      ("   ", "", 0),
      ("One sentence.", "", 1),
      ("No full stop at the end", "", 1),
      ("Two. Sentences.", "", 2),
      ("Three. Short. Ones.", "", 3),
      ("Berlin grew 41.5% in 30 days. Book a show!", "", 2),
      ("Fans in St. Louis, US grew. Book a show there.", "St. Louis, US", 2),
      ("Fans in Mt. Pleasant grew, e.g. on weekends. That is new.", "", 2),
      ("Wow... really? Yes.", "", 3),
      ("They said \"go.\" Then they left.", "", 2),
      ("62.5% of your music link clicks go to Spotify (120 of 192).", "", 1),
      ("Visit hello.", "", 1),
    ])
  func sentences(text: String, subject: String, expected: Int) {
    #expect(TextRules.sentenceCount(text, subjectKey: subject) == expected)
  }

  @Test(
    "contact details are found and named",
    arguments: [
      ("Write to hello@nova-lights.fm for tickets.", "an e-mail address"),
      ("See https://example.com/tour for dates.", "a URL"),
      ("See http://127.0.0.1:8080 for dates.", "a URL"),
      ("Visit www.example.org today.", "a URL"),
      ("Tickets at novalights.com now.", "a URL"),
      ("Call +49 30 1234567 to book.", "a phone number"),
      ("Call (555) 123-4567 to book.", "a phone number"),
      ("Call 555-1234 to book.", "a phone number"),
      ("Follow @novalights for updates.", "a social media handle"),
    ])
  func contactFound(text: String, expected: String) {
    #expect(TextRules.contactDetail(in: text) == expected)
  }

  @Test(
    "ordinary insight text has no contact details",
    arguments: [
      "Clicks from Berlin rose from 100 to 141 in 30 days.",
      "You have 1,234,567 plays.",
      "Revenue of 1234.5678 came in.",
      "Your last show was on 2025-05-01.",
      "62.5% of clicks went to Spotify (120 of 192).",
      "Fans in St. Louis, US grew 3x.",
      "Peak activity is at 21:00 on Fridays.",
      "Put your Spotify link first, e.g. above Apple Music.",
      "Clicks rose to 1234 (41.25%).",
      "You had 1234567 plays.",
      "From 141 (41.0%) to 199 (12.5%).",
    ])
  func noContact(text: String) {
    #expect(TextRules.contactDetail(in: text) == nil)
  }

  @Test(
    "a domain the data carries may be named; with a path, a port, a subdomain or another domain it is a URL",
    arguments: [
      ("Traffic from instagram.com up 500%.", nil),
      ("Instagram.com referred 180 visits.", nil),
      ("instagram.com", nil),
      ("Post more where instagram.com. It works.", nil),
      ("See instagram.com/promo for the offer.", "a URL"),
      ("See instagram.com:8080 now.", "a URL"),
      ("See instagram.com.evil.net now.", "a URL"),
      ("From instagram.com and tickets.com.", "a URL"),
      ("Visit www.instagram.com today.", "a URL"),
    ] as [(String, String?)])
  func knownDomains(text: String, expected: String?) {
    #expect(TextRules.contactDetail(in: text, knownDomains: ["instagram.com"]) == expected)
  }

  @Test("the domains among a subject and a snapshot's strings, in lower case")
  func domainNames() {
    let snapshot: JSONValue = ["referrer": "Instagram.com", "top": [["domain": "l.facebook.com", "visits": 3]], "city": "Berlin, DE"]
    #expect(TextRules.domainNames(in: ["instagram.com"] + snapshot.strings) == ["instagram.com", "l.facebook.com"])
    #expect(snapshot.strings == ["Berlin, DE", "Instagram.com", "l.facebook.com"])
  }
}
