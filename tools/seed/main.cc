// salesfollow-seed: loads the sample data (see sample_data.h).
#include <iostream>

#include "salesfollow/common/options.h"
#include "salesfollow/common/process.h"
#include "sample_data.h"

int main(int argc, char** argv) {
  using namespace salesfollow;
  Options options("salesfollow-seed");
  options.add({"customer-service", "127.0.0.1:50051", "address of customer-service"});
  options.add({"followup-service", "127.0.0.1:50052", "address of followup-service"});
  options.add({"token-secret", "", "shared token secret", true});
  options.add({"token-secret-file", "", "file holding the token secret"});
  options.add({"clock-file", "",
               "the test clock file the services run on: move it through the weeks of history "
               "(without it only the template rows are loaded, at the real time)"});
  options.add({"history-weeks", "12", "weeks of history to simulate"});
  options.add({"seed", "42", "random seed (the same seed gives the same data)"});
  try {
    if (!options.parse({argv + 1, argv + argc}, current_environment())) return kExitOk;
    seed::SeedSettings settings;
    settings.customer_service = options.text("customer-service");
    settings.followup_service = options.text("followup-service");
    settings.token_secret = options.secret("token-secret");
    if (settings.token_secret.size() < 32)
      options.add_problem("--token-secret must hold at least 32 bytes");
    if (!options.text("clock-file").empty()) settings.clock_file = options.text("clock-file");
    settings.history_weeks = static_cast<int>(options.integer("history-weeks", 1, 104));
    settings.seed = static_cast<unsigned>(options.integer("seed", 0, 1000000000));
    options.validate();
    seed::SampleData data(settings);
    data.load();
    return kExitOk;
  } catch (const ConfigError& e) {
    std::cerr << "salesfollow-seed: " << e.what() << "\n";
    return kExitBadConfig;
  } catch (const std::exception& e) {
    std::cerr << "salesfollow-seed: " << e.what() << "\n";
    return kExitFailure;
  }
}
