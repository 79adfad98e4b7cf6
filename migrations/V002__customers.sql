-- customer-service: dictionaries, talk tracks, customers with protected
-- contacts, stage and owner history, contact-reveal audit, idempotency keys.
--
-- Every time column is written by the services from their clock (UTC); no
-- column defaults to NOW(). Contact values are never stored in clear: *_enc
-- hold "key_id:base64(AES-256-GCM)", *_masked the masked form shown on reads,
-- *_bidx a keyed HMAC ("blind index") for duplicate detection.

CREATE TABLE dictionary_entries (
  kind        VARCHAR(32)   NOT NULL,   -- industry | source | need_tag | loss_reason
  code        VARCHAR(64)   NOT NULL,
  label       VARCHAR(200)  NOT NULL,
  description VARCHAR(1000) NOT NULL,
  sort_order  INT           NOT NULL,
  retired_at  DATETIME(6)   NULL,
  created_at  DATETIME(6)   NOT NULL,
  updated_at  DATETIME(6)   NOT NULL,
  PRIMARY KEY (kind, code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO dictionary_entries (kind, code, label, description, sort_order, created_at, updated_at) VALUES
  ('industry', 'manufacturing', '制造业', 'Manufacturing', 10, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('industry', 'retail', '零售', 'Retail, including individual buyers', 20, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('industry', 'education', '教育', 'Education', 30, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('industry', 'internet', '互联网', 'Internet', 40, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('industry', 'finance', '金融', 'Finance', 50, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('industry', 'healthcare', '医疗', 'Healthcare', 60, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('industry', 'other', '其他', 'Other', 990, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('source', 'trade_show', '展会', 'Trade show', 10, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('source', 'referral', '转介绍', 'Referral', 20, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('source', 'website', '官网', 'Website', 30, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('source', 'cold_call', '电话开发', 'Cold call', 40, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('source', 'social_media', '社交媒体', 'Social media', 50, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('source', 'other', '其他', 'Other', 990, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('need_tag', 'erp_system', '采购ERP系统', 'Buying an ERP system', 10, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('need_tag', 'data_analysis_tool', '数据分析工具', 'Data-analysis tool', 20, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('need_tag', 'custom_gifts', '定制礼品', 'Custom gifts', 30, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('need_tag', 'crm_system', 'CRM系统', 'CRM system', 40, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('need_tag', 'consulting', '咨询服务', 'Consulting', 50, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('loss_reason', 'price_too_high', '价格过高', 'Price too high', 10, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('loss_reason', 'need_mismatch', '需求不匹配', 'Need mismatch', 20, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('loss_reason', 'chose_competitor', '选择竞品', 'Chose a competitor', 30, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('loss_reason', 'no_response', '无回应', 'No response', 40, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('loss_reason', 'budget_cut', '预算削减', 'Budget cut', 50, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  ('loss_reason', 'other', '其他', 'Other', 990, '2024-01-01 00:00:00', '2024-01-01 00:00:00');

CREATE TABLE talk_tracks (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  question    VARCHAR(2000) NOT NULL,
  answer      TEXT          NOT NULL,
  author_id   VARCHAR(64)   NOT NULL,
  retired_at  DATETIME(6)   NULL,
  created_at  DATETIME(6)   NOT NULL,
  updated_at  DATETIME(6)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE talk_track_tags (
  talk_track_id BIGINT UNSIGNED NOT NULL,
  tag           VARCHAR(64)     NOT NULL,
  PRIMARY KEY (talk_track_id, tag),
  KEY idx_tag (tag, talk_track_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE customers (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  display_name        VARCHAR(200)  NOT NULL,
  name_key            VARCHAR(200)  NOT NULL,   -- normalized display name, for dedup
  industry            VARCHAR(64)   NOT NULL,
  source              VARCHAR(64)   NOT NULL,
  contact_name_enc    VARCHAR(600)  NOT NULL,
  contact_name_masked VARCHAR(100)  NOT NULL,
  contact_title       VARCHAR(100)  NOT NULL,
  phone_enc           VARCHAR(300)  NULL,
  phone_masked        VARCHAR(64)   NULL,
  phone_bidx          CHAR(32)      NULL,
  email_enc           VARCHAR(800)  NULL,
  email_masked        VARCHAR(320)  NULL,
  email_bidx          CHAR(32)      NULL,
  wechat_enc          VARCHAR(300)  NULL,
  wechat_masked       VARCHAR(100)  NULL,
  first_contact_date  DATE          NOT NULL,
  need_description    VARCHAR(2000) NOT NULL,
  company_size        VARCHAR(50)   NOT NULL,
  notes               TEXT          NOT NULL,
  owner_id            VARCHAR(64)   NOT NULL,
  team_id             VARCHAR(64)   NOT NULL,
  stage               TINYINT       NOT NULL,
  stage_changed_at    DATETIME(6)   NOT NULL,
  deleted             TINYINT       NOT NULL,
  deleted_at          DATETIME(6)   NULL,
  created_by          VARCHAR(64)   NOT NULL,
  created_at          DATETIME(6)   NOT NULL,
  updated_at          DATETIME(6)   NOT NULL,
  version             INT UNSIGNED  NOT NULL,
  -- List pages are keyset scans of one of these (see docs/CUSTOMER_SERVICE.md).
  KEY idx_live_created (deleted, created_at, id),
  KEY idx_owner_created (owner_id, deleted, created_at, id),
  KEY idx_team_created (team_id, deleted, created_at, id),
  KEY idx_stage_created (stage, deleted, created_at, id),
  KEY idx_first_contact (deleted, first_contact_date, id),
  KEY idx_display_name (deleted, display_name, id),
  KEY idx_name_key (name_key),
  KEY idx_phone_bidx (phone_bidx),
  KEY idx_email_bidx (email_bidx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE customer_need_tags (
  customer_id BIGINT UNSIGNED NOT NULL,
  tag         VARCHAR(64)     NOT NULL,
  PRIMARY KEY (customer_id, tag),
  KEY idx_tag_customer (tag, customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The stage history; creation is the first event (from_stage NULL).
CREATE TABLE stage_events (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  from_stage  TINYINT         NULL,
  to_stage    TINYINT         NOT NULL,
  reason      VARCHAR(1000)   NOT NULL,
  loss_reason VARCHAR(64)     NULL,
  loss_note   VARCHAR(1000)   NOT NULL,
  actor_id    VARCHAR(64)     NOT NULL,
  owner_id    VARCHAR(64)     NOT NULL,
  team_id     VARCHAR(64)     NOT NULL,
  created_at  DATETIME(6)     NOT NULL,
  KEY idx_customer (customer_id, id),
  KEY idx_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The owner history; creation is the first event (from_owner NULL).
CREATE TABLE owner_events (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  from_owner  VARCHAR(64)     NULL,
  to_owner    VARCHAR(64)     NOT NULL,
  from_team   VARCHAR(64)     NULL,
  to_team     VARCHAR(64)     NOT NULL,
  reason      VARCHAR(1000)   NOT NULL,
  actor_id    VARCHAR(64)     NOT NULL,
  created_at  DATETIME(6)     NOT NULL,
  KEY idx_customer (customer_id, id),
  KEY idx_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every clear-text reveal of a contact: who, when, which customer, why.
CREATE TABLE contact_reveals (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT UNSIGNED NOT NULL,
  actor_id    VARCHAR(64)     NOT NULL,
  actor_role  VARCHAR(16)     NOT NULL,
  purpose     VARCHAR(500)    NOT NULL,
  created_at  DATETIME(6)     NOT NULL,
  KEY idx_customer (customer_id, id),
  KEY idx_actor (actor_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Answers of idempotent requests (request_id), stored with the write itself.
CREATE TABLE idempotency_keys (
  method       VARCHAR(64)  NOT NULL,
  request_id   VARCHAR(128) NOT NULL,
  request_hash CHAR(64)     NOT NULL,
  caller_id    VARCHAR(64)  NOT NULL,
  response     MEDIUMTEXT   NOT NULL,   -- base64 of the serialized answer
  created_at   DATETIME(6)  NOT NULL,
  PRIMARY KEY (method, request_id),
  KEY idx_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
