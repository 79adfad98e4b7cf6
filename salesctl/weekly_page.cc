#include "weekly_page.h"

#include <fmt/format.h>

#include <algorithm>

#include "html.h"
#include "svg_chart.h"

namespace salesfollow::salesctl {
namespace {

constexpr const char* kNone = "—";
constexpr double kSecondsPerDay = 86400.0;

const char* const kStyle = R"(
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
  margin:24px auto;max-width:1100px;color:#222;background:#fff;line-height:1.5}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:32px}
.meta{color:#555;margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:140px;background:#f7fafc}
.card .n{font-size:28px;font-weight:bold;color:#0072B2}.card .k{color:#555}
.row{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse;margin:8px 0;font-size:14px}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}th{background:#f0f4f8}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.up{color:#009E73}.down{color:#D55E00}.empty{color:#777}
@media print{body{margin:0}h2{break-after:avoid}}
)";

std::string label_of(const std::map<std::string, std::string>& labels, const std::string& code) {
  const auto found = labels.find(code);
  return found == labels.end() || found->second.empty() ? code : found->second;
}

// <td class="num" data-metric="...">value</td>
std::string metric_cell(const std::string& metric, const std::string& value,
                        const std::string& extra_class = "") {
  return fmt::format(R"(<td class="num{}" data-metric="{}">{}</td>)",
                     extra_class.empty() ? "" : " " + extra_class, html_escape(metric),
                     html_escape(value));
}

std::string cell(const std::string& value) { return "<td>" + html_escape(value) + "</td>"; }

std::string header_row(const std::vector<std::string>& names) {
  std::string out = "<tr>";
  for (const auto& n : names) out += "<th>" + html_escape(n) + "</th>";
  return out + "</tr>";
}

std::string empty_note(const std::string& text) {
  return R"(<p class="empty">)" + html_escape(text) + "</p>";
}

// A chart and a table of counts by key (new customers by source, losses...).
std::string counts_section(const std::string& title, const std::string& key_header,
                           const std::string& metric_prefix,
                           const google::protobuf::RepeatedPtrField<v1::Count>& counts,
                           const std::map<std::string, std::string>& labels) {
  std::vector<const v1::Count*> sorted;
  for (const auto& c : counts) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const v1::Count* a, const v1::Count* b) { return a->count() > b->count(); });
  BarChart chart{.title = title, .series = {}, .bars = {}, .width = 520};
  std::string table = "<table>" + header_row({key_header, "数量"});
  for (const auto* c : sorted) {
    const std::string label = label_of(labels, c->key());
    chart.bars.push_back({label, {static_cast<double>(c->count())}, metric_count(c->count())});
    table += "<tr>" + cell(label) +
             metric_cell(metric_prefix + c->key(), metric_count(c->count())) + "</tr>";
  }
  table += "</table>";
  return R"(<div class="block">)" + bar_chart_svg(chart) + (sorted.empty() ? "" : table) + "</div>";
}

std::string distribution_row(const std::string& label, const std::string& metric,
                             const v1::Distribution& d, bool as_days) {
  const auto value = [&](double v) { return as_days ? metric_days(v) : one_decimal(v); };
  const bool any = d.count() > 0;
  return "<tr>" + cell(label) + metric_cell(metric + ":count", metric_count(d.count())) +
         metric_cell(metric + ":median", any ? value(d.median()) : kNone) +
         metric_cell(metric + ":mean", any ? value(d.mean()) : kNone) + "</tr>";
}

}  // namespace

std::string metric_count(long long value) { return std::to_string(value); }

std::string metric_share(const v1::StageShare& stage) {
  return stage.has_share() ? percent_text(stage.share().value()) : kNone;
}

std::string metric_change(const v1::StageShare& stage) {
  return stage.has_change_pp() ? one_decimal(stage.change_pp().value(), true) : kNone;
}

std::string metric_days(double seconds) { return one_decimal(seconds / kSecondsPerDay); }

std::string render_weekly_page(const WeeklyPageInput& input, const TeamTime& time) {
  const auto& week = input.review.week();
  const auto& previous = input.review.previous_week();
  long long losses = 0;
  for (const auto& c : week.losses_by_reason()) losses += c.count();

  std::string body;
  body += fmt::format("<h1>销售周复盘 {}</h1>", html_escape(week.iso_week()));
  body += fmt::format(
      R"(<p class="meta">周一 <span data-metric="week_start">{}</span> 起的一周（团队时间）· 范围：{} · 生成于 {}{}</p>)",
      html_escape(week.week_start()), html_escape(input.scope),
      html_escape(time.format(input.generated_at)),
      week.has_computed_time() ? " · 报表计算于 " + html_escape(time.format(week.computed_time()))
                               : " · 报表尚未计算");

  // Headline numbers.
  const auto card = [](const std::string& metric, const std::string& value,
                       const std::string& label) {
    return fmt::format(
        R"(<div class="card"><div class="n" data-metric="{}">{}</div><div class="k">{}</div></div>)",
        html_escape(metric), html_escape(value), html_escape(label));
  };
  body += R"(<div class="cards">)";
  body += card("new_customers", metric_count(week.new_customers()), "本周新增客户");
  body += card("customers_existing", metric_count(week.customers_existing()), "周末客户总数");
  body += card("won_count", metric_count(week.won_cycle_days().count()), "本周成交");
  body += card("losses_total", metric_count(losses), "本周流失");
  body += card("high_intent_count", metric_count(static_cast<long long>(input.high_intent.size())),
               "高意向客户");
  body +=
      card("stalled_count", metric_count(static_cast<long long>(input.stalled.size())), "停滞客户");
  body += "</div>";

  // New customers.
  body += "<h2>本周新增客户</h2>";
  body += R"(<div class="row">)";
  body +=
      counts_section("按来源", "来源", "new_by_source:", week.new_by_source(), input.source_labels);
  body += counts_section("按负责人", "负责人", "new_by_owner:", week.new_by_owner(), {});
  body += counts_section("按行业", "行业", "new_by_industry:", week.new_by_industry(),
                         input.industry_labels);
  body += "</div>";

  // Stage shares with the change from last week.
  body += "<h2>客户阶段占比（与上周对比）</h2>";
  BarChart shares{.title = "阶段占比（%）", .series = {"本周", "上周"}, .bars = {}, .width = 560};
  std::string table =
      "<table>" + header_row({"阶段", "客户数", "占比", "上周占比", "变化（百分点）"});
  for (const auto& s : week.stages()) {
    const std::string code = stage_code(s.stage());
    const v1::StageShare* before = nullptr;
    for (const auto& p : previous.stages())
      if (p.stage() == s.stage()) before = &p;
    const double now_share = s.has_share() ? s.share().value() * 100.0 : 0.0;
    const double before_share =
        before != nullptr && before->has_share() ? before->share().value() * 100.0 : 0.0;
    shares.bars.push_back({stage_label(s.stage()), {now_share, before_share}, metric_share(s)});
    const std::string change_class =
        !s.has_change_pp()
            ? ""
            : (s.change_pp().value() > 0 ? "up" : (s.change_pp().value() < 0 ? "down" : ""));
    table += "<tr>" + cell(stage_label(s.stage())) +
             metric_cell("stage_count:" + code, metric_count(s.count())) +
             metric_cell("stage_share:" + code, metric_share(s)) +
             metric_cell("previous_stage_share:" + code,
                         before != nullptr ? metric_share(*before) : kNone) +
             metric_cell("stage_change:" + code, metric_change(s), change_class) + "</tr>";
  }
  table += "</table>";
  body += R"(<div class="row"><div class="block">)" + bar_chart_svg(shares) + "</div><div>" +
          table + "</div></div>";

  // Won cycles.
  body += "<h2>成交周期</h2>";
  body += "<table>" + header_row({"指标", "成交数", "中位数", "平均值"});
  body += distribution_row("跟进周期（天）", "won_cycle_days", week.won_cycle_days(), false);
  body += distribution_row("成交前跟进次数", "won_follow_ups", week.won_follow_ups(), false);
  body += "</table>";

  // Time in stage and conversions.
  body += "<h2>阶段停留时间与转化</h2>";
  BarChart stay{.title = "离开阶段前停留天数（中位数）", .series = {}, .bars = {}, .width = 520};
  std::string stay_table =
      "<table>" + header_row({"阶段", "离开次数", "中位数（天）", "平均（天）"});
  for (const auto& t : week.time_in_stage()) {
    const std::string code = stage_code(t.stage());
    stay.bars.push_back({stage_label(t.stage()),
                         {t.seconds().median() / kSecondsPerDay},
                         metric_days(t.seconds().median())});
    stay_table +=
        "<tr>" + cell(stage_label(t.stage())) +
        metric_cell("time_in_stage:" + code + ":count", metric_count(t.seconds().count())) +
        metric_cell("time_in_stage:" + code + ":median", metric_days(t.seconds().median())) +
        metric_cell("time_in_stage:" + code + ":mean", metric_days(t.seconds().mean())) + "</tr>";
  }
  stay_table += "</table>";
  std::string transitions = "<table>" + header_row({"从", "到", "次数"});
  for (const auto& t : week.transitions()) {
    transitions +=
        "<tr>" + cell(stage_label(t.from_stage())) + cell(stage_label(t.to_stage())) +
        metric_cell("transition:" + stage_code(t.from_stage()) + ">" + stage_code(t.to_stage()),
                    metric_count(t.count())) +
        "</tr>";
  }
  transitions += "</table>";
  body += R"(<div class="row"><div class="block">)" + bar_chart_svg(stay) +
          (week.time_in_stage().empty() ? "" : stay_table) + "</div><div>" +
          (week.transitions().empty() ? empty_note("本周没有阶段变化") : transitions) +
          "</div></div>";

  // Losses.
  body += "<h2>流失原因</h2>";
  body += counts_section("流失原因", "原因", "loss:", week.losses_by_reason(),
                         input.loss_reason_labels);

  // Live lists.
  body += "<h2>高意向客户（按计划跟进时间）</h2>";
  if (input.high_intent.empty()) {
    body += empty_note("目前没有高意向客户");
  } else {
    body += "<table>" + header_row({"客户", "负责人", "下次跟进", "跟进事项"});
    for (const auto& plan : input.high_intent) {
      body += fmt::format(R"(<tr data-customer="{}">)", html_escape(plan.customer())) +
              cell(plan.customer_display_name()) + cell(plan.owner_id()) +
              cell(time.format(plan.plan_time())) + cell(plan.action()) + "</tr>";
    }
    body += "</table>";
  }
  body += "<h2>停滞客户</h2>";
  if (input.stalled.empty()) {
    body += empty_note("目前没有停滞客户");
  } else {
    body +=
        "<table>" + header_row({"客户", "阶段", "负责人", "最近联系", "停滞天数", "阈值（天）"});
    for (const auto& s : input.stalled) {
      body += fmt::format(R"(<tr data-customer="{}">)", html_escape(s.customer())) +
              cell(s.customer_display_name()) + cell(stage_label(s.stage())) + cell(s.owner_id()) +
              cell(time.format(s.last_contact_time())) +
              fmt::format(R"(<td class="num">{}</td><td class="num">{}</td>)", s.idle_days(),
                          s.threshold_days()) +
              "</tr>";
    }
    body += "</table>";
  }

  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>销售周复盘 {}</title><style>{}</style></head><body>\n{}\n</body></html>\n",
      html_escape(week.iso_week()), kStyle, body);
}

}  // namespace salesfollow::salesctl
