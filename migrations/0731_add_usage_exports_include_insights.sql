-- 0731: a usage export may include the organization's stored insights of the period
-- (audiencectl export usage --include-insights): the audit row records that it did.
-- A constant default: no table rewrite, a brief lock only.
alter table usage.exports add column include_insights boolean not null default false;
comment on column usage.exports.include_insights is
  'The export also answers the organization''s stored anomalies and recommendations of the period (public.fetch_usage_export_insights).';
