-- followup-service: the follow-up log with its amendments, attachments,
-- next follow-up plans, cadence, reminders. Customers are read from the
-- `customers` table of customer-service (a shared read model in the same
-- schema); stage changes go through customer-service's API.

CREATE TABLE follow_ups (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id  BIGINT UNSIGNED NOT NULL,
  happened_at  DATETIME(6)     NOT NULL,
  logged_at    DATETIME(6)     NOT NULL,
  late         TINYINT         NOT NULL,
  follower_id  VARCHAR(64)     NOT NULL,
  logger_id    VARCHAR(64)     NOT NULL,
  channel      TINYINT         NOT NULL,
  scenario     VARCHAR(200)    NOT NULL,
  content      TEXT            NOT NULL,
  feedback     TEXT            NOT NULL,
  next_action  VARCHAR(1000)   NOT NULL,
  stage_after  TINYINT         NOT NULL,
  stage_event  VARCHAR(100)    NOT NULL,
  revision     INT             NOT NULL,
  KEY idx_customer_happened (customer_id, happened_at, id),
  KEY idx_follower_logged (follower_id, logged_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Corrections never overwrite silently: each amendment keeps before/after.
CREATE TABLE follow_up_amendments (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  follow_up_id BIGINT UNSIGNED NOT NULL,
  revision     INT             NOT NULL,
  amended_by   VARCHAR(64)     NOT NULL,
  amended_at   DATETIME(6)     NOT NULL,
  reason       VARCHAR(1000)   NOT NULL,
  changes      MEDIUMTEXT      NOT NULL,   -- JSON [{"field","before","after"}]
  UNIQUE KEY uq_revision (follow_up_id, revision)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The latest contact per customer, kept with each logged follow-up, so that
-- stalled lists need no scan of the whole log.
CREATE TABLE customer_activity (
  customer_id       BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  last_follow_up_at DATETIME(6)     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE follow_up_plans (
  customer_id  BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  plan_at      DATETIME(6)     NOT NULL,
  action       VARCHAR(1000)   NOT NULL,
  recommended  TINYINT         NOT NULL,
  planner_id   VARCHAR(64)     NOT NULL,
  updated_at   DATETIME(6)     NOT NULL,
  reminded     TINYINT         NOT NULL,   -- a reminder exists for this plan_at
  KEY idx_plan_at (plan_at),
  KEY idx_unreminded (reminded, plan_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE cadence_policies (
  team_id             VARCHAR(64) NOT NULL PRIMARY KEY,
  potential_days      INT         NOT NULL,
  intention_days      INT         NOT NULL,
  high_intention_days INT         NOT NULL,
  won_days            INT         NOT NULL,
  lost_days           INT         NOT NULL,
  stalled_factor      INT         NOT NULL,
  updated_by          VARCHAR(64) NOT NULL,
  updated_at          DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE customer_cadences (
  customer_id   BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  interval_days INT             NOT NULL,
  set_by        VARCHAR(64)     NOT NULL,
  updated_at    DATETIME(6)     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One reminder per plan that came due (any replica's scanner may create it;
-- the unique key keeps it single).
CREATE TABLE reminders (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  plan_at     DATETIME(6)     NOT NULL,
  action      VARCHAR(1000)   NOT NULL,
  due_at      DATETIME(6)     NOT NULL,
  created_at  DATETIME(6)     NOT NULL,
  UNIQUE KEY uq_plan (customer_id, plan_at),
  KEY idx_due (due_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Attachment bytes live in MySQL, split into chunks (base64 text: SOCI 4.0's
-- MySQL backend has no BLOB support), behind AttachmentStore.
CREATE TABLE attachments (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  follow_up_id BIGINT UNSIGNED NOT NULL,
  customer_id  BIGINT UNSIGNED NOT NULL,
  file_name    VARCHAR(255)    NOT NULL,
  content_type VARCHAR(127)    NOT NULL,
  size_bytes   BIGINT          NOT NULL,
  sha256       CHAR(64)        NOT NULL,
  uploader_id  VARCHAR(64)     NOT NULL,
  created_at   DATETIME(6)     NOT NULL,
  KEY idx_follow_up (follow_up_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE attachment_chunks (
  attachment_id BIGINT UNSIGNED NOT NULL,
  seq           INT             NOT NULL,
  data          MEDIUMTEXT      NOT NULL,
  PRIMARY KEY (attachment_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
