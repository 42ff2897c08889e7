// audiencectl seed demo and seed scale against the project's schema: designed numbers
// (seed/README.md), idempotence, determinism.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("seed")
struct SeedTests {
  @Test("seed demo: Berlin 145 vs 103 human link clicks, Spotify 3x Apple Music, bots excluded; a second run changes nothing")
  func demo() throws {
    let db = try migratedDatabase()
    let args = ["seed", "demo", "--reference", "2026-06-15T12:00:00Z", "--url", db.url, "--project", TestEnvironment.packageRoot.path]
    let first = try audiencectl(args)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.hasPrefix("demo data relative to 2026-06-15 12:00:00.000000+00:\n"))
    let connection = try db.connect()
    let counts = try connection.query(
      """
      select e.city,
             count(*) filter (where e.occurred_at >= r - interval '30 days')::int as last_30,
             count(*) filter (where e.occurred_at < r - interval '30 days')::int as previous_30
        from analytics.events e, (select timestamptz '2026-06-15 12:00+00' as r) ref
        join app.organizations o on o.slug = 'demo-nachtfalter'
       where e.org_id = o.id and e.event_type = 'link_click' and not e.is_bot
         and e.occurred_at >= r - interval '60 days' and e.occurred_at < r
       group by e.city order by e.city
      """)
    let byCity = Dictionary(uniqueKeysWithValues: try counts.rows.map { (try $0.decode("city", as: String.self), [try $0.decode("last_30", as: Int.self), try $0.decode("previous_30", as: Int.self)]) })
    #expect(byCity == ["Berlin": [145, 103], "Warsaw": [60, 20], "Hamburg": [40, 38], "London": [25, 25]])
    let platforms = try connection.query(
      """
      select platform, count(*)::int as clicks from analytics.events e join app.organizations o on o.id = e.org_id
       where o.slug = 'demo-nachtfalter' and e.event_type = 'link_click' and not e.is_bot
         and e.occurred_at >= timestamptz '2026-06-15 12:00+00' - interval '30 days' and e.occurred_at < timestamptz '2026-06-15 12:00+00'
       group by platform order by platform
      """)
    #expect(try platforms.rows.map { "\(try $0.decode("platform", as: String.self))=\(try $0.decode("clicks", as: Int.self))" } == ["apple_music=30", "bandcamp=90", "spotify=90", "youtube=60"])
    let total = try connection.scalar("select count(*)::int from analytics.events", as: Int.self)
    #expect(total == 1156 + 577 + 675 + 123 + 75 + 566)  // + demo-club-nord (seed/60_interactions_demo.sql) + seed/40_insights_demo.sql

    let second = try audiencectl(args)
    #expect(second.status == 0)
    let rows = second.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").last.map(String.init) }
    #expect(!rows.isEmpty && rows.allSatisfy { $0 == "0" })
    #expect(try connection.scalar("select count(*)::int from analytics.events", as: Int.self) == total)
  }

  @Test("seed scale is deterministic: the same seed gives the same events in two databases, from one session or two")
  func scaleDeterministic() throws {
    var fingerprints: [String] = []
    for sessions in ["1", "2"] {
      let db = try migratedDatabase()
      let result = try audiencectl(
        ["seed", "scale", "--orgs", "20", "--events", "60000", "--seed", "7", "--chunk", "25000", "--sessions", sessions,
         "--url", db.url, "--project", TestEnvironment.packageRoot.path])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.hasPrefix("generated 60000 events over 20 organizations in "))
      let connection = try db.connect()
      #expect(try connection.scalar("select count(*)::int from analytics.events", as: Int.self) == 60000)
      #expect(try connection.scalar("select count(*)::int from app.organizations", as: Int.self) == 20)
      // The bulk load's month tables ended as ordinary partitions: each index of
      // analytics.events attached on every partition (built by seed.scale_build_indexes or
      // the ATTACH), autovacuum back on.
      #expect(
        try connection.scalar(
          """
          select count(*)::int from pg_inherits p
          where p.inhparent = 'analytics.events'::regclass
            and ((select count(*) from pg_index i join pg_inherits x on x.inhrelid = i.indexrelid where i.indrelid = p.inhrelid)
                 <> (select count(*) from pg_index where indrelid = 'analytics.events'::regclass)
                 or (select c.reloptions from pg_class c where c.oid = p.inhrelid) is not null)
          """, as: Int.self) == 0)
      // Signed-in users (seed/README.md): the non-bot events of visitors v1 .. v8, and only
      // those, carry seed.scale_user_id(7, rank, visitor); every organization has its 8.
      #expect(
        try connection.scalar(
          """
          select count(*)::int from analytics.events e join app.organizations o on o.id = e.org_id
          where e.user_id is distinct from
                case when not e.is_bot and substr(e.visitor_id, 2)::int <= 8
                     then seed.scale_user_id(7, split_part(o.slug, '-', 3)::int, substr(e.visitor_id, 2)::int) end
          """, as: Int.self) == 0)
      #expect(
        try connection.scalar(
          "select count(distinct (org_id, user_id))::int from analytics.events where user_id is not null", as: Int.self) == 160)
      fingerprints.append(
        try connection.scalar(
          "select md5(string_agg(o.slug || ':' || e.event_type || ':' || e.visitor_id || ':' || coalesce(e.user_id::text, '') || ':' || e.occurred_at::date, ',' order by e.id)) from analytics.events e join app.organizations o on o.id = e.org_id",
          as: String.self) ?? "")
    }
    #expect(fingerprints[0] == fingerprints[1])
    #expect(fingerprints[0].count == 32)
  }
}
