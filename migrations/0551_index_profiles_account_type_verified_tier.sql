-- audiencectl:no-transaction
-- 0551: indexes on app.profiles for the admin and directory queries that filter by
-- account type, verification and subscription tier (e.g. "verified venues", "premium
-- artists", the review queue's profile look-ups). Built CONCURRENTLY: profiles is an
-- existing table that may be large and is written by sign-ups at any time.
-- verified: partial, only the (few) verified profiles are indexed; subscription_tier:
-- partial, only paid tiers (free is the default of almost every profile).
create index concurrently if not exists index_profiles_on_account_type
  on app.profiles (account_type);

create index concurrently if not exists index_profiles_on_account_type_verified
  on app.profiles (account_type) where verified;

create index concurrently if not exists index_profiles_on_subscription_tier_paid
  on app.profiles (subscription_tier) where subscription_tier <> 'free';
