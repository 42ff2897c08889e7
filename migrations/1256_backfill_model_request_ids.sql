-- 1256: the ids of the model requests stored before 1255, one per (org_id, request_id):
-- the earliest occurred_at where a request was stored twice under two occurred_at (those
-- rows stay: they were accepted, and rollups and budget alerts have counted them; list
-- them with `select org_id, request_id from usage.model_requests group by 1, 2 having
-- count(*) > 1`). Requests logged while this runs have their ids from 1255's trigger
-- (ON CONFLICT DO NOTHING here). Reads usage.model_requests without blocking writes.
insert into usage.model_request_ids (org_id, request_id, occurred_at)
select distinct on (r.org_id, r.request_id) r.org_id, r.request_id, r.occurred_at
from usage.model_requests as r
order by r.org_id, r.request_id, r.occurred_at
on conflict (org_id, request_id) do nothing;
