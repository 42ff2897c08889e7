-- The category of each insight type (one each). Pure; callable by anyone signed in.
create or replace function insights.category_of(p_type insights.insight_type)
returns insights.insight_category
language sql
immutable
parallel safe
set search_path = ''
as $$
  select (case p_type
            when 'city_growth' then 'geographic'
            when 'new_market' then 'geographic'
            when 'declining_market' then 'geographic'
            when 'tour_gap' then 'tour'
            when 'tour_timing' then 'tour'
            when 'subscriber_surge' then 'growth'
            when 'subscriber_churn' then 'growth'
            when 'referrer_surge' then 'platform'
            when 'release_momentum' then 'content'
            when 'platform_preference' then 'platform'
            when 'tip_hotspot' then 'revenue'
            when 'engagement_quality' then 'engagement'
            when 'capture_rate_change' then 'growth'
            when 'device_shift' then 'engagement'
            when 'peak_activity' then 'timing'
          end)::insights.insight_category
$$;
revoke execute on function insights.category_of(insights.insight_type) from public, anon;
grant execute on function insights.category_of(insights.insight_type) to authenticated, service_role;
comment on function insights.category_of(insights.insight_type) is
  'Category of an insight type: city_growth/new_market/declining_market geographic; tour_gap/tour_timing tour; subscriber_surge/subscriber_churn/capture_rate_change growth; release_momentum content; platform_preference/referrer_surge platform; tip_hotspot revenue; engagement_quality/device_shift engagement; peak_activity timing.';
