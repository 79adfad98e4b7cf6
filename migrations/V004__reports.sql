-- report-worker: summary tables of the weekly review and the monthly
-- distribution (definitions: docs/REPORTS.md), the worker's bookkeeping and
-- its run history. Weeks are named by their Monday and months by their first
-- day, both in the team's time zone.

CREATE TABLE report_weekly_new_customers (
  week_start DATE        NOT NULL,
  owner_id   VARCHAR(64) NOT NULL,   -- owner at creation
  team_id    VARCHAR(64) NOT NULL,
  source     VARCHAR(64) NOT NULL,
  industry   VARCHAR(64) NOT NULL,
  customers  INT         NOT NULL,
  PRIMARY KEY (week_start, owner_id, source, industry)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Stage counts at the end of the week: one row per stage for all customers
-- (owner_id = '') and one per stage for each owner (owner at the end of the
-- week). share = customers / existing (NULL when nothing exists); change_pp
-- = (share - previous week's share) * 100 (NULL without a previous share).
CREATE TABLE report_weekly_stages (
  week_start DATE        NOT NULL,
  owner_id   VARCHAR(64) NOT NULL,
  team_id    VARCHAR(64) NOT NULL,
  stage      TINYINT     NOT NULL,
  customers  INT         NOT NULL,
  existing   INT         NOT NULL,
  share      DOUBLE      NULL,
  change_pp  DOUBLE      NULL,
  PRIMARY KEY (week_start, owner_id, stage)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE report_weekly_losses (
  week_start  DATE        NOT NULL,
  owner_id    VARCHAR(64) NOT NULL,   -- owner at the time of the event
  team_id     VARCHAR(64) NOT NULL,
  loss_reason VARCHAR(64) NOT NULL,
  losses      INT         NOT NULL,
  PRIMARY KEY (week_start, owner_id, loss_reason)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per customer whose first win falls in the week (rows, so that
-- medians can be recomputed for any scope).
CREATE TABLE report_weekly_wins (
  week_start  DATE            NOT NULL,
  customer_id BIGINT UNSIGNED NOT NULL,
  owner_id    VARCHAR(64)     NOT NULL,
  team_id     VARCHAR(64)     NOT NULL,
  cycle_days  INT             NOT NULL,
  follow_ups  INT             NOT NULL,
  PRIMARY KEY (week_start, customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per stage change recorded in the week (not creations).
CREATE TABLE report_weekly_transitions (
  week_start       DATE            NOT NULL,
  stage_event_id   BIGINT UNSIGNED NOT NULL,
  customer_id      BIGINT UNSIGNED NOT NULL,
  owner_id         VARCHAR(64)     NOT NULL,
  team_id          VARCHAR(64)     NOT NULL,
  from_stage       TINYINT         NOT NULL,
  to_stage         TINYINT         NOT NULL,
  seconds_in_stage BIGINT          NOT NULL,
  PRIMARY KEY (week_start, stage_event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE report_monthly_distribution (
  month_start DATE        NOT NULL,
  owner_id    VARCHAR(64) NOT NULL,   -- owner at the end of the month
  team_id     VARCHAR(64) NOT NULL,
  stage       TINYINT     NOT NULL,
  customers   INT         NOT NULL,
  PRIMARY KEY (month_start, owner_id, stage)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- When each period was last recomputed (written with the period's rows).
CREATE TABLE report_periods (
  kind         VARCHAR(8)  NOT NULL,   -- week | month
  period_start DATE        NOT NULL,
  computed_at  DATETIME(6) NOT NULL,
  rows_written INT         NOT NULL,
  PRIMARY KEY (kind, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The worker's watermark: changes up to `changes_until` (product time) are
-- reflected in the summary tables; `current_week` and `current_month` detect
-- the week and month closing.
CREATE TABLE report_state (
  id            TINYINT     NOT NULL PRIMARY KEY,
  changes_until DATETIME(6) NULL,
  current_week  DATE        NULL,
  current_month DATE        NULL,
  updated_at    DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What the worker last saw of each customer, to find the old first-contact
-- week after an edit and to notice soft deletes and undeletes.
CREATE TABLE report_customer_snapshot (
  customer_id        BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  first_contact_date DATE            NOT NULL,
  deleted            TINYINT         NOT NULL,
  created_at         DATETIME(6)     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE report_runs (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  started_at         DATETIME(6)     NOT NULL,
  finished_at        DATETIME(6)     NULL,
  run_trigger        VARCHAR(16)     NOT NULL,
  periods_recomputed INT             NOT NULL,
  rows_written       BIGINT          NOT NULL,
  error              VARCHAR(2000)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Change detection reads recently changed rows only.
ALTER TABLE customers ADD KEY idx_updated (updated_at);
ALTER TABLE stage_events ADD KEY idx_customer_time (customer_id, created_at, id);
ALTER TABLE owner_events ADD KEY idx_customer_time (customer_id, created_at, id);
ALTER TABLE follow_ups ADD KEY idx_logged (logged_at);
ALTER TABLE follow_up_amendments ADD KEY idx_amended (amended_at);
