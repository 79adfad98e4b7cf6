-- Changes at one instant (1,000 by default), written as the services write
-- them (see customer-service/customer_service.cc and
-- followup-service/followup_service.cc):
--
--   400 stage changes   ChangeCustomerStage: a stage event (owner of the time,
--                       loss reason for a loss) + customers.stage,
--                       stage_changed_at, updated_at, version
--    50 transfers       TransferCustomer: an owner event + customers.owner_id,
--                       team_id, updated_at, version
--   250 new customers   CreateCustomer: the customer (first contact today),
--                       its creation stage event and owner event
--   300 follow-ups      LogFollowUp (no stage change): the follow-up (happened
--                       an hour ago, logged now), customer_activity, the
--                       recommended plan
--
-- The caller sets
--   SET @now = '2024-07-01 02:10:00';   -- UTC, the services' clock
--   SET @salt = 'run1';                 -- picks a different set of customers per batch
-- and may set other counts (at most 1000 each) for a diagnostic batch:
--   SET @n_stage = 400, @n_transfer = 50, @n_new = 250, @n_fu = 300;
--   SET @fu_never_won = 1;              -- follow-ups only on customers that never won
-- Customers are picked deterministically (CRC32 order) among live ones.
-- Prints what it wrote and, for docs/PERFORMANCE.md, how many past weeks the
-- worker's change detection will find dirty because of it.

SET @now = CAST(@now AS DATETIME(6));
SET @n_stage = COALESCE(@n_stage, 400), @n_transfer = COALESCE(@n_transfer, 50),
    @n_new = COALESCE(@n_new, 250), @n_fu = COALESCE(@n_fu, 300), @fu_never_won = COALESCE(@fu_never_won, 0);
SET @today = DATE(DATE_ADD(@now, INTERVAL 8 HOUR));   -- team time (Asia/Shanghai)

DROP TEMPORARY TABLE IF EXISTS bench_chg_stage, bench_chg_owner, bench_chg_fu, bench_n;

-- 400 stage changes: one step forward, or (1 in 5) lost with a reason.
CREATE TEMPORARY TABLE bench_chg_stage AS
SELECT id, from_stage, to_stage, owner_id, team_id, first_contact_date FROM (
  SELECT id, stage AS from_stage,
         CASE WHEN CRC32(CONCAT(@salt, 'loss', id)) % 5 = 0 THEN 5 ELSE stage + 1 END AS to_stage,
         owner_id, team_id, first_contact_date,
         ROW_NUMBER() OVER (ORDER BY CRC32(CONCAT(@salt, 'stage', id)), id) AS rn
  FROM customers WHERE deleted = 0 AND stage IN (1, 2, 3)) ranked
WHERE rn <= @n_stage;
INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
                          actor_id, owner_id, team_id, created_at)
SELECT id, from_stage, to_stage,
       CASE WHEN to_stage = 5 THEN 'customer declined' WHEN to_stage = 4 THEN 'contract signed'
            ELSE 'moved forward after a follow-up' END,
       IF(to_stage = 5, ELT(1 + CRC32(CONCAT(@salt, 'reason', id)) % 5, 'price_too_high',
          'need_mismatch', 'chose_competitor', 'no_response', 'budget_cut'), NULL),
       '', owner_id, owner_id, team_id, @now
FROM bench_chg_stage ORDER BY id;
UPDATE customers c JOIN bench_chg_stage s ON s.id = c.id
SET c.stage = s.to_stage, c.stage_changed_at = @now, c.updated_at = @now, c.version = c.version + 1;

-- 50 transfers to the next rep of the same team.
CREATE TEMPORARY TABLE bench_chg_owner AS
SELECT id, owner_id, team_id, new_owner, first_contact_date FROM (
  SELECT c.id, c.owner_id, c.team_id, c.first_contact_date,
         CONCAT('rep', LPAD(1 + FLOOR((CAST(SUBSTRING(c.owner_id, 4) AS UNSIGNED) - 1) / 10) * 10
                            + (CAST(SUBSTRING(c.owner_id, 4) AS UNSIGNED) % 10), 3, '0')) AS new_owner,
         ROW_NUMBER() OVER (ORDER BY CRC32(CONCAT(@salt, 'owner', c.id)), c.id) AS rn
  FROM customers c LEFT JOIN bench_chg_stage s ON s.id = c.id
  WHERE c.deleted = 0 AND s.id IS NULL AND c.owner_id LIKE 'rep%') ranked
WHERE rn <= @n_transfer;
INSERT INTO owner_events (customer_id, from_owner, to_owner, from_team, to_team, reason, actor_id, created_at)
SELECT id, owner_id, new_owner, team_id, team_id, 'rebalancing the territory',
       CONCAT('manager', SUBSTRING(team_id, 5)), @now
FROM bench_chg_owner ORDER BY id;
UPDATE customers c JOIN bench_chg_owner o ON o.id = c.id
SET c.owner_id = o.new_owner, c.updated_at = @now, c.version = c.version + 1;
UPDATE follow_up_plans p JOIN bench_chg_owner o ON o.id = p.customer_id
SET p.owner_id = o.new_owner;

-- 250 new customers, first contact today, created as potential.
CREATE TEMPORARY TABLE bench_n AS
SELECT a.d * 100 + b.d * 10 + e.d AS n
FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a
CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b
CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) e;
DELETE FROM bench_n WHERE n >= @n_new;
INSERT INTO customers (display_name, name_key, industry, source, contact_name_enc,
  contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc,
  email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description,
  company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at,
  created_by, created_at, updated_at, version)
SELECT CONCAT('Bench new customer ', @salt, ' ', n), CONCAT('bench new customer ', @salt, ' ', n),
       ELT(1 + n % 7, 'manufacturing', 'retail', 'education', 'internet', 'finance', 'healthcare', 'other'),
       ELT(1 + n % 6, 'trade_show', 'referral', 'website', 'cold_call', 'social_media', 'other'),
       CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT(@salt, 'name', n), 256)))), 'W*', 'Purchasing manager',
       CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT(@salt, 'phone', n), 256)))), '139****0000',
       MD5(CONCAT(@salt, 'phone', n)), NULL, NULL, NULL, NULL, NULL,
       @today, 'Bench: new lead', '10-50', '',
       CONCAT('rep', LPAD(1 + n % 100, 3, '0')), CONCAT('team', LPAD(1 + FLOOR((n % 100) / 10), 2, '0')),
       1, @now, 0, NULL, CONCAT('rep', LPAD(1 + n % 100, 3, '0')), @now, @now, 1
FROM bench_n ORDER BY n;
INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
                          actor_id, owner_id, team_id, created_at)
SELECT id, NULL, 1, 'created', NULL, '', created_by, owner_id, team_id, @now
FROM customers WHERE created_at = @now AND display_name LIKE CONCAT('Bench new customer ', @salt, ' %') ORDER BY id;
INSERT INTO owner_events (customer_id, from_owner, to_owner, from_team, to_team, reason, actor_id, created_at)
SELECT id, NULL, owner_id, NULL, team_id, 'created', created_by, @now
FROM customers WHERE created_at = @now AND display_name LIKE CONCAT('Bench new customer ', @salt, ' %') ORDER BY id;

-- 300 follow-ups that happened an hour ago, on customers of any stage (or,
-- with @fu_never_won = 1, only on customers that never won).
CREATE TEMPORARY TABLE bench_chg_fu AS
SELECT id, owner_id, team_id, stage FROM (
  SELECT c.id, c.owner_id, c.team_id, c.stage, ROW_NUMBER() OVER (ORDER BY CRC32(CONCAT(@salt, 'fu', c.id)), c.id) AS rn
  FROM customers c
  WHERE c.deleted = 0 AND c.created_at < @now
    AND (@fu_never_won = 0 OR NOT EXISTS (SELECT 1 FROM stage_events w WHERE w.customer_id = c.id AND w.to_stage = 4))) ranked
WHERE rn <= @n_fu;
INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, logger_id, channel,
                        scenario, content, feedback, next_action, stage_after, stage_event, revision)
SELECT id, @now - INTERVAL 1 HOUR, @now, 0, owner_id, owner_id, 1, 'check-in call',
       'Bench follow-up: asked about the internal review.', 'Still reviewing.',
       'Call back next week', stage, '', 1
FROM bench_chg_fu ORDER BY id;
INSERT INTO customer_activity (customer_id, last_follow_up_at)
SELECT id, @now - INTERVAL 1 HOUR FROM bench_chg_fu
ON DUPLICATE KEY UPDATE last_follow_up_at = GREATEST(last_follow_up_at, VALUES(last_follow_up_at));
INSERT INTO follow_up_plans (customer_id, owner_id, team_id, plan_at, action, recommended,
                             planner_id, updated_at, reminded)
SELECT id, owner_id, team_id, @now - INTERVAL 1 HOUR + INTERVAL 7 DAY, 'Call back next week', 1,
       owner_id, @now, 0
FROM bench_chg_fu
ON DUPLICATE KEY UPDATE owner_id = VALUES(owner_id), team_id = VALUES(team_id), plan_at = VALUES(plan_at), action = VALUES(action),
  recommended = VALUES(recommended), planner_id = VALUES(planner_id),
  updated_at = VALUES(updated_at), reminded = VALUES(reminded);

-- What was written, and the past weeks (before the week of @now) that the
-- change detection before commit 36aba1f recomputed because of it (for the
-- before/after comparison in docs/PERFORMANCE.md): the first-contact week of
-- every customer whose row changed (marked whether or not the first-contact
-- date changed), and the first-win week of every customer with a new
-- follow-up (whether or not the follow-up happened before the win). Since
-- 36aba1f neither marks a past week here: no first-contact date, deletion,
-- source or industry changes, and no follow-up happened at or before a
-- first win (counted below: "before a first win").
-- One temporary table per statement: MySQL cannot reopen a temporary table.
SET @week = DATE(DATE_ADD(@now, INTERVAL 8 HOUR)) - INTERVAL WEEKDAY(DATE_ADD(@now, INTERVAL 8 HOUR)) DAY;
SET @n_stage = (SELECT COUNT(*) FROM bench_chg_stage);
SET @n_owner = (SELECT COUNT(*) FROM bench_chg_owner);
SET @n_new = (SELECT COUNT(*) FROM customers WHERE created_at = @now AND display_name LIKE CONCAT('Bench new customer ', @salt, ' %'));
SET @n_fu = (SELECT COUNT(*) FROM bench_chg_fu);
SET @n_fu_won = (SELECT COUNT(*) FROM bench_chg_fu f WHERE EXISTS (SELECT 1 FROM stage_events w WHERE w.customer_id = f.id AND w.to_stage = 4));
SET @n_fu_before_win = (SELECT COUNT(*) FROM bench_chg_fu f WHERE EXISTS (SELECT 1 FROM stage_events w WHERE w.customer_id = f.id AND w.to_stage = 4 AND w.created_at >= @now - INTERVAL 1 HOUR));
CREATE TEMPORARY TABLE bench_weeks (cause VARCHAR(16) NOT NULL, week DATE NOT NULL);
INSERT INTO bench_weeks SELECT 'updated', first_contact_date - INTERVAL WEEKDAY(first_contact_date) DAY FROM bench_chg_stage;
INSERT INTO bench_weeks SELECT 'updated', first_contact_date - INTERVAL WEEKDAY(first_contact_date) DAY FROM bench_chg_owner;
INSERT INTO bench_weeks
SELECT 'follow_up', DATE(DATE_ADD(MIN(w.created_at), INTERVAL 8 HOUR)) - INTERVAL WEEKDAY(DATE_ADD(MIN(w.created_at), INTERVAL 8 HOUR)) DAY
FROM bench_chg_fu f JOIN stage_events w ON w.customer_id = f.id AND w.to_stage = 4 GROUP BY f.id;
SET @weeks_updated = (SELECT COUNT(DISTINCT week) FROM bench_weeks WHERE cause = 'updated' AND week < @week);
SET @weeks_fu = (SELECT COUNT(DISTINCT week) FROM bench_weeks WHERE cause = 'follow_up' AND week < @week);
SET @weeks_all = (SELECT COUNT(DISTINCT week) FROM bench_weeks WHERE week < @week);
SELECT CONCAT('changes at ', @now, ': ', @n_stage, ' stage changes, ', @n_owner, ' transfers, ',
              @n_new, ' new customers, ', @n_fu, ' follow-ups (', @n_fu_won,
              ' of them on customers that won once, ', @n_fu_before_win, ' before a first win)') AS progress;
SELECT CONCAT('past weeks the detection before 36aba1f made dirty: ', @weeks_updated, ' by changed customer rows (first-contact week), ',
              @weeks_fu, ' by follow-ups (first-win week), ', @weeks_all, ' in all') AS progress;
DROP TEMPORARY TABLE bench_weeks;
DROP TEMPORARY TABLE bench_chg_stage, bench_chg_owner, bench_chg_fu, bench_n;
