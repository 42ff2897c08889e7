-- The latest ticket CTA / checkout of one visitor in a time window (audience.propensity_scores:
-- calculate_propensity_score, get_high_intent_visitors, update_customers) by an index-only
-- probe instead of reading all of the visitor's events. Partial (the two intent event
-- types of non-bot traffic, about 2.5 % of events), so ingestion pays for it only on
-- those events.
create index index_events_on_org_id_visitor_id_event_type_occurred_at
  on analytics.events (org_id, visitor_id, event_type, occurred_at)
  where event_type in ('ticket_cta', 'checkout_started') and not is_bot;
