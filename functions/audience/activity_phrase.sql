-- How a hot-lead card words n events of one type: 'clicked Get Tickets 2x', 'viewed 3
-- events', 'started checkout 1x' ... (n as given: public.get_hot_lead_detail passes the
-- number of events, or for event_view / profile_view / interested the number of distinct
-- entities). A type without its own wording: '<event_type> <n>x'. Immutable SQL.
create or replace function audience.activity_phrase(p_event_type text, p_n bigint)
returns text
language sql
immutable
parallel safe
as $$
  select case p_event_type
           when 'ticket_cta' then 'clicked Get Tickets ' || p_n || 'x'
           when 'checkout_started' then 'started checkout ' || p_n || 'x'
           when 'purchase' then 'purchased ' || p_n || 'x'
           when 'tip' then 'tipped ' || p_n || 'x'
           when 'event_view' then 'viewed ' || p_n || case when p_n = 1 then ' event' else ' events' end
           when 'profile_view' then 'viewed ' || p_n || case when p_n = 1 then ' profile' else ' profiles' end
           when 'interested' then 'marked ' || p_n || case when p_n = 1 then ' show' else ' shows' end || ' interesting'
           when 'page_view' then 'viewed ' || p_n || case when p_n = 1 then ' page' else ' pages' end
           when 'link_click' then 'clicked ' || p_n || case when p_n = 1 then ' link' else ' links' end
           when 'play' then 'played ' || p_n || 'x'
           when 'like' then 'liked ' || p_n || 'x'
           when 'share' then 'shared ' || p_n || 'x'
           when 'comment' then 'commented ' || p_n || 'x'
           when 'download' then 'downloaded ' || p_n || 'x'
           when 'search' then 'searched ' || p_n || 'x'
           when 'follow' then 'followed ' || p_n || 'x'
           when 'subscribe' then 'subscribed ' || p_n || 'x'
           else p_event_type || ' ' || p_n || 'x'
         end
$$;
revoke execute on function audience.activity_phrase(text, bigint) from public, anon;
grant execute on function audience.activity_phrase(text, bigint) to authenticated, service_role;
comment on function audience.activity_phrase(text, bigint) is
  'Wording of n events of a type on a hot-lead card (''clicked Get Tickets 2x'', ''viewed 3 events''; other types ''<type> <n>x''). Immutable.';
