-- 0220: the rules of the prompt_caching and enable_routing recommendations as rows of
-- usage.thresholds (usage.generate_recommendations reads them), and complete
-- descriptions for the two prompt-caching rows 0200 added.
insert into usage.thresholds (key, value, description) values
  ('recommendation.cache_min_avg_input_tokens', 1024,
   'Prompt caching: the model x feature averages at least this many input tokens (cached + uncached) per request (providers cache only prompts of 1,024 tokens or more).'),
  ('recommendation.cache_hit_pct', 50,
   'Prompt caching: share (%) of the uncached input tokens the estimate assumes caching would read from the cache; the rest is written to it (paying the cache-write premium).'),
  ('recommendation.routing_min_routed_requests', 500,
   'Enable routing: the other features of the organization routed at least this many requests (cost and baseline cost known) in the last 30 days.'),
  ('recommendation.routing_min_savings_pct', 10,
   'Enable routing: routing saved at least this percentage of the baseline cost on the other features.')
on conflict (key) do nothing;
update usage.thresholds
set description = 'Prompt caching: input tokens (cached + uncached) at least this percentage of all input and output tokens of the model x feature.',
    updated_at = pg_catalog.now()
where key = 'recommendation.cache_min_input_share';
update usage.thresholds
set description = 'Prompt caching: cached input tokens below this percentage of all input tokens (cached + uncached) of the model x feature.',
    updated_at = pg_catalog.now()
where key = 'recommendation.cache_max_cached_share';
