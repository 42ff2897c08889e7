// Structural checks on the live database: each failure names the object at fault.
import PostgresClient

/// One check's outcome.
public struct CheckResult: Sendable, Equatable, Codable {
  /// A stable identifier, e.g. `rls`, `definer_search_path`.
  public var check: String
  public var object: String?
  public var passed: Bool
  public var message: String
}

/// The catalog queries behind `verify`'s structural section.
public enum StructuralChecks {
  /// Schemas whose tables hold tenant data and must all carry RLS.
  public static let tenantSchemas = ["app", "analytics", "audience", "insights", "experiments", "usage"]
  /// The marker in a function's comment that says anon/PUBLIC may execute it on purpose.
  public static let publicMarker = "@audiencectl-public"

  public static func run(_ connection: Connection) throws -> [CheckResult] {
    var results: [CheckResult] = []
    results += try rls(connection)
    results += try definerSearchPath(connection)
    results += try definerExposure(connection)
    results += try privateSchema(connection)
    results += try apiRolePrivileges(connection)
    results += try foreignKeyIndexes(connection)
    results += try invalidIndexes(connection)
    results += try citus(connection)
    results += try extensionsOutsidePublic(connection)
    return results
  }

  /// Turns a list of offenders into results: one passing summary, or one failure each.
  static func results(_ check: String, offenders: [(String, String)], passing: String) -> [CheckResult] {
    if offenders.isEmpty { return [CheckResult(check: check, object: nil, passed: true, message: passing)] }
    return offenders.map { CheckResult(check: check, object: $0.0, passed: false, message: $0.1) }
  }

  /// API roles that exist in this cluster (privilege functions fail on unknown roles).
  static let apiRoles = """
    (select r.rolname from pg_catalog.pg_roles r where r.rolname in ('anon', 'authenticated'))
    """

  static func rls(_ connection: Connection) throws -> [CheckResult] {
    let rows = try connection.query(
      """
      select c.oid::pg_catalog.regclass::text as name, c.relrowsecurity as rls, c.relispartition as partition,
             (select count(*) from pg_catalog.pg_policy p where p.polrelid = c.oid)::int as policies,
             exists (select 1 from \(unsafeSQL: apiRoles) r(rolname)
                      where pg_catalog.has_table_privilege(r.rolname, c.oid, 'select, insert, update, delete')) as exposed
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname = any(\(tenantSchemas)) and c.relkind in ('r', 'p')
       order by 1
      """
    ).rows
    var offenders: [(String, String)] = []
    for row in rows {
      let name: String = try row.decode("name")
      let rls: Bool = try row.decode("rls")
      let policies: Int = try row.decode("policies")
      let partition: Bool = try row.decode("partition")
      let exposed: Bool = try row.decode("exposed")
      if partition && !exposed { continue }  // reached only through its parent's policies
      if !rls {
        offenders.append((name, "table \(name) does not have row-level security enabled"))
      } else if policies == 0 {
        offenders.append((name, "table \(name) has row-level security enabled but no policy"))
      }
    }
    return results("rls", offenders: offenders, passing: "every table of \(tenantSchemas.joined(separator: ", ")) has RLS and a policy (\(rows.count) tables)")
  }

  /// User functions (not extension members, not system schemas).
  static let userFunctions = """
    pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass and d.objid = p.oid and d.deptype = 'e')
    """

  static func definerSearchPath(_ connection: Connection) throws -> [CheckResult] {
    let rows = try connection.query(
      """
      select p.oid::pg_catalog.regprocedure::text as name
        from \(unsafeSQL: userFunctions)
         and p.prosecdef
         and not exists (select 1 from pg_catalog.unnest(p.proconfig) as setting where setting like 'search_path=%')
       order by 1
      """
    ).rows
    return results(
      "definer_search_path",
      offenders: try rows.map { row in
        let name: String = try row.decode("name")
        return (name, "SECURITY DEFINER function \(name) does not pin search_path (add: set search_path = '')")
      },
      passing: "every SECURITY DEFINER function pins search_path")
  }

  static func definerExposure(_ connection: Connection) throws -> [CheckResult] {
    let rows = try connection.query(
      """
      select p.oid::pg_catalog.regprocedure::text as name,
             exists (select 1 from pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                      where a.grantee = 0 and a.privilege_type = 'EXECUTE') as to_public,
             exists (select 1 from \(unsafeSQL: apiRoles) r(rolname)
                      where r.rolname = 'anon' and pg_catalog.has_function_privilege(r.rolname, p.oid, 'execute')) as to_anon
        from \(unsafeSQL: userFunctions)
         and p.prosecdef
         and coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), '') not like \("%" + publicMarker + "%")
       order by 1
      """
    ).rows
    var offenders: [(String, String)] = []
    for row in rows {
      let name: String = try row.decode("name")
      let toPublic: Bool = try row.decode("to_public")
      let toAnon: Bool = try row.decode("to_anon")
      guard toPublic || toAnon else { continue }
      let who = toPublic ? "PUBLIC" : "anon"
      offenders.append(
        (name, "SECURITY DEFINER function \(name) is executable by \(who) (revoke execute from public, anon; or mark its comment \(publicMarker))"))
    }
    return results("definer_exposure", offenders: offenders, passing: "no SECURITY DEFINER function is executable by PUBLIC or anon unless marked \(publicMarker)")
  }

  static func privateSchema(_ connection: Connection) throws -> [CheckResult] {
    let rows = try connection.query(
      """
      select 'schema private' as name, r.rolname as role
        from \(unsafeSQL: apiRoles) r(rolname)
       where pg_catalog.to_regnamespace('private') is not null
         and pg_catalog.has_schema_privilege(r.rolname, 'private', 'usage')
      union all
      select c.oid::pg_catalog.regclass::text, r.rolname
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       cross join \(unsafeSQL: apiRoles) r(rolname)
       where n.nspname = 'private' and c.relkind in ('r', 'p', 'v', 'm', 'f')
         and pg_catalog.has_table_privilege(r.rolname, c.oid, 'select, insert, update, delete')
      order by 1, 2
      """
    ).rows
    return results(
      "private_schema",
      offenders: try rows.map { row in
        let name: String = try row.decode("name")
        let role: String = try row.decode("role")
        return (name, "\(name) is readable by \(role): nothing in schema private may be granted to API roles")
      },
      passing: "nothing in schema private is readable by anon or authenticated")
  }

  /// TRIGGER lets a role run its own function as the table's owner at the owner's next write;
  /// REFERENCES and TRUNCATE are as little for API roles (migration 1257).
  static func apiRolePrivileges(_ connection: Connection) throws -> [CheckResult] {
    let rows = try connection.query(
      """
      select c.oid::pg_catalog.regclass::text as name, r.rolname as role,
             pg_catalog.array_to_string(array(
               select p from pg_catalog.unnest(array['TRIGGER', 'REFERENCES', 'TRUNCATE']) as p
                where pg_catalog.has_table_privilege(r.rolname, c.oid, p)), ', ') as privileges
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       cross join (select r.rolname from pg_catalog.pg_roles r
                    where r.rolname in ('anon', 'authenticated', 'service_role')) r(rolname)
       where c.relkind in ('r', 'p', 'v', 'm', 'f')
         and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'
         and pg_catalog.has_table_privilege(r.rolname, c.oid, 'trigger, references, truncate')
      order by 1, 2
      """
    ).rows
    return results(
      "api_role_privileges",
      offenders: try rows.map { row in
        let name: String = try row.decode("name")
        let role: String = try row.decode("role")
        let privileges: String = try row.decode("privileges")
        return (name, "\(role) holds \(privileges) on \(name): API roles get SELECT, INSERT, UPDATE, DELETE at most (grant those, not ALL)")
      },
      passing: "no API role holds TRIGGER, REFERENCES or TRUNCATE on any table")
  }

  static func foreignKeyIndexes(_ connection: Connection) throws -> [CheckResult] {
    let rows = try connection.query(
      """
      select c.conrelid::pg_catalog.regclass::text as tbl, c.conname as name,
             (select pg_catalog.string_agg(a.attname, ', ' order by k.ord)
                from pg_catalog.unnest(c.conkey) with ordinality k(attnum, ord)
                join pg_catalog.pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum) as columns
        from pg_catalog.pg_constraint c join pg_catalog.pg_namespace n on n.oid = c.connamespace
       where c.contype = 'f' and c.conparentid = 0
         and n.nspname not in ('pg_catalog', 'information_schema', 'audiencectl') and n.nspname !~ '^pg_'
         and not exists (
           select 1 from pg_catalog.pg_index i
            where i.indrelid = c.conrelid
              and (pg_catalog.string_to_array(i.indkey::text, ' ')::int2[])[1:pg_catalog.cardinality(c.conkey)] @> c.conkey
              and c.conkey @> (pg_catalog.string_to_array(i.indkey::text, ' ')::int2[])[1:pg_catalog.cardinality(c.conkey)])
       order by 1, 2
      """
    ).rows
    return results(
      "foreign_key_index",
      offenders: try rows.map { row in
        let table: String = try row.decode("tbl")
        let name: String = try row.decode("name")
        let columns: String = try row.decode("columns")
        return ("\(table).\(name)", "foreign key \(name) on \(table) (\(columns)) has no index starting with those columns")
      },
      passing: "every foreign key is backed by an index")
  }

  static func invalidIndexes(_ connection: Connection) throws -> [CheckResult] {
    let rows = try connection.query(
      "select i.indexrelid::pg_catalog.regclass::text as name from pg_catalog.pg_index i where not i.indisvalid order by 1"
    ).rows
    return results(
      "invalid_index",
      offenders: try rows.map { row in
        let name: String = try row.decode("name")
        return (name, "index \(name) is INVALID (a failed CREATE INDEX CONCURRENTLY?): drop it and create it again")
      },
      passing: "no INVALID index")
  }
}
