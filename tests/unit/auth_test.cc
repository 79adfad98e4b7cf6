#include "salesfollow/common/auth.h"

#include <gtest/gtest.h>

#include "salesfollow/common/errors.h"
#include "salesfollow/common/page_token.h"

namespace salesfollow {
namespace {

const std::string kSecret(40, 's');

class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint now) : now_(now) {}
  TimePoint now() const override { return now_; }

 private:
  TimePoint now_;
};

const TimePoint kNow{std::chrono::seconds(1709251200)};

TokenClaims claims(Role role) {
  return {"rep_a", "小王", role, "team1", kNow + std::chrono::hours(1)};
}

grpc::StatusCode code_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const ServiceError& e) {
    return e.code();
  }
  return grpc::StatusCode::OK;
}

TEST(TokenTest, AcceptsASignedTokenAndReadsItsClaims) {
  const FixedClock clock(kNow);
  const TokenVerifier verifier(kSecret, clock);
  const Caller caller = verifier.verify(sign_token(claims(Role::manager), kSecret));
  EXPECT_EQ(caller.user_id, "rep_a");
  EXPECT_EQ(caller.display_name, "小王");
  EXPECT_EQ(caller.role, Role::manager);
  EXPECT_EQ(caller.team_id, "team1");
}

TEST(TokenTest, RefusesExpiredForgedAndMalformedTokens) {
  const FixedClock clock(kNow);
  const TokenVerifier verifier(kSecret, clock);
  auto expired = claims(Role::rep);
  expired.expires_at = kNow;
  EXPECT_EQ(code_of([&] { verifier.verify(sign_token(expired, kSecret)); }),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(code_of([&] { verifier.verify(sign_token(claims(Role::rep), std::string(40, 'x'))); }),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(code_of([&] { verifier.verify("not.a.token"); }), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(code_of([&] { verifier.verify(""); }), grpc::StatusCode::UNAUTHENTICATED);
  // alg "none" with the claims of an admin.
  const std::string unsigned_token =
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
      "eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIiwiZXhwIjo5OTk5OTk5OTk5fQ.";
  EXPECT_EQ(code_of([&] { verifier.verify(unsigned_token); }), grpc::StatusCode::UNAUTHENTICATED);
  auto no_team = claims(Role::rep);
  no_team.team_id.clear();
  EXPECT_EQ(code_of([&] { verifier.verify(sign_token(no_team, kSecret)); }),
            grpc::StatusCode::UNAUTHENTICATED);
}

// A clock the test moves.
class SteppedClock final : public Clock {
 public:
  explicit SteppedClock(TimePoint now) : now_(now) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint now) { now_ = now; }

 private:
  TimePoint now_;
};

TEST(TokenTest, ARememberedTokenStillExpiresByTheClock) {
  SteppedClock clock(kNow);
  const TokenVerifier verifier(kSecret, clock);
  auto short_lived = claims(Role::rep);
  short_lived.expires_at = kNow + std::chrono::minutes(5);
  const std::string token = sign_token(short_lived, kSecret);
  EXPECT_EQ(verifier.verify(token).user_id, "rep_a");
  EXPECT_EQ(verifier.verify(token).user_id, "rep_a") << "the second call is answered from memory";
  clock.set(kNow + std::chrono::minutes(5));
  EXPECT_EQ(code_of([&] { verifier.verify(token); }), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(TokenTest, ARefusedTokenIsRefusedAgainAndManyTokensStayCorrect) {
  const FixedClock clock(kNow);
  const TokenVerifier verifier(kSecret, clock);
  const std::string forged = sign_token(claims(Role::admin), std::string(40, 'x'));
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_EQ(code_of([&] { verifier.verify(forged); }), grpc::StatusCode::UNAUTHENTICATED);
  }
  // More distinct tokens than the cache keeps: each still maps to its own caller.
  for (std::size_t i = 0; i < TokenVerifier::kMaxCachedTokens + 10; ++i) {
    auto user = claims(Role::rep);
    user.user_id = "rep_" + std::to_string(i);
    EXPECT_EQ(verifier.verify(sign_token(user, kSecret)).user_id, user.user_id);
  }
  auto first = claims(Role::rep);
  first.user_id = "rep_0";
  EXPECT_EQ(verifier.verify(sign_token(first, kSecret)).user_id, "rep_0");
}

TEST(TokenTest, RefusesAShortSecret) {
  const FixedClock clock(kNow);
  EXPECT_THROW(TokenVerifier("short", clock), std::invalid_argument);
}

TEST(ScopeTest, RepsSeeTheirOwnManagersTheirTeamAdminsAll) {
  const Caller rep{"rep_a", "", Role::rep, "team1"};
  const Caller manager{"m1", "", Role::manager, "team1"};
  const Caller admin{"root", "", Role::admin, ""};
  EXPECT_TRUE(rep.can_access("rep_a", "team1"));
  EXPECT_FALSE(rep.can_access("rep_b", "team1"));
  EXPECT_TRUE(manager.can_access("rep_b", "team1"));
  EXPECT_FALSE(manager.can_access("rep_c", "team2"));
  EXPECT_TRUE(admin.can_access("rep_c", "team2"));
}

TEST(PageTokenTest, RoundTripsAndRefusesForgeriesAndOtherQueries) {
  const PageTokenCodec codec("page secret");
  const auto token = codec.encode({{"v", "2024-01-01"}, {"id", 7}}, "query A");
  EXPECT_EQ(codec.decode(token, "query A").at("id"), 7);
  EXPECT_EQ(code_of([&] { codec.decode(token, "query B"); }), grpc::StatusCode::INVALID_ARGUMENT);
  std::string altered = token;
  altered[2] = altered[2] == 'a' ? 'b' : 'a';
  EXPECT_EQ(code_of([&] { codec.decode(altered, "query A"); }), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(code_of([&] { codec.decode("garbage", "query A"); }),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(code_of([&] { PageTokenCodec("other").decode(token, "query A"); }),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(PageSizeTest, FollowsAip158) {
  EXPECT_EQ(checked_page_size(0, 50, 500), 50);
  EXPECT_EQ(checked_page_size(10, 50, 500), 10);
  EXPECT_EQ(checked_page_size(100000, 50, 500), 500);
  EXPECT_EQ(code_of([] { checked_page_size(-1, 50, 500); }), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace salesfollow
