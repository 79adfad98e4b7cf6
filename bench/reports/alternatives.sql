-- Evidence for docs/PERFORMANCE.md: three of the worker's statements
-- (report-worker/report_builder.cc, texts as the worker sends them for the
-- week 2024-06-24, the biggest of the benchmark) timed against a variant that
-- returns the same rows, on the benchmark data. Each line: what, seconds,
-- rows, a checksum of the rows (equal checksums = same result). Run by
-- run.sh after the sample; read-only.
--
--   losses, transitions  the worker's join order (the optimizer starts from
--                        all live customers and probes each one's events)
--                        vs STRAIGHT_JOIN (the week's events through
--                        idx_created, then their customers)
--   stage counts         for a period that ends after the last change (the
--                        current week: what every scheduled pass recomputes)
--                        the worker's window over all history vs the
--                        customers' current stage and owner

SET SESSION time_zone = '+00:00';

-- losses, as sent
SET @t = NOW(6);
SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', o, t, r, n))) INTO @rows, @chk FROM (
SELECT se.owner_id o, se.team_id t, COALESCE(se.loss_reason, 'other') r, COUNT(*) n FROM stage_events se JOIN customers c ON c.id = se.customer_id WHERE c.deleted = 0 AND se.to_stage = 5 AND se.from_stage IS NOT NULL AND se.created_at >= '2024-06-23 16:00:00.000000' AND se.created_at < '2024-06-30 16:00:00.000000' GROUP BY 1, 2, 3
) x;
SELECT 'losses (worker)', TIMESTAMPDIFF(MICROSECOND, @t, NOW(6)) / 1e6, @rows, @chk;

-- losses, the week's events first
SET @t = NOW(6);
SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', o, t, r, n))) INTO @rows, @chk FROM (
SELECT se.owner_id o, se.team_id t, COALESCE(se.loss_reason, 'other') r, COUNT(*) n FROM stage_events se STRAIGHT_JOIN customers c ON c.id = se.customer_id WHERE c.deleted = 0 AND se.to_stage = 5 AND se.from_stage IS NOT NULL AND se.created_at >= '2024-06-23 16:00:00.000000' AND se.created_at < '2024-06-30 16:00:00.000000' GROUP BY 1, 2, 3
) x;
SELECT 'losses (STRAIGHT_JOIN)', TIMESTAMPDIFF(MICROSECOND, @t, NOW(6)) / 1e6, @rows, @chk;

-- transitions, as sent
SET @t = NOW(6);
SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', i, cu, o, t, f, tt, a, p))) INTO @rows, @chk FROM (
SELECT se.id i, se.customer_id cu, se.owner_id o, se.team_id t, se.from_stage f, se.to_stage tt, CAST(UNIX_TIMESTAMP(se.created_at) * 1000000 AS SIGNED) a, (SELECT CAST(UNIX_TIMESTAMP(p.created_at) * 1000000 AS SIGNED) FROM stage_events p WHERE p.customer_id = se.customer_id AND (p.created_at < se.created_at OR (p.created_at = se.created_at AND p.id < se.id)) ORDER BY p.created_at DESC, p.id DESC LIMIT 1) p FROM stage_events se JOIN customers c ON c.id = se.customer_id WHERE c.deleted = 0 AND se.from_stage IS NOT NULL AND se.created_at >= '2024-06-23 16:00:00.000000' AND se.created_at < '2024-06-30 16:00:00.000000'
) x;
SELECT 'transitions (worker)', TIMESTAMPDIFF(MICROSECOND, @t, NOW(6)) / 1e6, @rows, @chk;

-- transitions, the week's events first
SET @t = NOW(6);
SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', i, cu, o, t, f, tt, a, p))) INTO @rows, @chk FROM (
SELECT se.id i, se.customer_id cu, se.owner_id o, se.team_id t, se.from_stage f, se.to_stage tt, CAST(UNIX_TIMESTAMP(se.created_at) * 1000000 AS SIGNED) a, (SELECT CAST(UNIX_TIMESTAMP(p.created_at) * 1000000 AS SIGNED) FROM stage_events p WHERE p.customer_id = se.customer_id AND (p.created_at < se.created_at OR (p.created_at = se.created_at AND p.id < se.id)) ORDER BY p.created_at DESC, p.id DESC LIMIT 1) p FROM stage_events se STRAIGHT_JOIN customers c ON c.id = se.customer_id WHERE c.deleted = 0 AND se.from_stage IS NOT NULL AND se.created_at >= '2024-06-23 16:00:00.000000' AND se.created_at < '2024-06-30 16:00:00.000000'
) x;
SELECT 'transitions (STRAIGHT_JOIN)', TIMESTAMPDIFF(MICROSECOND, @t, NOW(6)) / 1e6, @rows, @chk;

-- stage counts at the end of the current week (2024-07-07 16:00 UTC, after every change), as sent
SET @t = NOW(6);
SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', o, t, s, n))) INTO @rows, @chk FROM (
SELECT lo.to_owner o, lo.to_team t, ls.to_stage s, COUNT(*) n FROM customers c JOIN (SELECT customer_id, to_stage FROM (SELECT customer_id, to_stage, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY created_at DESC, id DESC) AS rn FROM stage_events WHERE created_at < '2024-07-07 16:00:00.000000') ranked WHERE rn = 1) ls ON ls.customer_id = c.id JOIN (SELECT customer_id, to_owner, to_team FROM (SELECT customer_id, to_owner, to_team, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY created_at DESC, id DESC) AS rn FROM owner_events WHERE created_at < '2024-07-07 16:00:00.000000') ranked WHERE rn = 1) lo ON lo.customer_id = c.id WHERE c.deleted = 0 AND c.created_at < '2024-07-07 16:00:00.000000' GROUP BY lo.to_owner, lo.to_team, ls.to_stage
) x;
SELECT 'current-week stage counts (worker)', TIMESTAMPDIFF(MICROSECOND, @t, NOW(6)) / 1e6, @rows, @chk;

-- the same from the customers' current stage and owner
SET @t = NOW(6);
SELECT COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', o, t, s, n))) INTO @rows, @chk FROM (
SELECT owner_id o, team_id t, stage s, COUNT(*) n FROM customers WHERE deleted = 0 AND created_at < '2024-07-07 16:00:00.000000' GROUP BY owner_id, team_id, stage
) x;
SELECT 'current-week stage counts (customers table)', TIMESTAMPDIFF(MICROSECOND, @t, NOW(6)) / 1e6, @rows, @chk;
