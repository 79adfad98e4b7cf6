-- Dataset for the ReportService tests (tests/integration/report_service_test.cc,
-- which holds the expected numbers and how each follows from REPORTS.md).
-- Team time Asia/Shanghai (UTC+8); instants UTC. The worker runs at
-- 2024-03-20T04:00:00Z. The reviewed week is W 2024-03-11 (2024-W11,
-- [2024-03-10 16:00Z, 2024-03-17 16:00Z)); the previous week W 2024-03-04
-- ([03-03 16:00Z, 03-10 16:00Z)).
--
-- Owners: rep_a, rep_b (team1), rep_c (team2).
--   E1 rep_a  first contact 03-01, created 03-01 02:00, 1->3 03-02 02:00, won 03-12 02:00
--   E2 rep_a  first contact 02-12, created 03-04 02:00, 1->3 03-05 02:00, won 03-13 02:00
--   E3 rep_b  first contact 03-08, created 03-08 02:00, 1->3 03-09 02:00, won 03-14 02:00
--   E4 rep_c  first contact 01-15, created 03-05 02:00, 1->3 03-06 02:00, won 03-15 02:00
--   E5 rep_b  first contact 03-04, created 03-04 03:00, lost (budget_cut) 03-11 03:00
--   E6 rep_c  first contact 03-11, created 03-11 04:00, lost (price_too_high) 03-16 04:00
--   E7 rep_a  first contact 03-12, created 03-12 05:00, stays potential
-- Follow-ups: E1 2 before its win and 1 after; E2 5 before; E3 1 before;
-- E4 only 1 after.

INSERT INTO customers (id, display_name, name_key, industry, source, contact_name_enc,
  contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc,
  email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description,
  company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at,
  created_by, created_at, updated_at, version) VALUES
(1, 'E1', 'e1', 'retail', 'referral', 'k1:x', 'A*', 'Buyer', 'k1:x', '137****0001', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-01', '', '10-50', '', 'rep_a', 'team1', 4, '2024-03-12 02:00:00.000000', 0, NULL, 'rep_a', '2024-03-01 02:00:00.000000', '2024-03-12 02:00:00.000000', 1),
(2, 'E2', 'e2', 'manufacturing', 'trade_show', 'k1:x', 'B*', 'Buyer', 'k1:x', '137****0002', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-02-12', '', '200+', '', 'rep_a', 'team1', 4, '2024-03-13 02:00:00.000000', 0, NULL, 'rep_a', '2024-03-04 02:00:00.000000', '2024-03-13 02:00:00.000000', 1),
(3, 'E3', 'e3', 'education', 'website', 'k1:x', 'C*', 'Buyer', 'k1:x', '137****0003', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-08', '', '50-200', '', 'rep_b', 'team1', 4, '2024-03-14 02:00:00.000000', 0, NULL, 'rep_b', '2024-03-08 02:00:00.000000', '2024-03-14 02:00:00.000000', 1),
(4, 'E4', 'e4', 'internet', 'cold_call', 'k1:x', 'D*', 'Buyer', 'k1:x', '137****0004', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-01-15', '', '200+', '', 'rep_c', 'team2', 4, '2024-03-15 02:00:00.000000', 0, NULL, 'rep_c', '2024-03-05 02:00:00.000000', '2024-03-15 02:00:00.000000', 1),
(5, 'E5', 'e5', 'finance', 'website', 'k1:x', 'E*', 'Buyer', 'k1:x', '137****0005', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-04', '', '10-50', '', 'rep_b', 'team1', 5, '2024-03-11 03:00:00.000000', 0, NULL, 'rep_b', '2024-03-04 03:00:00.000000', '2024-03-11 03:00:00.000000', 1),
(6, 'E6', 'e6', 'finance', 'cold_call', 'k1:x', 'F*', 'Buyer', 'k1:x', '137****0006', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-11', '', '10-50', '', 'rep_c', 'team2', 5, '2024-03-16 04:00:00.000000', 0, NULL, 'rep_c', '2024-03-11 04:00:00.000000', '2024-03-16 04:00:00.000000', 1),
(7, 'E7', 'e7', 'retail', 'website', 'k1:x', 'G*', 'Buyer', 'k1:x', '137****0007', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-12', '', '1-10', '', 'rep_a', 'team1', 1, '2024-03-12 05:00:00.000000', 0, NULL, 'rep_a', '2024-03-12 05:00:00.000000', '2024-03-12 05:00:00.000000', 1);

INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
  actor_id, owner_id, team_id, created_at) VALUES
(1, 1, NULL, 1, 'created', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-01 02:00:00.000000'),
(2, 2, NULL, 1, 'created', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-04 02:00:00.000000'),
(3, 3, NULL, 1, 'created', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-08 02:00:00.000000'),
(4, 4, NULL, 1, 'created', NULL, '', 'rep_c', 'rep_c', 'team2', '2024-03-05 02:00:00.000000'),
(5, 5, NULL, 1, 'created', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-04 03:00:00.000000'),
(6, 6, NULL, 1, 'created', NULL, '', 'rep_c', 'rep_c', 'team2', '2024-03-11 04:00:00.000000'),
(7, 7, NULL, 1, 'created', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-12 05:00:00.000000'),
(8, 1, 1, 3, 'proposal accepted', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-02 02:00:00.000000'),
(9, 2, 1, 3, 'proposal accepted', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-05 02:00:00.000000'),
(10, 3, 1, 3, 'proposal accepted', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-09 02:00:00.000000'),
(11, 4, 1, 3, 'proposal accepted', NULL, '', 'rep_c', 'rep_c', 'team2', '2024-03-06 02:00:00.000000'),
(12, 1, 3, 4, 'signed', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-12 02:00:00.000000'),
(13, 2, 3, 4, 'signed', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-13 02:00:00.000000'),
(14, 3, 3, 4, 'signed', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-14 02:00:00.000000'),
(15, 4, 3, 4, 'signed', NULL, '', 'rep_c', 'rep_c', 'team2', '2024-03-15 02:00:00.000000'),
(16, 5, 1, 5, 'no budget', 'budget_cut', '', 'rep_b', 'rep_b', 'team1', '2024-03-11 03:00:00.000000'),
(17, 6, 1, 5, 'too expensive', 'price_too_high', '', 'rep_c', 'rep_c', 'team2', '2024-03-16 04:00:00.000000');

INSERT INTO owner_events (id, customer_id, from_owner, to_owner, from_team, to_team, reason,
  actor_id, created_at) VALUES
(1, 1, NULL, 'rep_a', NULL, 'team1', 'created', 'rep_a', '2024-03-01 02:00:00.000000'),
(2, 2, NULL, 'rep_a', NULL, 'team1', 'created', 'rep_a', '2024-03-04 02:00:00.000000'),
(3, 3, NULL, 'rep_b', NULL, 'team1', 'created', 'rep_b', '2024-03-08 02:00:00.000000'),
(4, 4, NULL, 'rep_c', NULL, 'team2', 'created', 'rep_c', '2024-03-05 02:00:00.000000'),
(5, 5, NULL, 'rep_b', NULL, 'team1', 'created', 'rep_b', '2024-03-04 03:00:00.000000'),
(6, 6, NULL, 'rep_c', NULL, 'team2', 'created', 'rep_c', '2024-03-11 04:00:00.000000'),
(7, 7, NULL, 'rep_a', NULL, 'team1', 'created', 'rep_a', '2024-03-12 05:00:00.000000');

INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, logger_id,
  channel, scenario, content, feedback, next_action, stage_after, stage_event, revision) VALUES
(1, '2024-03-03 02:00:00.000000', '2024-03-03 02:00:00.000000', 0, 'rep_a', 'rep_a', 1, 's', 'c', 'f', '', 3, '', 1),
(1, '2024-03-10 02:00:00.000000', '2024-03-10 02:00:00.000000', 0, 'rep_a', 'rep_a', 1, 's', 'c', 'f', '', 3, '', 1),
(1, '2024-03-13 02:00:00.000000', '2024-03-13 02:00:00.000000', 0, 'rep_a', 'rep_a', 1, 's', 'c', 'f', '', 4, '', 1),
(2, '2024-03-05 06:00:00.000000', '2024-03-05 06:00:00.000000', 0, 'rep_a', 'rep_a', 1, 's', 'c', 'f', '', 3, '', 1),
(2, '2024-03-06 06:00:00.000000', '2024-03-06 06:00:00.000000', 0, 'rep_a', 'rep_a', 1, 's', 'c', 'f', '', 3, '', 1),
(2, '2024-03-07 06:00:00.000000', '2024-03-07 06:00:00.000000', 0, 'rep_a', 'rep_a', 1, 's', 'c', 'f', '', 3, '', 1),
(2, '2024-03-08 06:00:00.000000', '2024-03-08 06:00:00.000000', 0, 'rep_a', 'rep_a', 1, 's', 'c', 'f', '', 3, '', 1),
(2, '2024-03-09 06:00:00.000000', '2024-03-09 06:00:00.000000', 0, 'rep_a', 'rep_a', 1, 's', 'c', 'f', '', 3, '', 1),
(3, '2024-03-10 02:00:00.000000', '2024-03-10 02:00:00.000000', 0, 'rep_b', 'rep_b', 1, 's', 'c', 'f', '', 3, '', 1),
(4, '2024-03-16 02:00:00.000000', '2024-03-16 02:00:00.000000', 0, 'rep_c', 'rep_c', 1, 's', 'c', 'f', '', 4, '', 1);
