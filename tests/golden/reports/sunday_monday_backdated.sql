-- Applied to sunday_monday.sql after a first pass at 2024-03-20T04:00:00Z:
-- C6 is entered "now" (2024-03-21 03:00Z = Thu 11:00 team time, after that
-- pass) with a first contact five weeks earlier, Wed 2024-02-21 (W 02-19).
-- Expected rows after the next pass: sunday_monday_backdated.expected.
INSERT INTO customers (id, display_name, name_key, industry, source, contact_name_enc,
  contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc,
  email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description,
  company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at,
  created_by, created_at, updated_at, version) VALUES
(6, 'C6 Clinic', 'c6 clinic', 'healthcare', 'social_media', 'k1:x', '孙*', 'Director', NULL, NULL, NULL, NULL, NULL, NULL, 'k1:x', 'sun***', 
 '2024-02-21', 'CRM', '10-50', 'met at a fair in February, entered late', 'rep_c', 'team2', 1, '2024-03-21 03:00:00.000000', 0, NULL,
 'rep_c', '2024-03-21 03:00:00.000000', '2024-03-21 03:00:00.000000', 1);
INSERT INTO stage_events (id, customer_id, from_stage, to_stage, reason, loss_reason, loss_note,
  actor_id, owner_id, team_id, created_at) VALUES
(11, 6, NULL, 1, 'created', NULL, '', 'rep_c', 'rep_c', 'team2', '2024-03-21 03:00:00.000000');
INSERT INTO owner_events (id, customer_id, from_owner, to_owner, from_team, to_team, reason,
  actor_id, created_at) VALUES
(6, 6, NULL, 'rep_c', NULL, 'team2', 'created', 'rep_c', '2024-03-21 03:00:00.000000');
