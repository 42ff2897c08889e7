// Structural checks that keep the schema ready for Citus (distributed by org_id) and the
// API schema free of extensions: see README, "Scale-out".
import PostgresClient

extension StructuralChecks {
  /// Schemas whose tables are either tenant tables (distributed by org_id) or reference tables.
  public static let distributedSchemas = ["app", "analytics", "audience", "insights", "experiments", "private", "usage"]

  /// The global tables: replicated to every node as Citus reference tables (or kept on the
  /// coordinator), each with the reason it is not per organization. Every other table of
  /// `distributedSchemas` must carry org_id.
  public static let referenceTables: [String: String] = [
    "auth.users": "accounts (Supabase's auth schema), across organizations",
    "app.organizations": "the tenant registry: small, joined by every RPC, referenced by every tenant table; slug unique across organizations",
    "app.profiles": "one per user, across organizations",
    "app.account_permissions": "the permission matrix of account types",
    "app.account_upgrade_requests": "one per user, reviewed by platform staff",
    "app.admin_access_log": "platform staff's access log",
    "app.erased_users": "the ids of erased users, across organizations (ingestion rejects their rows)",
    "analytics.event_types": "the catalog of event types",
    "analytics.retention_state": "one row: the retention horizon",
    "analytics.user_agent_patterns": "the user-agent classification rules",
    "insights.thresholds": "the detectors' thresholds",
    "private.pseudonymization_key": "one row: the HMAC key retention needs on every node",
    "private.refresh_log": "the refresh runs' log (coordinator only: a local table)",
    "private.rollups": "the rollup registry (coordinator only: a local table)",
    "private.erasure_epoch": "one row: how many erasures committed, read by the rollup engine beside its registry (coordinator only: a local table)",
    "private.timezone_names": "a cache of pg_timezone_names",
    "private.audience_settings": "global audience settings",
    "private.audience_kpi_benchmarks": "KPI benchmarks per kind of organization",
    "usage.models": "the catalog of AI models",
    "usage.prices": "effective-dated prices, global or per organization (org_id NULL: all)",
    "usage.thresholds": "the usage detectors' thresholds",
  ]

  /// Tenant tables (every table of `distributedSchemas` with org_id, except the named
  /// reference tables): each unique index and exclusion constraint includes org_id; each
  /// foreign key to another tenant table pairs org_id with its org_id; tables with neither
  /// org_id nor a place in `referenceTables` fail, and so do foreign keys from a reference
  /// table to a tenant table or to a table that is neither.
  static func citus(_ connection: Connection) throws -> [CheckResult] {
    let reference = referenceTables.keys.sorted()
    let rows = try connection.query(
      """
      with scope as (
        select c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) as name,
               (select a.attnum from pg_catalog.pg_attribute as a
                 where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped) as dist
          from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
         where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any(\(distributedSchemas))
      ), tables as (
        select s.oid, s.name, case when s.name = any(\(reference)) then null else s.dist end as dist,
               s.name = any(\(reference)) as is_reference
          from scope as s
      ), problems as (
        select t.name, 'table ' || t.name || ' has no org_id and is not a named reference table' as problem
          from tables as t where t.dist is null and not t.is_reference
        union all
        select t.name, pg_catalog.format('unique index %s on %s does not include org_id', i.indexrelid::pg_catalog.regclass, t.name)
          from tables as t join pg_catalog.pg_index as i on i.indrelid = t.oid and i.indisunique
         where t.dist is not null and not (t.dist = any (i.indkey::int2[]))
        union all
        select t.name, pg_catalog.format('exclusion constraint %s on %s does not include org_id', k.conname, t.name)
          from tables as t join pg_catalog.pg_constraint as k on k.conrelid = t.oid and k.contype = 'x'
         where t.dist is not null and not (t.dist = any (k.conkey))
        union all
        select t.name,
               pg_catalog.format('foreign key %s on %s to %s ', k.conname, t.name, k.confrelid::pg_catalog.regclass)
               || case when r.oid is null and not (k.confrelid::pg_catalog.regclass::text = any(\(reference)))
                         then 'references a table that is neither a tenant table nor a named reference table'
                       when t.dist is null then 'goes from a reference table to a tenant table'
                       else 'does not pair org_id with the referenced table''s org_id' end
          from tables as t
          join pg_catalog.pg_constraint as k on k.conrelid = t.oid and k.contype = 'f'
          left join tables as r on r.oid = k.confrelid
         where (r.oid is null and not (k.confrelid::pg_catalog.regclass::text = any(\(reference))))
            or (r.dist is not null and t.dist is null)
            or (r.dist is not null and t.dist is not null
                and not exists (select 1 from pg_catalog.generate_subscripts(k.conkey, 1) as g (j)
                                 where k.conkey[g.j] = t.dist and k.confkey[g.j] = r.dist))
      )
      select name, problem, (select count(*) from tables where dist is not null)::int as tenants,
             (select count(*) from tables where is_reference)::int as references
        from problems order by 1, 2
      """
    ).rows
    if rows.isEmpty {
      let counts = try connection.query(
        """
        select count(*) filter (where not (pg_catalog.format('%I.%I', n.nspname, c.relname) = any(\(reference))))::int as tenants,
               count(*) filter (where pg_catalog.format('%I.%I', n.nspname, c.relname) = any(\(reference)))::int as references
          from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
         where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any(\(distributedSchemas))
        """
      ).first!
      let tenants: Int = try counts.decode("tenants")
      let references: Int = try counts.decode("references")
      return [
        CheckResult(
          check: "citus", object: nil, passed: true,
          message: "ready for Citus: \(tenants) tenant tables keep org_id in every unique key and tenant-to-tenant foreign key; \(references) named reference tables")
      ]
    }
    return try rows.map { row in
      CheckResult(check: "citus", object: try row.decode("name"), passed: false, message: try row.decode("problem"))
    }
  }

  /// No extension is installed in schema public (the API schema PostgREST exposes): pg_cron
  /// goes to pg_catalog, others to a schema of their own (e.g. extensions).
  static func extensionsOutsidePublic(_ connection: Connection) throws -> [CheckResult] {
    let rows = try connection.query(
      "select e.extname::text as name from pg_catalog.pg_extension as e where e.extnamespace = 'public'::pg_catalog.regnamespace order by 1"
    ).rows
    return results(
      "extensions",
      offenders: try rows.map { row in
        let name: String = try row.decode("name")
        return (name, "extension \(name) is installed in schema public (the API schema): create it with schema extensions (pg_cron: with schema pg_catalog)")
      },
      passing: "no extension in schema public")
  }
}
