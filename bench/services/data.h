// Realistic test data (Chinese names and companies, the dictionaries'
// codes), the bench context (addresses, tokens of several reps, the data set
// the scenarios work on) and a thin libmariadb connection used by the floors.
#pragma once

#include <mysql.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace salesfollow::bench {

// A plain libmariadb connection (text protocol, like SOCI's MySQL backend).
class RawDb {
 public:
  struct Settings {
    std::string host = "127.0.0.1";
    unsigned port = 3306;
    std::string user = "salesfollow";
    std::string password;
    std::string database = "salesfollow";
  };
  explicit RawDb(const Settings& settings);
  ~RawDb();
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql);                       // throws with the server's message
  std::vector<std::vector<std::string>> rows(const std::string& sql);  // NULL -> ""
  std::string one(const std::string& sql);                 // first column of the first row
  std::string quote(const std::string& value);             // 'escaped'
  std::uint64_t last_insert_id();
  std::uint64_t affected_rows();

 private:
  MYSQL* conn_;
};

struct Rep {
  std::string user;   // rep001
  std::string team;   // team01
  std::string token;  // bearer token
  std::vector<std::uint64_t> customers;  // some of the rep's live customers
  std::vector<int> stages;                // their stages (1..3)
};

struct Context {
  std::string customer_address;  // host:port
  std::string followup_address;
  std::string noop_address;
  RawDb::Settings db;
  std::vector<Rep> reps;          // client i works as reps[i % reps.size()]
  std::string nonce;              // makes names, phones and request ids of this run unique
  std::uint64_t max_customer_id = 0;
};

// Deterministic per-client generator of realistic customer profiles.
class DataGen {
 public:
  explicit DataGen(std::uint64_t seed) : rng_(seed) {}
  std::string person_name();        // 李伟
  std::string company_name(const std::string& unique);  // 上海华信科技有限公司 + unique suffix
  std::string phone(std::uint64_t unique);              // 139xxxxxxxx from a unique number
  std::string industry();
  std::string source();
  std::vector<std::string> need_tags();  // 1..2 distinct, sorted
  std::string title();
  std::string need_description();
  std::string follow_up_content();
  std::string pick(const std::vector<std::string>& from);
  int uniform(int lo, int hi);  // inclusive
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

extern const std::vector<std::string> kIndustries;
extern const std::vector<std::string> kSources;
extern const std::vector<std::string> kNeedTags;

// Runs the set-up queries: the reps' customer ids and stages, the max id.
void load_data_set(Context& context, std::size_t per_rep);

}  // namespace salesfollow::bench
