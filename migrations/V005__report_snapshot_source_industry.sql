-- The new-customer rows of a week depend on each customer's source and
-- industry too: the report worker's snapshot keeps them, so that a pass
-- recomputes a past week's new customers only when one of the values it
-- counts by actually changed (docs/REPORTS.md, "What a pass recomputes").
ALTER TABLE report_customer_snapshot
  ADD COLUMN source   VARCHAR(64) NOT NULL DEFAULT '',
  ADD COLUMN industry VARCHAR(64) NOT NULL DEFAULT '';

UPDATE report_customer_snapshot s JOIN customers c ON c.id = s.customer_id
SET s.source = c.source, s.industry = c.industry;
