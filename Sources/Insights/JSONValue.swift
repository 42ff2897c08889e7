// Insights shares the JSON document type of the PostgreSQL client (jsonb snapshots).
@_exported import enum PostgresClient.JSONValue
