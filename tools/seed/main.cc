// salesfollow-seed: loads the sample data through the public gRPC API: the
// two customers of the brief's template and their follow-ups (which move
// their stages through customer-service). Safe to run twice: request ids
// make every write idempotent.
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "salesfollow/common/auth.h"
#include "salesfollow/common/options.h"
#include "salesfollow/common/process.h"
#include "salesfollow/common/grpc_util.h"
#include "salesfollow/v1/customer.grpc.pb.h"
#include "salesfollow/v1/followup.grpc.pb.h"

namespace {

using namespace salesfollow;

struct Seeder {
  std::unique_ptr<v1::CustomerService::Stub> customers;
  std::unique_ptr<v1::FollowUpService::Stub> followups;
  std::string rep_token;
  std::string manager_token;

  void authorize(grpc::ClientContext& context, const std::string& token) const {
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  std::string create(const v1::Customer& profile, const std::string& request_id,
                     const std::string& token) const {
    grpc::ClientContext context;
    authorize(context, token);
    v1::CreateCustomerRequest request;
    *request.mutable_customer() = profile;
    request.set_request_id(request_id);
    v1::Customer created;
    const auto status = customers->CreateCustomer(&context, request, &created);
    if (!status.ok()) throw std::runtime_error("CreateCustomer: " + status.error_message());
    std::cout << "  " << created.name() << "  " << created.display_name() << "  "
              << created.contact().name() << " " << created.contact().phone() << "\n";
    return created.name();
  }

  struct Contact {
    std::string happened, next;  // RFC 3339
    v1::Channel channel;
    std::string scenario, content, feedback, next_action;
    v1::Stage stage;
    std::string reason;
  };

  void follow_up(const std::string& customer, const Contact& c, const std::string& request_id,
                 const std::string& token) const {
    grpc::ClientContext context;
    authorize(context, token);
    v1::LogFollowUpRequest request;
    auto* f = request.mutable_follow_up();
    f->set_customer(customer);
    *f->mutable_happen_time() = to_timestamp(*parse_rfc3339(c.happened));
    f->set_channel(c.channel);
    f->set_scenario(c.scenario);
    f->set_content(c.content);
    f->set_feedback(c.feedback);
    f->set_next_action(c.next_action);
    request.mutable_stage_change()->set_stage(c.stage);
    request.mutable_stage_change()->set_reason(c.reason);
    *request.mutable_next_plan()->mutable_plan_time() = to_timestamp(*parse_rfc3339(c.next));
    request.mutable_next_plan()->set_action(c.next_action);
    request.set_request_id(request_id);
    v1::LogFollowUpResponse response;
    const auto status = followups->LogFollowUp(&context, request, &response);
    if (!status.ok()) throw std::runtime_error("LogFollowUp: " + status.error_message());
    std::cout << "  " << response.follow_up().name() << "  " << customer << "  "
              << v1::Stage_Name(response.follow_up().stage_after()) << "  next "
              << c.next << (response.follow_up().late() ? "  (late entry)" : "") << "\n";
  }
};

v1::Customer profile(const std::string& name, const std::string& industry,
                     const std::string& contact, const std::string& title,
                     const std::string& phone, const std::string& source,
                     const std::string& first_contact, const std::string& tag,
                     const std::string& need, const std::string& size, const std::string& owner) {
  v1::Customer c;
  c.set_display_name(name);
  c.set_industry(industry);
  c.mutable_contact()->set_name(contact);
  c.mutable_contact()->set_title(title);
  c.mutable_contact()->set_phone(phone);
  c.set_source(source);
  c.set_first_contact_date(first_contact);
  c.add_need_tags(tag);
  c.set_need_description(need);
  c.set_company_size(size);
  c.set_owner_id(owner);
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  Options options("salesfollow-seed");
  options.add({"customer-service", "127.0.0.1:50051", "address of customer-service"});
  options.add({"followup-service", "127.0.0.1:50052", "address of followup-service"});
  options.add({"token-secret", "", "shared token secret", true});
  options.add({"token-secret-file", "", "file holding the token secret"});
  try {
    if (!options.parse({argv + 1, argv + argc}, current_environment())) return kExitOk;
    const std::string secret = options.secret("token-secret");
    if (secret.size() < 32) options.add_problem("--token-secret must hold at least 32 bytes");
    options.validate();
    const auto expiry = SystemClock().now() + std::chrono::hours(1);
    Seeder seeder{v1::CustomerService::NewStub(grpc::CreateChannel(
                      options.text("customer-service"), grpc::InsecureChannelCredentials())),
                  v1::FollowUpService::NewStub(grpc::CreateChannel(
                      options.text("followup-service"), grpc::InsecureChannelCredentials())),
                  sign_token({"xiaowang", "小王", Role::rep, "team1", expiry}, secret),
                  sign_token({"manager1", "经理", Role::manager, "team1", expiry}, secret)};
    std::cout << "sample customers (contacts are shown masked):\n";
    const auto tech = seeder.create(
        profile("科技有限公司", "internet", "李四", "采购经理", "13912346789", "trade_show",
                "2024-02-20", "data_analysis_tool", "数据分析工具", "50-100", "xiaowang"),
        "seed-customer-1", seeder.rep_token);
    const auto gifts = seeder.create(
        profile("张*女士", "retail", "张女士", "店主", "13712343456", "referral", "2024-03-01",
                "custom_gifts", "定制礼品（100件）", "", "manager1"),
        "seed-customer-2", seeder.manager_token);
    std::cout << "sample follow-ups:\n";
    seeder.follow_up(tech,
                     {"2024-02-22T10:00:00+08:00", "2024-02-28T10:00:00+08:00", v1::PHONE,
                      "电话沟通需求细节", "介绍核心功能，客户关注数据实时性和多维度报表",
                      "有兴趣，希望看案例", "3天内发送3个同行业案例", v1::STAGE_INTENTION,
                      "客户确认需求并希望看同行业案例"},
                     "seed-followup-1", seeder.rep_token);
    seeder.follow_up(gifts,
                     {"2024-03-02T15:00:00+08:00", "2024-03-05T10:00:00+08:00", v1::MEETING,
                      "面谈定制需求", "定制礼品需求：预算8000元内，3月底交付",
                      "方案基本认可，需调整logo颜色", "3天内修改方案并报价",
                      v1::STAGE_HIGH_INTENTION, "方案基本认可，进入报价（已提供logo模板）"},
                     "seed-followup-2", seeder.manager_token);
    return kExitOk;
  } catch (const ConfigError& e) {
    std::cerr << "salesfollow-seed: " << e.what() << "\n";
    return kExitBadConfig;
  } catch (const std::exception& e) {
    std::cerr << "salesfollow-seed: " << e.what() << "\n";
    return kExitFailure;
  }
}
