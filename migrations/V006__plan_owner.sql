-- A rep's due list (ListDueFollowUps) asks for "my plans before now, in plan
-- order". With the owner only on `customers`, MariaDB walked every plan in
-- plan order and looked each one's customer up to test the owner: at 1M
-- customers that was 0.4-0.8 s per page and exhausted the pool under load
-- (docs/PERFORMANCE.md, services finding 1). A plan now carries its
-- customer's owner and team, so a page is one short index range.
--
-- The copies are kept exact in the same transactions that change them:
-- followup-service writes them from the customer row it locks when it plans
-- (FollowUpRepository::set_plan), customer-service rewrites them when it
-- transfers the customer (CustomerRepository::move_plan). Queries keep the
-- customer's own owner condition as the authority.
ALTER TABLE follow_up_plans
  ADD COLUMN owner_id VARCHAR(64) NOT NULL DEFAULT '' AFTER customer_id,
  ADD COLUMN team_id  VARCHAR(64) NOT NULL DEFAULT '' AFTER owner_id;

UPDATE follow_up_plans p JOIN customers c ON c.id = p.customer_id
SET p.owner_id = c.owner_id, p.team_id = c.team_id;

-- The default only served the backfill: every writer names the owner.
ALTER TABLE follow_up_plans
  ALTER COLUMN owner_id DROP DEFAULT,
  ALTER COLUMN team_id DROP DEFAULT,
  ADD KEY idx_owner_plan_at (owner_id, plan_at, customer_id),
  ADD KEY idx_team_plan_at (team_id, plan_at, customer_id);
