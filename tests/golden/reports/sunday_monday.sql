-- Golden dataset "sunday_monday" (expected rows: sunday_monday.expected).
--
-- Team time zone Asia/Shanghai (UTC+8, no DST). Every instant below is UTC;
-- the comment gives the team-time reading. Weeks (team time) and their UTC
-- bounds:
--   W 2024-02-12  [2024-02-11 16:00, 2024-02-18 16:00)
--   W 2024-02-19  [2024-02-18 16:00, 2024-02-25 16:00)   <- no data at all
--   W 2024-02-26  [2024-02-25 16:00, 2024-03-03 16:00)
--   W 2024-03-04  [2024-03-03 16:00, 2024-03-10 16:00)
--   W 2024-03-11  [2024-03-10 16:00, 2024-03-17 16:00)
--   W 2024-03-18  [2024-03-17 16:00, 2024-03-24 16:00)   <- week of the pass
-- The pass runs at 2024-03-20T04:00:00Z (Wed 2024-03-20 12:00 team time).
--
-- Owners: rep_a, rep_b (team1), rep_c (team2).
--   C1 rep_a: first contact 2024-02-14; created Mon 03-04 09:00;
--        1->2 at Sun 03-10 23:30 (2024-03-10 15:30Z, week 03-04),
--        2->3 at Mon 03-11 00:00 (2024-03-10 16:00Z, week 03-11).
--   C2 rep_a: first contact Sun 2024-03-10; created Sun 03-10 23:30 (week 03-04).
--   C3 rep_b: first contact Mon 2024-03-11; created Mon 03-11 00:00 (week 03-11);
--        1->2 at Wed 03-13 10:00.
--   C4 rep_c: first contact 2024-03-04; created Tue 03-05 11:00;
--        1->5 (price_too_high) at Sun 03-17 23:59:59 (week 03-11).
--   C5 rep_b: first contact Fri 2024-03-01 (week 02-26); created Tue 03-05 10:00;
--        1->4 (first win) at Mon 03-18 00:00 (2024-03-17 16:00Z, week 03-18);
--        follow-ups at 03-06 02:00Z, 03-17 16:00:00Z (the instant of the win)
--        and 03-17 16:00:01Z (one second after it).
--   C1 also has a follow-up that left its stage unchanged (not a stage event).

INSERT INTO customers (id, display_name, name_key, industry, source, contact_name_enc,
  contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc,
  email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description,
  company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at,
  created_by, created_at, updated_at, version) VALUES
(1, 'C1 Retail Co', 'c1 retail co', 'retail', 'trade_show', 'k1:x', '张*', 'Buyer', 'k1:x', '138****0001', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-02-14', 'ERP', '10-50', '', 'rep_a', 'team1', 3, '2024-03-10 16:00:00.000000', 0, NULL,
 'rep_a', '2024-03-04 01:00:00.000000', '2024-03-10 16:00:00.000000', 1),
(2, 'C2 Shop', 'c2 shop', 'retail', 'website', 'k1:x', '李*', 'Owner', 'k1:x', '138****0002', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-10', 'Gifts', '1-10', '', 'rep_a', 'team1', 1, '2024-03-10 15:30:00.000000', 0, NULL,
 'rep_a', '2024-03-10 15:30:00.000000', '2024-03-10 15:30:00.000000', 1),
(3, 'C3 School', 'c3 school', 'education', 'website', 'k1:x', '王*', 'Principal', NULL, NULL, NULL, 'k1:x', 'w***@example.com', NULL, NULL, NULL,
 '2024-03-11', 'CRM', '50-200', '', 'rep_b', 'team1', 2, '2024-03-13 02:00:00.000000', 0, NULL,
 'rep_b', '2024-03-10 16:00:00.000000', '2024-03-13 02:00:00.000000', 1),
(4, 'C4 Net', 'c4 net', 'internet', 'referral', 'k1:x', '赵*', 'CTO', 'k1:x', '138****0004', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-04', 'Analytics', '200+', '', 'rep_c', 'team2', 5, '2024-03-17 15:59:59.000000', 0, NULL,
 'rep_c', '2024-03-05 03:00:00.000000', '2024-03-17 15:59:59.000000', 1),
(5, 'C5 Works', 'c5 works', 'manufacturing', 'cold_call', 'k1:x', '钱*', 'Manager', 'k1:x', '138****0005', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-01', 'ERP', '200+', '', 'rep_b', 'team1', 4, '2024-03-17 16:00:00.000000', 0, NULL,
 'rep_b', '2024-03-05 02:00:00.000000', '2024-03-17 16:00:00.000000', 1);

INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
  actor_id, owner_id, team_id, created_at) VALUES
(1, 1, NULL, 1, 'created', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-04 01:00:00.000000'),
(2, 2, NULL, 1, 'created', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-10 15:30:00.000000'),
(3, 3, NULL, 1, 'created', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-10 16:00:00.000000'),
(4, 4, NULL, 1, 'created', NULL, '', 'rep_c', 'rep_c', 'team2', '2024-03-05 03:00:00.000000'),
(5, 5, NULL, 1, 'created', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-05 02:00:00.000000'),
(6, 1, 1, 2, 'need confirmed', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-10 15:30:00.000000'),
(7, 1, 2, 3, 'accepted proposal', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-10 16:00:00.000000'),
(8, 3, 1, 2, 'need confirmed', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-13 02:00:00.000000'),
(9, 4, 1, 5, 'refused', 'price_too_high', 'too expensive', 'rep_c', 'rep_c', 'team2', '2024-03-17 15:59:59.000000'),
(10, 5, 1, 4, 'signed', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-17 16:00:00.000000');

INSERT INTO owner_events (id, customer_id, from_owner, to_owner, from_team, to_team, reason,
  actor_id, created_at) VALUES
(1, 1, NULL, 'rep_a', NULL, 'team1', 'created', 'rep_a', '2024-03-04 01:00:00.000000'),
(2, 2, NULL, 'rep_a', NULL, 'team1', 'created', 'rep_a', '2024-03-10 15:30:00.000000'),
(3, 3, NULL, 'rep_b', NULL, 'team1', 'created', 'rep_b', '2024-03-10 16:00:00.000000'),
(4, 4, NULL, 'rep_c', NULL, 'team2', 'created', 'rep_c', '2024-03-05 03:00:00.000000'),
(5, 5, NULL, 'rep_b', NULL, 'team1', 'created', 'rep_b', '2024-03-05 02:00:00.000000');

INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, logger_id,
  channel, scenario, content, feedback, next_action, stage_after, stage_event, revision) VALUES
(5, '2024-03-06 02:00:00.000000', '2024-03-06 02:00:00.000000', 0, 'rep_b', 'rep_b', 1, 'intro', 'call', 'ok', 'send quote', 1, '', 1),
(5, '2024-03-17 16:00:00.000000', '2024-03-17 16:00:00.000000', 0, 'rep_b', 'rep_b', 2, 'signing', 'visit', 'signed', '', 4, 'won', 1),
(5, '2024-03-17 16:00:01.000000', '2024-03-17 16:00:01.000000', 0, 'rep_b', 'rep_b', 1, 'thanks', 'call', 'ok', '', 4, '', 1),
(1, '2024-03-12 03:00:00.000000', '2024-03-12 03:00:00.000000', 0, 'rep_a', 'rep_a', 1, 'check-in', 'call', 'thinking', 'call again', 3, '', 1);
