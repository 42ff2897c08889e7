-- Intent signals (ticket_cta, checkout_started of non-bot traffic: about 2.5 % of events)
-- by visitor. Partial, so ingestion pays for it only on those events. Serves:
-- * audience.propensity_scores (calculate_propensity_score, get_high_intent_visitors,
--   update_customers): the latest ticket CTA / checkout of one visitor in a window, by an
--   index-only probe instead of reading all of the visitor's events;
-- * get_high_intent_visitors: the visitors of an organization with such a signal in the
--   last 30 days, index-only (user_id included for the 'user:<uuid>' keys).
-- It replaces index_events_on_org_id_occurred_at_intent_signals (0010), whose only
-- reader was that last query.
create index index_events_on_org_id_visitor_id_event_type_occurred_at
  on analytics.events (org_id, visitor_id, event_type, occurred_at) include (user_id)
  where event_type in ('ticket_cta', 'checkout_started') and not is_bot;
drop index analytics.index_events_on_org_id_occurred_at_intent_signals;
