// Who may do what: every CustomerService RPC for every kind of caller (owner,
// another rep of the team, the team's manager, another team's manager, admin,
// and callers without a valid token), lists and exports included.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "customer_fixture.h"

namespace salesfollow {
namespace {

using testing::count_rows;
using testing::customer_id;
using testing::CustomerServiceTest;
using testing::Identity;
using testing::kAdmin;
using testing::kManager1;
using testing::kManager2;
using testing::kRepA;
using testing::kRepB;
using testing::kRepC;
using testing::kServiceRole;
using testing::token_for;
using testing::valid_customer;

enum class Op { get, update, remove, undelete, change_stage, list_stage_events, transfer, reveal };

const std::vector<std::pair<Op, std::string>> kOps = {
    {Op::get, "GetCustomer"},
    {Op::update, "UpdateCustomer"},
    {Op::remove, "DeleteCustomer"},
    {Op::undelete, "UndeleteCustomer"},
    {Op::change_stage, "ChangeCustomerStage"},
    {Op::list_stage_events, "ListStageEvents"},
    {Op::transfer, "TransferCustomer"},
    {Op::reveal, "RevealContact"},
};

struct Caller {
  std::string label;
  std::string token;
  // Expected code per operation on a customer of rep_a (team1).
  std::map<Op, std::string> expected;
};

std::map<Op, std::string> all_ops(const std::string& code) {
  std::map<Op, std::string> expected;
  for (const auto& [op, name] : kOps) expected[op] = code;
  return expected;
}

std::vector<Caller> callers() {
  auto owner = all_ops("OK");
  owner[Op::transfer] = "PERMISSION_DENIED";  // managers and admins transfer
  return {
      {"rep_a (owner)", token_for(kRepA), owner},
      {"rep_b (same team, not owner)", token_for(kRepB), all_ops("PERMISSION_DENIED")},
      {"mgr_1 (manager of the owner's team)", token_for(kManager1), all_ops("OK")},
      {"mgr_2 (manager of another team)", token_for(kManager2), all_ops("PERMISSION_DENIED")},
      {"admin", token_for(kAdmin), all_ops("OK")},
      {"no token", "", all_ops("UNAUTHENTICATED")},
      {"expired token", token_for(kAdmin, std::chrono::seconds(-60)), all_ops("UNAUTHENTICATED")},
      {"signed with another secret",
       token_for(kAdmin, std::chrono::hours(1), "another-secret-that-is-long-enough-0123456789"),
       all_ops("UNAUTHENTICATED")},
      {"alg none", testing::unsigned_token(kAdmin), all_ops("UNAUTHENTICATED")},
      {"rep_b's token rewritten to admin", testing::tampered_token(kRepB, Role::admin),
       all_ops("UNAUTHENTICATED")},
      {"rep without a team", token_for(Identity{"rep_a", Role::rep, ""}),
       all_ops("UNAUTHENTICATED")},
      {"garbage", "not.a.jwt", all_ops("UNAUTHENTICATED")},
  };
}

class AccessMatrixTest : public CustomerServiceTest {
 protected:
  // A fresh customer of rep_a; soft-deleted already when `op` is undelete.
  v1::Customer target_for(Op op) {
    auto customer = create_ok(kRepA);
    if (op == Op::undelete && !customer.name().empty()) {
      const auto deleted = api().remove(token_for(kRepA), customer.name());
      EXPECT_TRUE(deleted.ok()) << deleted;
      customer = deleted.value;
    }
    return customer;
  }

  grpc::Status perform(Op op, const std::string& token, const std::string& name) {
    switch (op) {
      case Op::get:
        return api().get(token, name).status;
      case Op::update: {
        v1::Customer change;
        change.set_name(name);
        change.set_notes("matrix update");
        return api().update(token, change, {"notes"}).status;
      }
      case Op::remove:
        return api().remove(token, name).status;
      case Op::undelete:
        return api().undelete(token, name).status;
      case Op::change_stage:
        return api().change_stage(token, name, v1::STAGE_INTENTION, "matrix").status;
      case Op::list_stage_events:
        return api().list_stage_events(token, name).status;
      case Op::transfer:
        return api().transfer(token, name, "rep_b", "team1").status;
      case Op::reveal:
        return api().reveal(token, name, "matrix").status;
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, "test: unknown op");
  }
};

TEST_F(AccessMatrixTest, EveryRpcOnACustomerForEveryKindOfCaller) {
  for (const auto& caller : callers()) {
    for (const auto& [op, method] : kOps) {
      SCOPED_TRACE(method + " by " + caller.label);
      const auto target = target_for(op);
      ASSERT_FALSE(HasFailure());
      const auto status = perform(op, caller.token, target.name());
      const std::string& expected = caller.expected.at(op);
      EXPECT_EQ(testing::code_of(status), expected) << testing::describe(status);
      if (expected != "OK") {
        if (status.ok()) continue;
        if (expected == "PERMISSION_DENIED" || expected == "UNAUTHENTICATED") {
          EXPECT_EQ(testing::status_reason(status), expected) << testing::describe(status);
        }
        // Nothing happened.
        const auto after = api().get(token_for(kAdmin), target.name());
        ASSERT_TRUE(after.ok()) << after;
        EXPECT_EQ(after.value.etag(), target.etag()) << "a refused call changed the customer";
        EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM contact_reveals WHERE customer_id = " +
                                       std::to_string(customer_id(target.name()))),
                  0)
            << "a refused reveal was recorded";
      }
    }
  }
}

TEST_F(AccessMatrixTest, AMissingCustomerIsNotFoundOnlyForThoseWhoSeeEverything) {
  const std::string missing = "customers/876543210";
  for (const auto& [op, method] : kOps) {
    SCOPED_TRACE(method);
    EXPECT_EQ(testing::code_of(perform(op, token_for(kAdmin), missing)), "NOT_FOUND");
    if (op == Op::get || op == Op::list_stage_events) {
      EXPECT_EQ(testing::code_of(perform(op, token_for(kServiceRole), missing)), "NOT_FOUND");
    }
    EXPECT_EQ(testing::code_of(perform(op, token_for(kRepA), missing)), "PERMISSION_DENIED")
        << "a rep must not learn whether a customer exists";
    EXPECT_EQ(testing::code_of(perform(op, token_for(kManager1), missing)), "PERMISSION_DENIED");
    EXPECT_EQ(testing::code_of(perform(op, "", missing)), "UNAUTHENTICATED");
  }
}

TEST_F(AccessMatrixTest, TheServiceRoleReadsEveryCustomer) {
  const auto customer = create_ok(kRepC);
  ASSERT_FALSE(HasFailure());
  const auto got = api().get(token_for(kServiceRole), customer.name());
  EXPECT_TRUE(got.ok()) << got;
  const auto events = api().list_stage_events(token_for(kServiceRole), customer.name());
  EXPECT_TRUE(events.ok()) << events;
}

// What each caller's lists and exports hold, compared with the database.
TEST_F(AccessMatrixTest, ListsAndExportsHoldExactlyTheCallersScope) {
  const auto of_a = create_ok(kRepA);
  const auto of_b = create_ok(kRepB);
  const auto of_c = create_ok(kRepC);
  const auto deleted_of_a = create_ok(kRepA);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(api().remove(token_for(kRepA), deleted_of_a.name()).ok());

  struct Scope {
    Identity who;
    std::string sql_condition;  // the live customers the caller may see
    std::set<std::string> must_see;
    std::set<std::string> must_not_see;
  };
  const std::vector<Scope> scopes = {
      {kRepA, "owner_id = 'rep_a'", {of_a.name()}, {of_b.name(), of_c.name(), deleted_of_a.name()}},
      {kRepB, "owner_id = 'rep_b'", {of_b.name()}, {of_a.name(), of_c.name()}},
      {kRepC, "owner_id = 'rep_c'", {of_c.name()}, {of_a.name(), of_b.name()}},
      {kManager1,
       "team_id = 'team1'",
       {of_a.name(), of_b.name()},
       {of_c.name(), deleted_of_a.name()}},
      {kManager2, "team_id = 'team2'", {of_c.name()}, {of_a.name(), of_b.name()}},
      {kAdmin, "1 = 1", {of_a.name(), of_b.name(), of_c.name()}, {deleted_of_a.name()}},
      {kServiceRole, "1 = 1", {of_a.name(), of_b.name(), of_c.name()}, {deleted_of_a.name()}},
  };
  for (const auto& scope : scopes) {
    SCOPED_TRACE(scope.who.user_id);
    const auto listed = api().list_all(token_for(scope.who));
    ASSERT_TRUE(listed.ok()) << listed;
    const auto exported = api().export_all(token_for(scope.who));
    ASSERT_TRUE(exported.ok()) << exported;
    std::set<std::string> listed_names;
    std::set<std::string> exported_names;
    for (const auto& c : listed.value) {
      listed_names.insert(c.name());
      EXPECT_FALSE(c.deleted()) << c.name();
      if (scope.who.role == Role::rep) {
        EXPECT_EQ(c.owner_id(), scope.who.user_id) << c.name();
      }
      if (scope.who.role == Role::manager) {
        EXPECT_EQ(c.team_id(), scope.who.team_id) << c.name();
      }
    }
    for (const auto& c : exported.value) {
      exported_names.insert(c.name());
      if (scope.who.role == Role::rep) {
        EXPECT_EQ(c.owner_id(), scope.who.user_id) << c.name();
      }
      if (scope.who.role == Role::manager) {
        EXPECT_EQ(c.team_id(), scope.who.team_id) << c.name();
      }
    }
    for (const auto& name : scope.must_see) {
      EXPECT_EQ(listed_names.count(name), 1U) << "not listed: " << name;
      EXPECT_EQ(exported_names.count(name), 1U) << "not exported: " << name;
    }
    for (const auto& name : scope.must_not_see) {
      EXPECT_EQ(listed_names.count(name), 0U) << "listed: " << name;
      EXPECT_EQ(exported_names.count(name), 0U) << "exported: " << name;
    }
    const auto in_scope = count_rows(
        db(), "SELECT COUNT(*) FROM customers WHERE deleted = 0 AND " + scope.sql_condition);
    EXPECT_EQ(static_cast<long long>(listed.value.size()), in_scope) << "list count";
    EXPECT_EQ(listed_names.size(), listed.value.size()) << "a customer listed twice";
    EXPECT_EQ(static_cast<long long>(exported.value.size()), in_scope) << "export count";
    // A filter cannot widen the scope.
    const auto widened = api().list_all(token_for(scope.who), "owner_id = \"rep_c\"");
    ASSERT_TRUE(widened.ok()) << widened;
    for (const auto& c : widened.value) {
      if (scope.who.role == Role::rep) {
        EXPECT_EQ(c.owner_id(), scope.who.user_id);
      }
      if (scope.who.role == Role::manager) {
        EXPECT_EQ(c.team_id(), scope.who.team_id);
      }
    }
  }
}

TEST_F(AccessMatrixTest, CallersWithoutAValidTokenGetNothing) {
  for (const auto& caller : callers()) {
    if (caller.expected.at(Op::get) != "UNAUTHENTICATED") continue;
    SCOPED_TRACE(caller.label);
    const auto listed = api().list_all(caller.token);
    EXPECT_EQ(listed.code(), "UNAUTHENTICATED") << listed;
    EXPECT_TRUE(listed.value.empty());
    const auto exported = api().export_all(caller.token);
    EXPECT_EQ(exported.code(), "UNAUTHENTICATED") << exported;
    EXPECT_TRUE(exported.value.empty()) << exported.value.size() << " customers exported";
    const auto customer = valid_customer();
    const auto created = api().create(caller.token, customer);
    EXPECT_EQ(created.code(), "UNAUTHENTICATED") << created;
    EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE display_name = '" +
                                   customer.display_name() + "'"),
              0);
    v1::ImportCustomersRequest rows;
    *rows.add_customers() = valid_customer();
    const auto imported = api().import(caller.token, {rows});
    EXPECT_EQ(imported.code(), "UNAUTHENTICATED") << imported;
    EXPECT_EQ(count_rows(db(), "SELECT COUNT(*) FROM customers WHERE display_name = '" +
                                   rows.customers(0).display_name() + "'"),
              0);
  }
}

TEST_F(AccessMatrixTest, ARepImportsAndExportsOnlyTheirOwnCustomers) {
  const Identity rep = testing::unique_rep("imp_scope");
  v1::ImportCustomersRequest rows;
  *rows.add_customers() = valid_customer();
  *rows.add_customers() = valid_customer();
  const auto imported = api().import(token_for(rep), {rows});
  ASSERT_TRUE(imported.ok()) << imported;
  EXPECT_EQ(imported.value.created(), 2);
  const auto exported = api().export_all(token_for(rep));
  ASSERT_TRUE(exported.ok()) << exported;
  ASSERT_EQ(exported.value.size(), 2U);
  for (const auto& c : exported.value) {
    EXPECT_EQ(c.owner_id(), rep.user_id);
    EXPECT_EQ(c.team_id(), rep.team_id);
    EXPECT_EQ(c.creator_id(), rep.user_id);
  }
  EXPECT_TRUE(api().export_all(token_for(testing::unique_rep("other"))).value.empty());
}

}  // namespace
}  // namespace salesfollow
