-- Golden dataset "month_transfer" (expected rows: month_transfer.expected).
--
-- A transfer in the middle of March, a transfer that happens on 1 April in
-- team time but still on 31 March in UTC, a reopen from lost to intention,
-- and a customer won twice. Team time Asia/Shanghai (UTC+8); instants UTC.
-- The pass runs at 2024-04-10T04:00:00Z (Wed 2024-04-10 12:00 team time).
-- Weeks (team time) and UTC bounds:
--   W 2024-02-26 [02-25 16:00, 03-03 16:00)   W 2024-03-25 [03-24 16:00, 03-31 16:00)
--   W 2024-03-04 [03-03 16:00, 03-10 16:00)   W 2024-04-01 [03-31 16:00, 04-07 16:00)
--   W 2024-03-11 [03-10 16:00, 03-17 16:00)   W 2024-04-08 [04-07 16:00, 04-14 16:00)
--   W 2024-03-18 [03-17 16:00, 03-24 16:00)
-- March ends at 2024-03-31 16:00Z, April at 2024-04-30 16:00Z.
--
-- D1 (finance, referral): first contact 2024-03-04, created 03-04 02:00 by
--    rep_a (team1); 1->2 03-06 02:00; 2->5 (need_mismatch) 03-12 02:00 while
--    owned by rep_a; transferred rep_a -> rep_c (team2) 03-15 02:00;
--    reopened 5->2 03-20 02:00 by rep_c.
-- D2 (manufacturing, trade_show): rep_b (team1); first contact 2024-03-01;
--    created 03-05 01:00; 1->3 03-07 01:00; 3->4 03-13 01:00 (first win);
--    4->3 03-21 01:00; 3->4 04-02 01:00 (second win: a transition only).
--    Follow-ups: 03-02 02:00 (logged late, 03-05), 03-10 02:00, 03-12 05:00
--    (logged 03-30, after the win, by rep_a), 03-13 01:00 (the instant of the
--    win), 03-25 02:00 (after the win).
-- D3 (retail, website): first contact 2024-03-18, created 03-18 03:00 by
--    rep_b (team1); transferred rep_b -> rep_a 2024-03-31 17:00Z
--    (= Mon 2024-04-01 01:00 team time: April, and W 04-01).

INSERT INTO customers (id, display_name, name_key, industry, source, contact_name_enc,
  contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc,
  email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description,
  company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at,
  created_by, created_at, updated_at, version) VALUES
(1, 'D1 Bank', 'd1 bank', 'finance', 'referral', 'k1:x', '周*', 'CIO', 'k1:x', '139****0001', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-04', 'Analytics', '200+', '', 'rep_c', 'team2', 2, '2024-03-20 02:00:00.000000', 0, NULL,
 'rep_a', '2024-03-04 02:00:00.000000', '2024-03-20 02:00:00.000000', 1),
(2, 'D2 Factory', 'd2 factory', 'manufacturing', 'trade_show', 'k1:x', '吴*', 'Purchasing', 'k1:x', '139****0002', NULL, NULL, NULL, NULL, NULL, NULL,
 '2024-03-01', 'ERP', '200+', '', 'rep_b', 'team1', 4, '2024-04-02 01:00:00.000000', 0, NULL,
 'rep_b', '2024-03-05 01:00:00.000000', '2024-04-02 01:00:00.000000', 1),
(3, 'D3 Store', 'd3 store', 'retail', 'website', 'k1:x', '郑*', 'Owner', NULL, NULL, NULL, 'k1:x', 'z***@example.com', NULL, NULL, NULL,
 '2024-03-18', 'Gifts', '1-10', '', 'rep_a', 'team1', 1, '2024-03-18 03:00:00.000000', 0, NULL,
 'rep_b', '2024-03-18 03:00:00.000000', '2024-03-31 17:00:00.000000', 1);

INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
  actor_id, owner_id, team_id, created_at) VALUES
(1, 1, NULL, 1, 'created', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-04 02:00:00.000000'),
(2, 1, 1, 2, 'need confirmed', NULL, '', 'rep_a', 'rep_a', 'team1', '2024-03-06 02:00:00.000000'),
(3, 1, 2, 5, 'not a fit', 'need_mismatch', 'wants on-premise only', 'rep_a', 'rep_a', 'team1', '2024-03-12 02:00:00.000000'),
(4, 1, 5, 2, 'new budget, reopened', NULL, '', 'rep_c', 'rep_c', 'team2', '2024-03-20 02:00:00.000000'),
(5, 2, NULL, 1, 'created', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-05 01:00:00.000000'),
(6, 2, 1, 3, 'accepted proposal', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-07 01:00:00.000000'),
(7, 2, 3, 4, 'signed', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-13 01:00:00.000000'),
(8, 2, 4, 3, 'contract withdrawn', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-21 01:00:00.000000'),
(9, 2, 3, 4, 'signed again', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-04-02 01:00:00.000000'),
(10, 3, NULL, 1, 'created', NULL, '', 'rep_b', 'rep_b', 'team1', '2024-03-18 03:00:00.000000');

INSERT INTO owner_events (id, customer_id, from_owner, to_owner, from_team, to_team, reason,
  actor_id, created_at) VALUES
(1, 1, NULL, 'rep_a', NULL, 'team1', 'created', 'rep_a', '2024-03-04 02:00:00.000000'),
(2, 2, NULL, 'rep_b', NULL, 'team1', 'created', 'rep_b', '2024-03-05 01:00:00.000000'),
(3, 1, 'rep_a', 'rep_c', 'team1', 'team2', 'territory change', 'mgr1', '2024-03-15 02:00:00.000000'),
(4, 3, NULL, 'rep_b', NULL, 'team1', 'created', 'rep_b', '2024-03-18 03:00:00.000000'),
(5, 3, 'rep_b', 'rep_a', 'team1', 'team1', 'rep_b on leave', 'mgr1', '2024-03-31 17:00:00.000000');

INSERT INTO follow_ups (customer_id, happened_at, logged_at, late, follower_id, logger_id,
  channel, scenario, content, feedback, next_action, stage_after, stage_event, revision) VALUES
(2, '2024-03-02 02:00:00.000000', '2024-03-05 01:30:00.000000', 1, 'rep_b', 'rep_b', 3, 'fair', 'met at the fair', 'interested', 'call', 1, '', 1),
(2, '2024-03-10 02:00:00.000000', '2024-03-10 02:00:00.000000', 0, 'rep_b', 'rep_b', 1, 'quote', 'call', 'ok', 'visit', 3, '', 1),
(2, '2024-03-12 05:00:00.000000', '2024-03-30 02:00:00.000000', 1, 'rep_a', 'rep_a', 2, 'demo', 'covered a demo', 'good', '', 3, '', 1),
(2, '2024-03-13 01:00:00.000000', '2024-03-13 01:00:00.000000', 0, 'rep_b', 'rep_b', 2, 'signing', 'visit', 'signed', '', 4, 'won', 1),
(2, '2024-03-25 02:00:00.000000', '2024-03-25 02:00:00.000000', 0, 'rep_b', 'rep_b', 1, 'problem', 'call', 'contract issue', '', 3, '', 1),
(1, '2024-03-08 02:00:00.000000', '2024-03-08 02:00:00.000000', 0, 'rep_a', 'rep_a', 1, 'check-in', 'call', 'thinking', '', 2, '', 1);
