-- Benchmark data for the report worker (bench/reports/run.sh, docs/PERFORMANCE.md).
--
-- Set-based, deterministic (every "random" choice is CRC32 of the row number
-- and a salt), valid on MariaDB 10.11 and MySQL 8 (no sequence engine, no
-- recursive CTE: a digits table cross-joined). The caller sets
--
--   SET @customers = 1000000;           -- how many customers
--
-- and runs this file in an empty, migrated `salesfollow` schema (root or the
-- salesfollow user; the client should run unbuffered, `mariadb -n`, so the
-- progress lines appear as they happen). It writes, for N customers:
--
--   customers          N, created evenly over 26 weeks (ids in creation
--                      order), 1% soft-deleted, 3% transferred once
--   stage_events       N creations (from_stage NULL) + about 2.1 N moves:
--                      forward moves, losses with a loss reason, wins, reopens
--                      (13 journeys, see bench_path) -> about 3.1 N in all
--   owner_events       N creations (from_owner NULL) + the transfers
--   follow_ups         1..9 per customer (mean 5) -> about 5 N
--   customer_activity, follow_up_plans   as followup-service keeps them
--
-- Time: the 26 team weeks (Asia/Shanghai, UTC+8 all year) 2024-01-01 ..
-- 2024-06-30, i.e. UTC 2023-12-31 16:00:00 .. 2024-06-30 16:00:00 (the fixed
-- instant the data ends at). Every event of a customer is after its
-- creation, strictly ordered, and before that instant; an event's owner is
-- the customer's owner at that time; rows are inserted in time order, so ids
-- follow time as they do when the services write them.

SET @t0 = CAST('2023-12-31 16:00:00' AS DATETIME);   -- Monday 2024-01-01 00:00 team time
SET @span = 26 * 7 * 86400;                           -- seconds up to 2024-06-30 16:00:00 UTC
SET @started = NOW(6);

SELECT CONCAT('generate: ', @customers, ' customers') AS progress;

-- ---------------------------------------------------------------- helpers
DROP TABLE IF EXISTS bench_digits, bench_k, bench_seq, bench_path, bench_path_step, bench_plan;
CREATE TABLE bench_digits (d INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO bench_digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
CREATE TABLE bench_k (k INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;           -- 0..9999
INSERT INTO bench_k SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d
  FROM bench_digits a, bench_digits b, bench_digits c, bench_digits e;
CREATE TABLE bench_seq (n INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;         -- 1..N
INSERT INTO bench_seq SELECT hi.k * 10000 + lo.k + 1
  FROM bench_k hi JOIN bench_k lo
  WHERE hi.k < CEIL(@customers / 10000) AND hi.k * 10000 + lo.k + 1 <= @customers
  ORDER BY 1;

-- Stage journeys: after the creation stage s0, n moves (bench_path_step).
-- A customer takes journey p when CRC32('p'||id) % 1000 is in [lo, hi).
-- Mean moves: 2.1; 34% win, 35% lose, 7% are reopened after a loss or win.
CREATE TABLE bench_path (
  path INT NOT NULL PRIMARY KEY, lo INT NOT NULL, hi INT NOT NULL,
  s0 INT NOT NULL, moves INT NOT NULL, final_stage INT NOT NULL) ENGINE=InnoDB;
INSERT INTO bench_path VALUES
  ( 1,   0,   80, 1, 0, 1),   -- stays potential
  ( 2,  80,  200, 1, 1, 2),   -- 1 -> 2
  ( 3, 200,  300, 1, 2, 3),   -- 1 -> 2 -> 3
  ( 4, 300,  380, 1, 1, 5),   -- 1 -> lost
  ( 5, 380,  480, 1, 2, 5),   -- 1 -> 2 -> lost
  ( 6, 480,  630, 1, 3, 4),   -- 1 -> 2 -> 3 -> won
  ( 7, 630,  730, 1, 3, 5),   -- 1 -> 2 -> 3 -> lost
  ( 8, 730,  810, 2, 2, 4),   -- created as intention -> 3 -> won
  ( 9, 810,  860, 2, 1, 3),   -- 2 -> 3
  (10, 860,  900, 3, 1, 4),   -- created as high intention -> won
  (11, 900,  940, 1, 5, 4),   -- 1 -> lost -> reopened 1 -> 2 -> 3 -> won
  (12, 940,  970, 2, 4, 3),   -- 2 -> 3 -> lost -> reopened 2 -> 3
  (13, 970, 1000, 1, 6, 4);   -- 1 -> 2 -> 3 -> won -> reopened 2 -> 3 -> won again
CREATE TABLE bench_path_step (
  path INT NOT NULL, step INT NOT NULL, from_stage INT NOT NULL, to_stage INT NOT NULL,
  PRIMARY KEY (path, step)) ENGINE=InnoDB;
INSERT INTO bench_path_step VALUES
  (2,1,1,2),
  (3,1,1,2),(3,2,2,3),
  (4,1,1,5),
  (5,1,1,2),(5,2,2,5),
  (6,1,1,2),(6,2,2,3),(6,3,3,4),
  (7,1,1,2),(7,2,2,3),(7,3,3,5),
  (8,1,2,3),(8,2,3,4),
  (9,1,2,3),
  (10,1,3,4),
  (11,1,1,5),(11,2,5,1),(11,3,1,2),(11,4,2,3),(11,5,3,4),
  (12,1,2,3),(12,2,3,5),(12,3,5,2),(12,4,2,3),
  (13,1,1,2),(13,2,2,3),(13,3,3,4),(13,4,4,2),(13,5,2,3),(13,6,3,4);

-- One row per customer: every choice made once. Times are seconds after @t0.
--   deleted  1%, half way between its last change and the end
--   created  evenly spread, the last one at least an hour before the end
--   move k   created + (end - 60 s - created) * (k + jitter) / (moves + 1),
--            jitter in [0, 0.5): strictly increasing, all before the end
--   transfer 3%, between 20% and 90% of the customer's remaining time; 1 in 5
--            of them to another team
CREATE TABLE bench_plan (
  id INT NOT NULL PRIMARY KEY,
  created_s INT NOT NULL, path INT NOT NULL, s0 INT NOT NULL, moves INT NOT NULL,
  final_stage INT NOT NULL, jitter INT NOT NULL,
  owner_ix INT NOT NULL, transfer_s INT NULL, new_owner_ix INT NOT NULL,
  deleted INT NOT NULL, follow_ups INT NOT NULL, contact_lag INT NOT NULL,
  last_move_s INT NOT NULL, deleted_s INT NULL) ENGINE=InnoDB;
INSERT INTO bench_plan (id, created_s, path, s0, moves, final_stage, jitter, owner_ix,
                        transfer_s, new_owner_ix, deleted, follow_ups, contact_lag, last_move_s)
SELECT s.id, s.created_s, p.path, p.s0, p.moves, p.final_stage, s.jitter, s.owner_ix,
       CASE WHEN CRC32(CONCAT('t', s.id)) % 100 < 3
            THEN s.created_s + FLOOR((@span - 60 - s.created_s) * (20 + CRC32(CONCAT('x', s.id)) % 70) / 100)
       END,
       CASE WHEN CRC32(CONCAT('y', s.id)) % 5 = 0 THEN (s.owner_ix + 10) % 100
            ELSE FLOOR(s.owner_ix / 10) * 10 + (s.owner_ix % 10 + 1 + CRC32(CONCAT('z', s.id)) % 9) % 10
       END,
       CASE WHEN CRC32(CONCAT('d', s.id)) % 100 = 0 THEN 1 ELSE 0 END,
       1 + CRC32(CONCAT('f', s.id)) % 9,
       CASE WHEN CRC32(CONCAT('a', s.id)) % 10 < 2 THEN CRC32(CONCAT('b', s.id)) % 14 ELSE 0 END,
       IF(p.moves = 0, s.created_s,
          s.created_s + FLOOR((@span - 60 - s.created_s) * (p.moves * 100 + s.jitter) / ((p.moves + 1) * 100)))
FROM (SELECT n AS id,
             FLOOR((n - 1) * (@span - 3660) / @customers) + CRC32(CONCAT('c', n)) % 60 AS created_s,
             CRC32(CONCAT('p', n)) % 1000 AS h,
             CRC32(CONCAT('j', n)) % 50 AS jitter,
             CRC32(CONCAT('o', n)) % 100 AS owner_ix
      FROM bench_seq) s
JOIN bench_path p ON s.h >= p.lo AND s.h < p.hi;
UPDATE bench_plan SET deleted_s = GREATEST(last_move_s, COALESCE(transfer_s, 0))
                                  + FLOOR((@span - 60 - GREATEST(last_move_s, COALESCE(transfer_s, 0))) / 2)
WHERE deleted = 1;
SELECT CONCAT('generate: plan ready (', TIMESTAMPDIFF(SECOND, @started, NOW(6)), ' s)') AS progress;

-- ---------------------------------------------------------------- customers
-- As customer-service writes them: contacts sealed ("key:base64"), masked
-- and blind-indexed; owner/team the current ones (after a transfer); stage
-- and stage_changed_at from the last stage event; updated_at the latest
-- change; version 1 + changes.
INSERT INTO customers (id, display_name, name_key, industry, source, contact_name_enc,
  contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc,
  email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description,
  company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at,
  created_by, created_at, updated_at, version)
SELECT b.id,
  CONCAT('Bench customer ', LPAD(b.id, 8, '0')),
  CONCAT('bench customer ', LPAD(b.id, 8, '0')),
  ELT(1 + CRC32(CONCAT('i', b.id)) % 7, 'manufacturing', 'retail', 'education', 'internet', 'finance', 'healthcare', 'other'),
  ELT(1 + CRC32(CONCAT('s', b.id)) % 6, 'trade_show', 'referral', 'website', 'cold_call', 'social_media', 'other'),
  CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT('name', b.id), 256)))),
  'W*', 'Purchasing manager',
  IF(b.id % 10 < 7, CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT('phone', b.id), 256)))), NULL),
  IF(b.id % 10 < 7, CONCAT('138****', LPAD(b.id % 10000, 4, '0')), NULL),
  IF(b.id % 10 < 7, MD5(CONCAT('phone', b.id)), NULL),
  IF(b.id % 2 = 0, CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT('email', b.id), 256)))), NULL),
  IF(b.id % 2 = 0, CONCAT('c***', b.id % 1000, '@example.com'), NULL),
  IF(b.id % 2 = 0, MD5(CONCAT('email', b.id)), NULL),
  IF(b.id % 3 = 0, CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT('wechat', b.id), 256)))), NULL),
  IF(b.id % 3 = 0, 'wx***', NULL),
  DATE(DATE_ADD(@t0, INTERVAL b.created_s + 8 * 3600 SECOND)) - INTERVAL b.contact_lag DAY,
  'Bench: evaluating an ERP system for the purchasing department', '50-200', '',
  CONCAT('rep', LPAD(1 + IF(b.transfer_s IS NULL, b.owner_ix, b.new_owner_ix), 3, '0')),
  CONCAT('team', LPAD(1 + FLOOR(IF(b.transfer_s IS NULL, b.owner_ix, b.new_owner_ix) / 10), 2, '0')),
  b.final_stage,
  DATE_ADD(@t0, INTERVAL b.last_move_s SECOND),
  b.deleted,
  IF(b.deleted = 1, DATE_ADD(@t0, INTERVAL b.deleted_s SECOND), NULL),
  CONCAT('rep', LPAD(1 + b.owner_ix, 3, '0')),
  DATE_ADD(@t0, INTERVAL b.created_s SECOND),
  DATE_ADD(@t0, INTERVAL COALESCE(b.deleted_s, GREATEST(b.last_move_s, COALESCE(b.transfer_s, 0))) SECOND),
  1 + b.moves + IF(b.transfer_s IS NULL, 0, 1) + b.deleted
FROM bench_plan b ORDER BY b.id;
SELECT CONCAT('generate: customers ', (SELECT COUNT(*) FROM customers), ' (',
              TIMESTAMPDIFF(SECOND, @started, NOW(6)), ' s)') AS progress;

-- ---------------------------------------------------------------- stage events
-- Creation events and moves, in time order. The owner on an event is the
-- owner at that time (before or after the transfer).
INSERT INTO stage_events (customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
                          actor_id, owner_id, team_id, created_at)
SELECT e.customer_id, e.from_stage, e.to_stage, e.reason, e.loss_reason, e.loss_note,
       CONCAT('rep', LPAD(1 + e.owner_ix, 3, '0')), CONCAT('rep', LPAD(1 + e.owner_ix, 3, '0')),
       CONCAT('team', LPAD(1 + FLOOR(e.owner_ix / 10), 2, '0')),
       DATE_ADD(@t0, INTERVAL e.at_s SECOND)
FROM (
  SELECT b.id AS customer_id, 0 AS step, NULL AS from_stage, b.s0 AS to_stage, 'created' AS reason,
         NULL AS loss_reason, '' AS loss_note, b.owner_ix, b.created_s AS at_s
  FROM bench_plan b
  UNION ALL
  SELECT m.id, m.step, m.from_stage, m.to_stage,
         CASE WHEN m.to_stage = 5 THEN 'customer declined'
              WHEN m.from_stage > m.to_stage THEN 'reopened: customer came back'
              WHEN m.to_stage = 4 THEN 'contract signed'
              ELSE 'moved forward after a follow-up' END,
         IF(m.to_stage = 5, ELT(1 + CRC32(CONCAT('l', m.id, '-', m.step)) % 6, 'price_too_high',
            'need_mismatch', 'chose_competitor', 'no_response', 'budget_cut', 'other'), NULL),
         IF(m.to_stage = 5, 'bench loss note', ''),
         IF(m.transfer_s IS NOT NULL AND m.at_s >= m.transfer_s, m.new_owner_ix, m.owner_ix),
         m.at_s
  FROM (SELECT b.id, b.owner_ix, b.new_owner_ix, b.transfer_s, st.step, st.from_stage, st.to_stage,
               b.created_s + FLOOR((@span - 60 - b.created_s) * (st.step * 100 + b.jitter) / ((b.moves + 1) * 100)) AS at_s
        FROM bench_plan b JOIN bench_path_step st ON st.path = b.path) m
) e
ORDER BY e.at_s, e.customer_id, e.step;
SELECT CONCAT('generate: stage_events ', (SELECT COUNT(*) FROM stage_events), ' (',
              TIMESTAMPDIFF(SECOND, @started, NOW(6)), ' s)') AS progress;

-- ---------------------------------------------------------------- owner events
INSERT INTO owner_events (customer_id, from_owner, to_owner, from_team, to_team, reason,
                          actor_id, created_at)
SELECT e.customer_id, e.from_owner, e.to_owner, e.from_team, e.to_team, e.reason, e.actor,
       DATE_ADD(@t0, INTERVAL e.at_s SECOND)
FROM (
  SELECT b.id AS customer_id, NULL AS from_owner, CONCAT('rep', LPAD(1 + b.owner_ix, 3, '0')) AS to_owner,
         NULL AS from_team, CONCAT('team', LPAD(1 + FLOOR(b.owner_ix / 10), 2, '0')) AS to_team,
         'created' AS reason, CONCAT('rep', LPAD(1 + b.owner_ix, 3, '0')) AS actor, b.created_s AS at_s
  FROM bench_plan b
  UNION ALL
  SELECT b.id, CONCAT('rep', LPAD(1 + b.owner_ix, 3, '0')), CONCAT('rep', LPAD(1 + b.new_owner_ix, 3, '0')),
         CONCAT('team', LPAD(1 + FLOOR(b.owner_ix / 10), 2, '0')),
         CONCAT('team', LPAD(1 + FLOOR(b.new_owner_ix / 10), 2, '0')),
         'rebalancing the territory', CONCAT('manager', LPAD(1 + FLOOR(b.new_owner_ix / 10), 2, '0')),
         b.transfer_s
  FROM bench_plan b WHERE b.transfer_s IS NOT NULL
) e
ORDER BY e.at_s, e.customer_id, e.from_owner IS NOT NULL;
SELECT CONCAT('generate: owner_events ', (SELECT COUNT(*) FROM owner_events), ' (',
              TIMESTAMPDIFF(SECOND, @started, NOW(6)), ' s)') AS progress;

-- ---------------------------------------------------------------- follow-ups
-- Follow-up j of k happens in the j-th k-th of the customer's life (+-20%),
-- is logged within the hour (5%: 36 h later, "late"), by the owner of the
-- time; stage_after is the stage at that time. Inserted in logging order.
INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, logger_id,
                        channel, scenario, content, feedback, next_action, stage_after,
                        stage_event, revision)
SELECT f.customer_id, f.happened_at, f.logged_at,
       IF(TIMESTAMPDIFF(SECOND, f.happened_at, f.logged_at) > 86400, 1, 0),
       f.follower, f.follower, f.channel,
       ELT(1 + f.h % 4, 'first call', 'product demo', 'quotation', 'contract discussion'),
       'Bench follow-up: talked through the requirements, the timeline and who decides; sent the material they asked for.',
       'Interested; wants a quotation for the second phase.',
       'Call back after the internal review',
       COALESCE((SELECT se.to_stage FROM stage_events se
                 WHERE se.customer_id = f.customer_id AND se.created_at <= f.happened_at
                 ORDER BY se.created_at DESC, se.id DESC LIMIT 1), 1),
       '', 1
FROM (
  SELECT x.customer_id, x.h, x.channel, x.follower,
         DATE_ADD(@t0, INTERVAL x.happened_s SECOND) AS happened_at,
         DATE_ADD(@t0, INTERVAL LEAST(x.happened_s + IF(x.h % 20 = 0, 36 * 3600, 60 + x.h % 3000), @span - 1) SECOND) AS logged_at
  FROM (
    SELECT b.id AS customer_id, b.deleted_s, CRC32(CONCAT('g', b.id, '-', s.d)) AS h, 1 + CRC32(CONCAT('ch', b.id, '-', s.d)) % 5 AS channel,
           b.created_s + FLOOR((@span - 60 - b.created_s) * (s.d * 100 - 70 + CAST(CRC32(CONCAT('g', b.id, '-', s.d)) % 41 AS SIGNED)) / (b.follow_ups * 100)) AS happened_s,
           CONCAT('rep', LPAD(1 + IF(b.transfer_s IS NOT NULL AND
                  b.created_s + FLOOR((@span - 60 - b.created_s) * (s.d * 100 - 70 + CAST(CRC32(CONCAT('g', b.id, '-', s.d)) % 41 AS SIGNED)) / (b.follow_ups * 100)) >= b.transfer_s,
                  b.new_owner_ix, b.owner_ix), 3, '0')) AS follower
    FROM bench_plan b JOIN bench_digits s ON s.d BETWEEN 1 AND b.follow_ups  -- 1..9 (a small table)
  ) x
  WHERE x.deleted_s IS NULL OR x.happened_s < x.deleted_s
) f
ORDER BY f.logged_at, f.customer_id, f.happened_at;
SELECT CONCAT('generate: follow_ups ', (SELECT COUNT(*) FROM follow_ups), ' (',
              TIMESTAMPDIFF(SECOND, @started, NOW(6)), ' s)') AS progress;

-- The latest contact per customer and the next plan of open customers.
INSERT INTO customer_activity (customer_id, last_follow_up_at)
SELECT customer_id, MAX(happened_at) FROM follow_ups GROUP BY customer_id;
INSERT INTO follow_up_plans (customer_id, owner_id, team_id, plan_at, action, recommended,
                             planner_id, updated_at, reminded)
SELECT c.id, c.owner_id, c.team_id, DATE_ADD(a.last_follow_up_at, INTERVAL 7 DAY), 'Call back after the internal review', 1,
       c.owner_id, a.last_follow_up_at, 0
FROM customers c JOIN customer_activity a ON a.customer_id = c.id
WHERE c.deleted = 0 AND c.stage IN (1, 2, 3);
SELECT CONCAT('generate: activity and plans (', TIMESTAMPDIFF(SECOND, @started, NOW(6)), ' s)') AS progress;

-- Fresh statistics, as a long-running server would have.
ANALYZE TABLE customers, stage_events, owner_events, follow_ups, customer_activity, follow_up_plans;

DROP TABLE bench_plan, bench_path_step, bench_path, bench_seq, bench_k, bench_digits;
SELECT CONCAT('generate: done in ', TIMESTAMPDIFF(SECOND, @started, NOW(6)), ' s') AS progress;
