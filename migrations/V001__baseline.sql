-- Baseline: the database's defaults are utf8mb4, so every table created
-- later without an explicit charset still stores Chinese text exactly.
-- utf8mb4_unicode_ci exists on MariaDB 10.11 and MySQL 8 alike.
ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
