-- Applied to sunday_monday.sql after a first pass at 2024-03-20T04:00:00Z:
-- C4 (rep_c) is soft-deleted at 2024-03-21 02:00Z (a duplicate entry).
-- Expected rows after the next pass: sunday_monday_deleted.expected.
UPDATE customers SET deleted = 1, deleted_at = '2024-03-21 02:00:00.000000',
  updated_at = '2024-03-21 02:00:00.000000', version = 2 WHERE id = 4;
