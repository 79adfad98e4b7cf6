-- A large, deterministic history for the crash-safety test: 20,000
-- customers created every 3,150 s from 2022-01-03 02:00Z (about two years),
-- seven owners in two teams, stage changes (1->2, 2->4, 1->5), transfers and
-- follow-ups. Same SQL, same rows, in every database it is loaded into.
SET SESSION max_recursive_iterations = 1000000;

CREATE TEMPORARY TABLE gen_n (
  i       INT         NOT NULL PRIMARY KEY,
  created DATETIME(6) NOT NULL,
  owner0  VARCHAR(16) NOT NULL,
  team0   VARCHAR(16) NOT NULL,
  owner1  VARCHAR(16) NOT NULL,
  team1   VARCHAR(16) NOT NULL
);

INSERT INTO gen_n (i, created, owner0, team0, owner1, team1)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
SELECT i, TIMESTAMP('2022-01-03 02:00:00') + INTERVAL (i * 3150) SECOND,
       CONCAT('rep_', i % 7), IF(i % 7 < 4, 'team1', 'team2'),
       CONCAT('rep_', (i + 1) % 7), IF((i + 1) % 7 < 4, 'team1', 'team2')
FROM n;

INSERT INTO customers (id, display_name, name_key, industry, source, contact_name_enc,
  contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc,
  email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description,
  company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at,
  created_by, created_at, updated_at, version)
SELECT i, CONCAT('Gen ', i), CONCAT('gen ', i),
       ELT(1 + i % 7, 'manufacturing', 'retail', 'education', 'internet', 'finance', 'healthcare', 'other'),
       ELT(1 + i % 6, 'trade_show', 'referral', 'website', 'cold_call', 'social_media', 'other'),
       'k1:x', 'X*', 'Buyer', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       DATE(created + INTERVAL 8 HOUR) - INTERVAL (i % 10) DAY, '', '10-50', '',
       IF(i % 10 = 7, owner1, owner0), IF(i % 10 = 7, team1, team0),
       IF(i % 6 = 0, 4, IF(i % 3 = 0, 2, IF(i % 12 = 1, 5, 1))), created, 0, NULL,
       owner0, created, created, 1
FROM gen_n;

-- Creation.
INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
  actor_id, owner_id, team_id, created_at)
SELECT i, i, NULL, 1, 'created', NULL, '', owner0, owner0, team0, created FROM gen_n;
-- 1 -> 2 after 1..5 days (a transfer happens after 3.5 days for i % 10 = 7).
INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
  actor_id, owner_id, team_id, created_at)
SELECT 20000 + i, i, 1, 2, 'need', NULL, '', owner0,
       IF(i % 10 = 7 AND i % 5 + 1 >= 4, owner1, owner0), IF(i % 10 = 7 AND i % 5 + 1 >= 4, team1, team0),
       created + INTERVAL (i % 5 + 1) DAY
FROM gen_n WHERE i % 3 = 0;
-- 2 -> 4 after 8..15 days.
INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
  actor_id, owner_id, team_id, created_at)
SELECT 40000 + i, i, 2, 4, 'signed', NULL, '', owner0,
       IF(i % 10 = 7, owner1, owner0), IF(i % 10 = 7, team1, team0),
       created + INTERVAL (i % 5 + 8 + i % 4) DAY
FROM gen_n WHERE i % 6 = 0;
-- 1 -> 5 after 2..10 days.
INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
  actor_id, owner_id, team_id, created_at)
SELECT 60000 + i, i, 1, 5, 'refused',
       ELT(1 + i % 5, 'price_too_high', 'need_mismatch', 'chose_competitor', 'no_response', 'budget_cut'),
       '', owner0,
       IF(i % 10 = 7 AND i % 9 + 2 >= 4, owner1, owner0), IF(i % 10 = 7 AND i % 9 + 2 >= 4, team1, team0),
       created + INTERVAL (i % 9 + 2) DAY
FROM gen_n WHERE i % 12 = 1;

INSERT INTO owner_events (id, customer_id, from_owner, to_owner, from_team, to_team, reason,
  actor_id, created_at)
SELECT i, i, NULL, owner0, NULL, team0, 'created', owner0, created FROM gen_n;
INSERT INTO owner_events (id, customer_id, from_owner, to_owner, from_team, to_team, reason,
  actor_id, created_at)
SELECT 20000 + i, i, owner0, owner1, team0, team1, 'transfer', 'mgr1', created + INTERVAL 84 HOUR
FROM gen_n WHERE i % 10 = 7;

INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, logger_id,
  channel, scenario, content, feedback, next_action, stage_after, stage_event, revision)
SELECT i, created + INTERVAL 1 DAY, created + INTERVAL 1 DAY, 0, owner0, owner0, 1, 's', 'c', 'f', '', 1, '', 1
FROM gen_n;
INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, logger_id,
  channel, scenario, content, feedback, next_action, stage_after, stage_event, revision)
SELECT i, created + INTERVAL 5 DAY, created + INTERVAL 5 DAY, 0, owner0, owner0, 1, 's', 'c', 'f', '', 1, '', 1
FROM gen_n WHERE i % 2 = 0;

DROP TEMPORARY TABLE gen_n;
