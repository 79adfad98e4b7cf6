-- Data for the services' load benchmark (bench/services/run.sh).
--
-- Set-based and deterministic. The caller sets @customers, @first and @last
-- (the slice of customer numbers to write: run.sh writes 100k per statement
-- so that no transaction gets huge) and runs it in a migrated, empty
-- `salesfollow` schema, once per slice. Every slice writes, for customers
-- @first..@last:
--   customers          Chinese company names (unique), contacts sealed-like,
--                      masked and blind-indexed as customer-service writes them;
--                      owners rep001..rep100 (id % 100) in team01..team10;
--                      created over the last 180 days; stages 40% potential,
--                      30% intention, 15% high intention, 8% won, 7% lost;
--                      1% soft-deleted
--   customer_need_tags 1-2 per customer
--   follow_up_plans    one per open customer, planned from 30 days ago to
--                      30 days ahead (so due lists have overdue rows)
-- Histories (stage/owner events, follow-ups) are not generated: no measured
-- scenario reads them (bench/reports/generate.sql writes them for reports).

CREATE TABLE IF NOT EXISTS bench_digits (d INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT IGNORE INTO bench_digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
CREATE TABLE IF NOT EXISTS bench_seq (n INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT IGNORE INTO bench_seq
  SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d
  FROM bench_digits a, bench_digits b, bench_digits c, bench_digits e, bench_digits f;  -- 1..100000

SET @now = UTC_TIMESTAMP(6);

INSERT INTO customers (id, display_name, name_key, industry, source, contact_name_enc,
  contact_name_masked, contact_title, phone_enc, phone_masked, phone_bidx, email_enc,
  email_masked, email_bidx, wechat_enc, wechat_masked, first_contact_date, need_description,
  company_size, notes, owner_id, team_id, stage, stage_changed_at, deleted, deleted_at,
  created_by, created_at, updated_at, version)
SELECT x.id,
  x.name, x.name,
  ELT(1 + CRC32(CONCAT('i', x.id)) % 7, 'manufacturing', 'retail', 'education', 'internet',
      'finance', 'healthcare', 'other'),
  ELT(1 + CRC32(CONCAT('s', x.id)) % 6, 'trade_show', 'referral', 'website', 'cold_call',
      'social_media', 'other'),
  CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT('name', x.id), 256)))),
  CONCAT(ELT(1 + x.id % 10, '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'), '*'),
  ELT(1 + x.id % 5, '采购经理', '总经理', 'IT主管', '行政主管', '财务总监'),
  IF(x.id % 10 < 7, CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT('phone', x.id), 256)))), NULL),
  IF(x.id % 10 < 7, CONCAT('138****', LPAD(x.id % 10000, 4, '0')), NULL),
  IF(x.id % 10 < 7, LEFT(MD5(CONCAT('phone', x.id)), 32), NULL),
  IF(x.id % 2 = 0, CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT('email', x.id), 256)))), NULL),
  IF(x.id % 2 = 0, CONCAT('c***', x.id % 1000, '@example.com'), NULL),
  IF(x.id % 2 = 0, LEFT(MD5(CONCAT('email', x.id)), 32), NULL),
  IF(x.id % 3 = 0, CONCAT('k1:', TO_BASE64(UNHEX(SHA2(CONCAT('wechat', x.id), 256)))), NULL),
  IF(x.id % 3 = 0, 'wx***', NULL),
  DATE(x.created_at) - INTERVAL (x.id % 20) DAY,
  ELT(1 + x.id % 5, '定制礼品（100件）', '采购ERP系统，预算50万', '需要数据分析工具，年底上线',
      'CRM系统替换旧系统', '咨询服务：流程优化'),
  ELT(1 + x.id % 4, '1-50', '50-100', '100-500', '500+'), '',
  CONCAT('rep', LPAD(1 + x.id % 100, 3, '0')),
  CONCAT('team', LPAD(1 + FLOOR((x.id % 100) / 10), 2, '0')),
  x.stage,
  x.created_at + INTERVAL (x.id % 7) DAY,
  IF(x.id % 100 = 37, 1, 0),
  IF(x.id % 100 = 37, @now - INTERVAL 1 DAY, NULL),
  CONCAT('rep', LPAD(1 + x.id % 100, 3, '0')),
  x.created_at, x.created_at + INTERVAL (x.id % 7) DAY, 1
FROM (
  SELECT s.n + @first - 1 AS id,
    CONCAT(ELT(1 + s.n % 12, '上海', '北京', '深圳', '广州', '杭州', '成都', '南京', '苏州',
               '武汉', '西安', '重庆', '天津'),
           ELT(1 + CRC32(CONCAT('w', s.n + @first)) % 12, '华信', '恒通', '新锐', '鼎盛', '博远',
               '天成', '金桥', '瑞丰', '宏达', '智联', '安泰', '中科'),
           ELT(1 + CRC32(CONCAT('t', s.n + @first)) % 8, '科技', '贸易', '制造', '教育咨询',
               '网络', '医疗器械', '投资管理', '文化传媒'),
           '有限公司', s.n + @first - 1) AS name,
    -- created over the last 180 days, in id order
    @now - INTERVAL 180 DAY + INTERVAL FLOOR((s.n + @first - 1) * (180 * 86400 - 3600) / @customers) SECOND
      AS created_at,
    CASE WHEN CRC32(CONCAT('g', s.n + @first)) % 100 < 40 THEN 1
         WHEN CRC32(CONCAT('g', s.n + @first)) % 100 < 70 THEN 2
         WHEN CRC32(CONCAT('g', s.n + @first)) % 100 < 85 THEN 3
         WHEN CRC32(CONCAT('g', s.n + @first)) % 100 < 93 THEN 4 ELSE 5 END AS stage
  FROM bench_seq s WHERE s.n <= @last - @first + 1
) x ORDER BY x.id;

INSERT INTO customer_need_tags (customer_id, tag)
SELECT id, ELT(1 + id % 5, 'erp_system', 'data_analysis_tool', 'custom_gifts', 'crm_system',
               'consulting')
FROM customers WHERE id BETWEEN @first AND @last;
INSERT INTO customer_need_tags (customer_id, tag)
SELECT id, ELT(1 + (id DIV 5) % 5, 'erp_system', 'data_analysis_tool', 'custom_gifts',
               'crm_system', 'consulting')
FROM customers WHERE id BETWEEN @first AND @last AND id % 3 = 0 AND (id DIV 5) % 5 <> id % 5;

INSERT INTO follow_up_plans (customer_id, owner_id, team_id, plan_at, action, recommended,
                             planner_id, updated_at, reminded)
SELECT id, owner_id, team_id, @now - INTERVAL 30 DAY + INTERVAL (CRC32(CONCAT('p', id)) % (60 * 86400)) SECOND,
       '电话回访，确认方案细节', 1, owner_id, @now, 0
FROM customers WHERE id BETWEEN @first AND @last AND stage IN (1, 2, 3) AND deleted = 0;
