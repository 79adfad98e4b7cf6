#include "sample_data.h"

#include <date/date.h>
#include <fmt/format.h>

#include <iostream>
#include <sstream>
#include <thread>

#include "salesfollow/common/grpc_util.h"

namespace salesfollow::seed {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// Generous: the generator also runs on loaded CI machines and sanitizer builds.
constexpr auto kCallDeadline = std::chrono::seconds(30);
constexpr int kAttempts = 5;

// Calls `rpc(context)` with the bearer token and a deadline. A lock conflict
// (ABORTED, "retry the request") is retried with a fresh context: the writes
// carry request ids, and an aborted one wrote nothing, so no retry writes twice.
template <typename Rpc>
grpc::Status call_with_retry(const std::string& token, Rpc rpc) {
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    const grpc::Status status = rpc(context);
    if (status.error_code() != grpc::StatusCode::ABORTED || attempt == kAttempts) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
  }
}

const std::vector<SampleUser> kUsers = {
    {"xiaowang", "小王", Role::rep, "team1"},     {"xiaoli", "小李", Role::rep, "team1"},
    {"manager1", "经理", Role::manager, "team1"}, {"xiaozhang", "小张", Role::rep, "team2"},
    {"xiaozhao", "小赵", Role::rep, "team2"},     {"manager2", "二组经理", Role::manager, "team2"},
    {"admin", "管理员", Role::admin, ""}};

const std::vector<std::string> kCities = {"上海", "北京", "深圳", "杭州",
                                          "成都", "苏州", "武汉", "南京"};
const std::vector<std::pair<std::string, std::string>> kCompanyKinds = {
    {"科技有限公司", "internet"},       {"制造有限公司", "manufacturing"},
    {"教育科技有限公司", "education"},  {"商贸有限公司", "retail"},
    {"医疗器械有限公司", "healthcare"}, {"金融信息服务有限公司", "finance"}};
const std::vector<std::string> kWords = {"华创", "远景", "启明", "鼎盛", "新程",
                                         "恒通", "博雅", "宏图", "瑞丰", "天成"};
const std::vector<std::string> kSurnames = {"李", "王", "张", "刘", "陈",
                                            "杨", "赵", "黄", "周", "吴"};
const std::vector<std::string> kGivenNames = {"伟", "芳", "娜", "敏", "静",
                                              "强", "磊", "洋", "艳", "杰"};
const std::vector<std::string> kTitles = {"采购经理", "总经理", "IT负责人", "行政主管", "财务总监"};
const std::vector<std::string> kSources = {"trade_show", "referral", "website", "cold_call",
                                           "social_media"};
const std::vector<std::string> kTags = {"erp_system", "data_analysis_tool", "custom_gifts",
                                        "crm_system", "consulting"};
const std::vector<std::string> kLossReasons = {"price_too_high", "need_mismatch",
                                               "chose_competitor", "no_response", "budget_cut"};

struct Touch {
  v1::Channel channel;
  std::string scenario, content, feedback, next_action;
};
const std::vector<Touch> kTouches = {
    {v1::PHONE, "电话沟通需求细节", "介绍核心功能，客户关注数据实时性", "有兴趣，希望看案例",
     "3天内发送同行业案例"},
    {v1::MEETING, "上门拜访", "演示产品并了解预算", "方案基本认可，需调整细节", "修改方案并报价"},
    {v1::EMAIL, "邮件发送方案", "发送方案与报价单", "已收到，内部讨论中", "下周电话跟进"},
    {v1::WECHAT, "微信答疑", "解答关于交付周期的问题", "暂缓，下个月再说", "月初再联系"},
    {v1::OTHER, "展会复访", "展会后回访，确认联系人", "需求不明确", "两周后再跟进"}};

}  // namespace

SampleData::SampleData(SeedSettings settings)
    : settings_(std::move(settings)),
      customers_(v1::CustomerService::NewStub(
          grpc::CreateChannel(settings_.customer_service, grpc::InsecureChannelCredentials()))),
      dictionaries_(v1::DictionaryService::NewStub(
          grpc::CreateChannel(settings_.customer_service, grpc::InsecureChannelCredentials()))),
      followups_(v1::FollowUpService::NewStub(
          grpc::CreateChannel(settings_.followup_service, grpc::InsecureChannelCredentials()))),
      users_(kUsers),
      random_(settings_.seed),
      now_(SystemClock().now()) {
  // Tokens outlive the simulated weeks and the real day after them.
  const TimePoint expiry = SystemClock().now() + hours(24 * 2);
  for (const auto& user : users_) {
    tokens_[user.id] =
        sign_token({user.id, user.name, user.role, user.team, expiry}, settings_.token_secret);
  }
}

void SampleData::set_clock(TimePoint t) {
  now_ = t;
  if (settings_.clock_file) write_clock_file(*settings_.clock_file, t);
}

std::string SampleData::token_of(const std::string& user_id) const { return tokens_.at(user_id); }

std::string SampleData::create_customer(const v1::Customer& profile, const std::string& token,
                                        const std::string& request_id) {
  v1::CreateCustomerRequest request;
  *request.mutable_customer() = profile;
  request.set_request_id(request_id);
  v1::Customer created;
  const auto status = call_with_retry(token, [&](grpc::ClientContext& c) {
    return customers_->CreateCustomer(&c, request, &created);
  });
  if (!status.ok())
    throw std::runtime_error("CreateCustomer " + profile.display_name() + ": " +
                             status.error_message());
  ++writes_;
  return created.name();
}

v1::LogFollowUpResponse SampleData::log_follow_up(const v1::LogFollowUpRequest& request,
                                                  const std::string& token) {
  v1::LogFollowUpResponse response;
  const auto status = call_with_retry(token, [&](grpc::ClientContext& c) {
    return followups_->LogFollowUp(&c, request, &response);
  });
  if (!status.ok()) throw std::runtime_error("LogFollowUp: " + status.error_message());
  ++writes_;
  return response;
}

v1::Customer SampleData::random_profile(const SampleUser& owner, const std::string& first_contact) {
  const auto pick = [&](const auto& list) -> const auto& {
    return list[std::uniform_int_distribution<std::size_t>(0, list.size() - 1)(random_)];
  };
  ++serial_;
  // Walk the city x word x kind space in a scrambled order: names stay unique
  // (duplicates are refused by design) and look varied.
  const std::size_t space = kCities.size() * kWords.size() * kCompanyKinds.size();
  const std::size_t index = (static_cast<std::size_t>(serial_) * 7919U) % space;
  const auto& kind = kCompanyKinds[index % kCompanyKinds.size()];
  const auto& word = kWords[(index / kCompanyKinds.size()) % kWords.size()];
  const auto& city = kCities[index / (kCompanyKinds.size() * kWords.size())];
  v1::Customer c;
  c.set_display_name(
      fmt::format("{}{}{}", city, word, kind.first) +
      (static_cast<std::size_t>(serial_) >= space ? fmt::format("（{}）", serial_) : ""));
  c.set_industry(kind.second);
  c.set_source(pick(kSources));
  c.mutable_contact()->set_name(pick(kSurnames) + pick(kGivenNames));
  c.mutable_contact()->set_title(pick(kTitles));
  c.mutable_contact()->set_phone(fmt::format("1380{:07}", 1000000 + serial_ * 37));
  if (serial_ % 3 == 0)
    c.mutable_contact()->set_email(fmt::format("contact{}@example.com", serial_));
  c.set_first_contact_date(first_contact);
  c.add_need_tags(pick(kTags));
  c.set_company_size(serial_ % 2 == 0 ? "50-100" : "100-500");
  c.set_owner_id(owner.id);
  return c;
}

void SampleData::load_template() {
  // The brief's template rows, entered at the start of the history.
  v1::Customer tech;
  tech.set_display_name("科技有限公司");
  tech.set_industry("internet");
  tech.mutable_contact()->set_name("李四");
  tech.mutable_contact()->set_title("采购经理");
  tech.mutable_contact()->set_phone("13912346789");
  tech.set_source("trade_show");
  tech.set_first_contact_date("2024-02-20");
  tech.add_need_tags("data_analysis_tool");
  tech.set_need_description("数据分析工具");
  tech.set_company_size("50-100");
  tech.set_owner_id("xiaowang");
  const auto tech_name = create_customer(tech, token_of("xiaowang"), "seed-customer-1");
  v1::Customer gifts;
  gifts.set_display_name("张*女士");
  gifts.set_industry("retail");
  gifts.mutable_contact()->set_name("张女士");
  gifts.mutable_contact()->set_title("店主");
  gifts.mutable_contact()->set_phone("13712343456");
  gifts.set_source("referral");
  gifts.set_first_contact_date("2024-03-01");
  gifts.add_need_tags("custom_gifts");
  gifts.set_need_description("定制礼品（100件）");
  gifts.set_owner_id("manager1");
  const auto gifts_name = create_customer(gifts, token_of("manager1"), "seed-customer-2");

  const auto template_follow_up =
      [&](const std::string& customer, const char* happened, const char* next, v1::Channel channel,
          const char* scenario, const char* content, const char* feedback, const char* action,
          v1::Stage stage, const char* reason, const std::string& user, const char* id) {
        v1::LogFollowUpRequest request;
        auto* f = request.mutable_follow_up();
        f->set_customer(customer);
        *f->mutable_happen_time() = to_timestamp(*parse_rfc3339(happened));
        f->set_channel(channel);
        f->set_scenario(scenario);
        f->set_content(content);
        f->set_feedback(feedback);
        f->set_next_action(action);
        request.mutable_stage_change()->set_stage(stage);
        request.mutable_stage_change()->set_reason(reason);
        *request.mutable_next_plan()->mutable_plan_time() = to_timestamp(*parse_rfc3339(next));
        request.mutable_next_plan()->set_action(action);
        request.set_request_id(id);
        log_follow_up(request, token_of(user));
      };
  template_follow_up(tech_name, "2024-02-22T10:00:00+08:00", "2024-02-28T10:00:00+08:00", v1::PHONE,
                     "电话沟通需求细节", "介绍核心功能，客户关注数据实时性和多维度报表",
                     "有兴趣，希望看案例", "3天内发送3个同行业案例", v1::STAGE_INTENTION,
                     "客户确认需求并希望看同行业案例", "xiaowang", "seed-followup-1");
  template_follow_up(gifts_name, "2024-03-02T15:00:00+08:00", "2024-03-05T10:00:00+08:00",
                     v1::MEETING, "面谈定制需求", "定制礼品需求：预算8000元内，3月底交付",
                     "方案基本认可，需调整logo颜色", "3天内修改方案并报价",
                     v1::STAGE_HIGH_INTENTION, "方案基本认可，进入报价（已提供logo模板）",
                     "manager1", "seed-followup-2");
}

void SampleData::simulate_day(TimePoint day_start, int day_number) {
  std::uniform_int_distribution<int> percent(0, 99);
  std::uniform_int_distribution<int> minute_step(5, 40);
  TimePoint at = day_start;
  const auto tick = [&] {
    at += minutes(minute_step(random_));
    set_clock(at);
  };
  const std::string today = calendar_.local_date(day_start);
  for (const auto& rep : users_) {
    if (rep.role != Role::rep) continue;
    // New customers: most first contacted today, some a few days ago (entered late).
    const int new_customers = percent(random_) < 60 ? 1 : (percent(random_) < 30 ? 2 : 0);
    for (int i = 0; i < new_customers; ++i) {
      tick();
      const bool back_dated = percent(random_) < 15;
      const std::string first_contact =
          back_dated ? calendar_.local_date(at - hours(24 * 3)) : today;
      const auto profile = random_profile(rep, first_contact);
      const auto name = create_customer(profile, token_of(rep.id),
                                        fmt::format("seed-{}-{}-{}", day_number, rep.id, i));
      book_.push_back({name, rep.id, v1::STAGE_POTENTIAL, first_contact});
    }
    // Follow-ups on a few open customers of this rep.
    for (auto& customer : book_) {
      if (customer.owner != rep.id || customer.stage == v1::STAGE_WON ||
          customer.stage == v1::STAGE_LOST)
        continue;
      // High-intention customers are followed every other day (the brief's
      // cadence); the others about once a week.
      const int follow_chance = customer.stage == v1::STAGE_HIGH_INTENTION ? 50 : 25;
      if (percent(random_) >= follow_chance) continue;
      tick();
      const auto& touch =
          kTouches[std::uniform_int_distribution<std::size_t>(0, kTouches.size() - 1)(random_)];
      v1::LogFollowUpRequest request;
      auto* f = request.mutable_follow_up();
      f->set_customer(customer.name);
      // One in ten is logged late: it happened two days before.
      const bool late = percent(random_) < 10;
      TimePoint happened = late ? at - hours(48) : at - minutes(30);
      const TimePoint first_contact_start = calendar_.start_of_day(customer.first_contact);
      if (happened < first_contact_start) happened = first_contact_start + hours(10);
      if (happened > at) happened = at;
      *f->mutable_happen_time() = to_timestamp(happened);
      f->set_channel(touch.channel);
      f->set_scenario(touch.scenario);
      f->set_content(touch.content);
      f->set_feedback(touch.feedback);
      f->set_next_action(touch.next_action);
      const int roll = percent(random_);
      std::optional<v1::Stage> next;
      if (roll < 5) {
        next = v1::STAGE_LOST;
      } else if (roll < (customer.stage == v1::STAGE_HIGH_INTENTION ? 45 : 35)) {
        // Price talks close more often than first calls progress.
        next = static_cast<v1::Stage>(customer.stage + 1);
      }
      if (next) {
        auto* change = request.mutable_stage_change();
        change->set_stage(*next);
        if (*next == v1::STAGE_LOST) {
          change->set_reason("客户明确拒绝");
          change->set_loss_reason(kLossReasons[std::uniform_int_distribution<std::size_t>(
              0, kLossReasons.size() - 1)(random_)]);
        } else if (*next == v1::STAGE_WON) {
          change->set_reason("合同签订，首款到账");
        } else {
          change->set_reason(*next == v1::STAGE_INTENTION ? "需求明确，索要报价"
                                                          : "认可方案，洽谈付款方式");
        }
      }
      request.set_request_id(fmt::format("seed-fu-{}-{}-{}", day_number, customer.name,
                                         at.time_since_epoch().count()));
      const auto logged = log_follow_up(request, token_of(rep.id));
      customer.stage = logged.follow_up().stage_after();
      // Now and then a rep corrects a record the next minute: the amendment
      // keeps the original readable.
      if (percent(random_) < 8) {
        tick();
        amend_follow_up(logged.follow_up().name(), touch.feedback + "（补充：客户希望下周看演示）",
                        token_of(rep.id));
      }
    }
  }
  // Once a week a manager of each team hands a customer to the other rep.
  const auto hand_over = [&](const char* manager, const char* from, const char* to,
                             const char* reason) {
    for (auto& customer : book_) {
      if (customer.owner != from || customer.stage == v1::STAGE_LOST) continue;
      tick();
      v1::TransferCustomerRequest request;
      request.set_name(customer.name);
      request.set_new_owner_id(to);
      request.set_reason(reason);
      request.set_request_id(fmt::format("seed-transfer-{}", customer.name));
      v1::Customer moved;
      if (call_with_retry(token_of(manager), [&](grpc::ClientContext& c) {
            return customers_->TransferCustomer(&c, request, &moved);
          }).ok()) {
        customer.owner = to;
        ++writes_;
      }
      break;
    }
  };
  if (day_number % 5 == 2)
    hand_over("manager1", "xiaoli", "xiaowang", "小李休假，客户交由小王跟进");
  if (day_number % 10 == 6)
    hand_over("manager2", "xiaozhao", "xiaozhang", "区域调整，客户交由小张跟进");
}

void SampleData::amend_follow_up(const std::string& follow_up, const std::string& feedback,
                                 const std::string& token) {
  {
    // A re-run replays the logged follow-up (same request id) but would
    // amend it a second time: amend only an untouched record.
    v1::GetFollowUpRequest get;
    get.set_name(follow_up);
    v1::FollowUp current;
    const auto status = call_with_retry(
        token, [&](grpc::ClientContext& c) { return followups_->GetFollowUp(&c, get, &current); });
    if (!status.ok()) throw std::runtime_error("GetFollowUp: " + status.error_message());
    if (current.revision() > 0) return;
  }
  v1::AmendFollowUpRequest request;
  request.mutable_follow_up()->set_name(follow_up);
  request.mutable_follow_up()->set_feedback(feedback);
  request.add_fields("feedback");
  request.set_reason("补充遗漏的客户反馈");
  v1::FollowUp amended;
  const auto status = call_with_retry(token, [&](grpc::ClientContext& c) {
    return followups_->AmendFollowUp(&c, request, &amended);
  });
  if (!status.ok()) throw std::runtime_error("AmendFollowUp: " + status.error_message());
  ++writes_;
}

void SampleData::load_talk_tracks() {
  struct Track {
    const char* question;
    const char* answer;
    std::vector<std::string> tags;
  };
  const std::vector<Track> tracks = {
      {"你们的价格比竞品高，为什么？",
       "强调实施周期短、数据实时、售后响应4小时内；可提供同行业案例与分期付款。",
       {"price", "competitor"}},
      {"数据安全怎么保证？",
       "联系人信息加密存储、默认脱敏展示，查看明文需说明用途并留痕审计。",
       {"security"}},
      {"定制礼品最少起订多少？",
       "常规款100件起订，加急交期可协商；logo颜色以客户提供的模板为准。",
       {"custom_gifts", "delivery"}}};
  for (const auto& track : tracks) {
    // Talk tracks carry no request id: look before writing so that a re-run
    // adds nothing twice.
    v1::SearchTalkTracksRequest search;
    search.set_text(track.question);
    v1::SearchTalkTracksResponse found;
    if (call_with_retry(token_of("manager1"),
                        [&](grpc::ClientContext& c) {
                          return dictionaries_->SearchTalkTracks(&c, search, &found);
                        })
            .ok() &&
        found.talk_tracks_size() > 0)
      continue;
    v1::CreateTalkTrackRequest request;
    request.mutable_talk_track()->set_question(track.question);
    request.mutable_talk_track()->set_answer(track.answer);
    for (const auto& tag : track.tags) request.mutable_talk_track()->add_tags(tag);
    v1::TalkTrack created;
    const auto status = call_with_retry(token_of("manager1"), [&](grpc::ClientContext& c) {
      return dictionaries_->CreateTalkTrack(&c, request, &created);
    });
    if (!status.ok()) throw std::runtime_error("CreateTalkTrack: " + status.error_message());
    ++writes_;
  }
}

int SampleData::load() {
  const TimePoint real_now = SystemClock().now();
  // Monday of the week `history_weeks` ago, 09:00 team time.
  const std::string today = calendar_.local_date(real_now);
  TimePoint day = calendar_.start_of_day(today) - hours(24 * 7 * settings_.history_weeks);
  set_clock(day + hours(9));
  std::cout << "sample data: template customers and follow-ups\n";
  load_template();
  load_talk_tracks();
  if (settings_.clock_file) {
    std::cout << "sample data: " << settings_.history_weeks
              << " weeks of history on the test clock\n";
    int day_number = 0;
    for (; day + hours(24) < real_now; day += hours(24)) {
      std::istringstream local(calendar_.local_date(day + hours(9)));
      date::sys_days local_day;
      local >> date::parse("%F", local_day);
      const date::weekday weekday{local_day};
      if (weekday == date::Saturday || weekday == date::Sunday) continue;
      simulate_day(day + hours(9), day_number++);
    }
    set_clock(real_now);
  }
  std::cout << "sample data: " << book_.size() + 2 << " customers, " << writes_ << " writes\n";
  return writes_;
}

}  // namespace salesfollow::seed
