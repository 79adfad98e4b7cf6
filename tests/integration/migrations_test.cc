// The migrator against a real MariaDB: apply, no-op, edited and removed files,
// schema too old, failed files, concurrent migrators, utf8mb4.
#include "salesfollow/common/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "child_process.h"
#include "mariadb_server.h"

namespace salesfollow {
namespace {

using testing::fresh_database;
using ::testing::HasSubstr;

class MigratorTest : public ::testing::Test {
 protected:
  int count(const std::string& query) {
    auto lease = pool_.acquire();
    int n = 0;
    lease.session() << query, soci::into(n);
    return n;
  }
  std::vector<int> apply(const std::vector<Migration>& migrations) {
    auto lease = pool_.acquire();
    Migrator migrator(lease.session(), clock_, "migrations_test");
    return migrator.apply(migrations);
  }

  DbConfig db_ = fresh_database("migrate");
  ConnectionPool pool_{db_, nullptr};
  SystemClock clock_;
};

const Migration kCreateA{1, "create_a", "CREATE TABLE a (id INT PRIMARY KEY);\n"};
const Migration kCreateB{2, "create_b",
                         "CREATE TABLE b (id INT PRIMARY KEY);\nINSERT INTO b VALUES (1);\n"};
const Migration kCreateC{3, "create_c", "CREATE TABLE c (id INT PRIMARY KEY);\n"};

TEST_F(MigratorTest, EmbeddedMigrationsApplyOnEmptyDatabaseThenAreANoOp) {
  const auto& migrations = embedded_migrations();
  const auto first = apply(migrations);
  ASSERT_EQ(first.size(), migrations.size());
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), static_cast<int>(migrations.size()));

  auto lease = pool_.acquire();
  std::string before;
  lease.session() << "SELECT GROUP_CONCAT(CONCAT(version, checksum, applied_at) ORDER BY version) "
                     "FROM schema_migrations",
      soci::into(before);
  EXPECT_TRUE(apply(migrations).empty());
  std::string after;
  lease.session() << "SELECT GROUP_CONCAT(CONCAT(version, checksum, applied_at) ORDER BY version) "
                     "FROM schema_migrations",
      soci::into(after);
  EXPECT_EQ(before, after);

  std::string checksum;
  lease.session() << "SELECT checksum FROM schema_migrations WHERE version = 1",
      soci::into(checksum);
  EXPECT_EQ(checksum, migrations.front().checksum());
}

TEST_F(MigratorTest, AppliesOnlyTheNewOnesInOrder) {
  EXPECT_THAT(apply({kCreateA}), ::testing::ElementsAre(1));
  EXPECT_THAT(apply({kCreateA, kCreateB, kCreateC}), ::testing::ElementsAre(2, 3));
  EXPECT_EQ(count("SELECT COUNT(*) FROM b"), 1);
}

TEST_F(MigratorTest, RefusesAnEditedAppliedMigrationAndAppliesNothing) {
  apply({kCreateA});
  Migration edited = kCreateA;
  edited.sql = "CREATE TABLE a (id BIGINT PRIMARY KEY);\n";
  try {
    apply({edited, kCreateB});
    FAIL() << "expected MigrationError";
  } catch (const MigrationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("V001__create_a was edited after it was applied"));
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                  "AND table_name = 'b'"),
            0);
}

TEST_F(MigratorTest, RefusesWhenAnAppliedFileWasRemoved) {
  apply({kCreateA, kCreateB});
  EXPECT_THROW(apply({kCreateB, kCreateC}), MigrationError);
}

TEST_F(MigratorTest, VerifyRefusesAnOlderSchemaAndAcceptsANewerOne) {
  apply({kCreateA, kCreateB});
  auto lease = pool_.acquire();
  Migrator migrator(lease.session(), clock_, "customer-service");
  try {
    migrator.verify({kCreateA, kCreateB, kCreateC}, 3);
    FAIL() << "expected MigrationError";
  } catch (const MigrationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("schema is at version 2 but customer-service needs at least "
                                    "version 3"));
  }
  // A binary of an older release may run on a newer schema (rolling upgrade).
  EXPECT_NO_THROW(migrator.verify({kCreateA}, 1));
}

TEST_F(MigratorTest, AFailedMigrationIsNotRecordedAndCanBeFixed) {
  const Migration broken{1, "broken", "CREATE TABLE x (id INT);\nSELEC oops;\n"};
  EXPECT_THROW(apply({broken}), MigrationError);
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), 0);
  const Migration fixed{1, "broken", "CREATE TABLE IF NOT EXISTS x (id INT);\n"};
  EXPECT_THAT(apply({fixed}), ::testing::ElementsAre(1));
}

TEST_F(MigratorTest, ConcurrentMigratorsApplyEachFileOnce) {
  const Migration counter{1, "counter",
                          "CREATE TABLE runs (n INT);\nINSERT INTO runs VALUES (1);\n"};
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      try {
        apply({counter, kCreateB});
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM runs"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM schema_migrations"), 2);
}

TEST_F(MigratorTest, ChineseAndEmojiRoundTripAfterBaseline) {
  apply(embedded_migrations());
  auto lease = pool_.acquire();
  auto& sql = lease.session();
  sql << "CREATE TABLE notes (body VARCHAR(100) NOT NULL)";
  const std::string text = "科技有限公司 张*女士 定制礼品（100件）🎁";
  sql << "INSERT INTO notes VALUES (:body)", soci::use(text);
  std::string back;
  sql << "SELECT body FROM notes", soci::into(back);
  EXPECT_EQ(back, text);
}

TEST(MigrateToolTest, AppliesAndReportsStatus) {
  const auto db = fresh_database("migrate_tool");
  const std::vector<std::string> args = {"--db-password=" + db.password};
  std::string output;
  ASSERT_EQ(testing::run_service_to_exit(MIGRATE_BIN, db, {}, output), 0) << output;
  EXPECT_THAT(output, HasSubstr("migration_applied"));
  ASSERT_EQ(testing::run_service_to_exit(MIGRATE_BIN, db, {"--status"}, output), 0) << output;
  EXPECT_THAT(output, HasSubstr("V001__baseline"));
  EXPECT_THAT(output, HasSubstr("applied"));
  EXPECT_THAT(output, ::testing::Not(HasSubstr("pending")));
}

}  // namespace
}  // namespace salesfollow
