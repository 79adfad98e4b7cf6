// The weekly review page: escaping, the SVG charts and the page's numbers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "html.h"
#include "svg_chart.h"
#include "weekly_page.h"

namespace salesfollow::salesctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HtmlTest, EscapesEverythingThatCouldOpenMarkup) {
  EXPECT_EQ(html_escape("a < b && c > \"d\" 'e'"),
            "a &lt; b &amp;&amp; c &gt; &quot;d&quot; &#39;e&#39;");
  EXPECT_EQ(html_escape("科技有限公司"), "科技有限公司");
  EXPECT_EQ(html_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
}

// The width attributes of the bars, in order.
std::vector<double> bar_widths(const std::string& svg) {
  std::vector<double> widths;
  const std::regex bar(R"re(class="bar"[^>]*width="([0-9.]+)")re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator();
       ++it)
    widths.push_back(std::stod((*it)[1]));
  return widths;
}

TEST(SvgChartTest, BarLengthsAreProportionalToTheValues) {
  BarChart chart{.title = "按来源", .series = {}, .bars = {}, .width = 560};
  chart.bars = {{"展会", {10}, "10"}, {"转介绍", {5}, "5"}, {"官网", {0}, "0"}};
  const std::string svg = bar_chart_svg(chart);
  const auto widths = bar_widths(svg);
  ASSERT_EQ(widths.size(), 3U);
  EXPECT_GT(widths[0], 0);
  EXPECT_DOUBLE_EQ(widths[1], widths[0] / 2);
  EXPECT_DOUBLE_EQ(widths[2], 0);
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr(">展会<"));
  EXPECT_THAT(svg, HasSubstr("<title>按来源</title>"));
}

TEST(SvgChartTest, TwoSeriesHaveALegendAndTwoBarsPerRow) {
  BarChart chart{.title = "占比", .series = {"本周", "上周"}, .bars = {}, .width = 560};
  chart.bars = {{"潜在客户", {40, 50}, "40.0%"}, {"成交客户", {20, 10}, "20.0%"}};
  const std::string svg = bar_chart_svg(chart);
  EXPECT_EQ(bar_widths(svg).size(), 4U);
  EXPECT_THAT(svg, HasSubstr(">本周<"));
  EXPECT_THAT(svg, HasSubstr(">上周<"));
}

TEST(SvgChartTest, LabelsAreEscapedAndEmptyChartsSaySo) {
  BarChart chart{.title = "<b>", .series = {}, .bars = {{"a&b", {1}, "<1>"}}, .width = 400};
  const std::string svg = bar_chart_svg(chart);
  EXPECT_THAT(svg, HasSubstr("a&amp;b"));
  EXPECT_THAT(svg, HasSubstr("&lt;1&gt;"));
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
  const std::string empty = bar_chart_svg({.title = "空", .series = {}, .bars = {}, .width = 400});
  EXPECT_THAT(empty, HasSubstr("本周无数据"));
  EXPECT_TRUE(bar_widths(empty).empty());
  // All zero: no division by zero, no bars drawn.
  const std::string zeros =
      bar_chart_svg({.title = "零", .series = {}, .bars = {{"x", {0}, "0"}}, .width = 400});
  EXPECT_THAT(zeros, HasSubstr("本周无数据"));
  EXPECT_THAT(zeros, Not(HasSubstr("nan")));
}

// "metric -> text" of every data-metric element of the page.
std::map<std::string, std::string> metrics_of(const std::string& html) {
  std::map<std::string, std::string> metrics;
  const std::regex cell(R"re(data-metric="([^"]+)">([^<]*)<)re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), cell); it != std::sregex_iterator();
       ++it)
    metrics[(*it)[1]] = (*it)[2];
  return metrics;
}

v1::WeeklyReview sample_review() {
  v1::WeeklyReview review;
  auto* w = review.mutable_week();
  w->set_week_start("2024-02-26");
  w->set_iso_week("2024-W09");
  w->set_new_customers(3);
  w->set_customers_existing(10);
  auto* by_source = w->add_new_by_source();
  by_source->set_key("trade_show");
  by_source->set_count(2);
  by_source = w->add_new_by_source();
  by_source->set_key("<referral>");
  by_source->set_count(1);
  auto* by_owner = w->add_new_by_owner();
  by_owner->set_key("xiaowang");
  by_owner->set_count(3);
  auto* s = w->add_stages();
  s->set_stage(v1::STAGE_POTENTIAL);
  s->set_count(4);
  s->mutable_share()->set_value(0.4);
  s->mutable_change_pp()->set_value(-10.0);
  s = w->add_stages();
  s->set_stage(v1::STAGE_WON);
  s->set_count(0);  // no share yet: shown as a dash
  auto* loss = w->add_losses_by_reason();
  loss->set_key("price_too_high");
  loss->set_count(2);
  w->mutable_won_cycle_days()->set_count(2);
  w->mutable_won_cycle_days()->set_median(9.5);
  w->mutable_won_cycle_days()->set_mean(9.5);
  auto* t = w->add_time_in_stage();
  t->set_stage(v1::STAGE_INTENTION);
  t->mutable_seconds()->set_count(1);
  t->mutable_seconds()->set_median(3 * 86400.0);
  t->mutable_seconds()->set_mean(3 * 86400.0);
  auto* prev = review.mutable_previous_week()->add_stages();
  prev->set_stage(v1::STAGE_POTENTIAL);
  prev->mutable_share()->set_value(0.5);
  return review;
}

TEST(WeeklyPageTest, EveryNumberIsTaggedWithItsMetric) {
  WeeklyPageInput input;
  input.review = sample_review();
  input.source_labels = {{"trade_show", "展会"}};
  input.loss_reason_labels = {{"price_too_high", "价格太高"}};
  input.scope = "团队";
  input.generated_at = *parse_rfc3339("2024-03-04T01:00:00Z");
  v1::FollowUpPlan plan;
  plan.set_customer("customers/1");
  plan.set_customer_display_name("科技有限公司");
  input.high_intent = {plan};
  const std::string html = render_weekly_page(input, TeamTime("Asia/Shanghai"));
  const auto metrics = metrics_of(html);
  EXPECT_EQ(metrics.at("new_customers"), "3");
  EXPECT_EQ(metrics.at("customers_existing"), "10");
  EXPECT_EQ(metrics.at("new_by_source:trade_show"), "2");
  EXPECT_EQ(metrics.at("new_by_source:&lt;referral&gt;"), "1");  // keys are escaped too
  EXPECT_EQ(metrics.at("new_by_owner:xiaowang"), "3");
  EXPECT_EQ(metrics.at("stage_count:potential"), "4");
  EXPECT_EQ(metrics.at("stage_share:potential"), "40.0%");
  EXPECT_EQ(metrics.at("stage_change:potential"), "-10.0");
  EXPECT_EQ(metrics.at("previous_stage_share:potential"), "50.0%");
  EXPECT_EQ(metrics.at("stage_share:won"), "—");
  EXPECT_EQ(metrics.at("loss:price_too_high"), "2");
  EXPECT_EQ(metrics.at("won_cycle_days:median"), "9.5");
  EXPECT_EQ(metrics.at("won_follow_ups:median"), "—");
  EXPECT_EQ(metrics.at("time_in_stage:intention:median"), "3.0");
  EXPECT_EQ(metrics.at("high_intent_count"), "1");
  EXPECT_EQ(metrics.at("stalled_count"), "0");
  EXPECT_EQ(metrics.at("week_start"), "2024-02-26");
}

TEST(WeeklyPageTest, SelfContainedChineseAndEscaped) {
  WeeklyPageInput input;
  input.review = sample_review();
  input.scope = "<script>";
  input.generated_at = *parse_rfc3339("2024-03-04T01:00:00Z");
  const std::string html = render_weekly_page(input, TeamTime("Asia/Shanghai"));
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("lang=\"zh-CN\""));
  EXPECT_THAT(html, HasSubstr("销售周复盘 2024-W09"));
  EXPECT_THAT(html, HasSubstr("潜在客户"));
  EXPECT_THAT(html, HasSubstr("<svg"));
  EXPECT_THAT(html, HasSubstr("生成于 2024-03-04 09:00"));
  // Nothing to fetch: no scripts, stylesheets, images or fonts from elsewhere.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  // The only URL is the SVG namespace.
  const std::string without_namespace =
      std::regex_replace(html, std::regex("xmlns=\"http://www.w3.org/2000/svg\""), "");
  EXPECT_THAT(without_namespace, Not(HasSubstr("http")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(html, HasSubstr("目前没有停滞客户"));
}

TEST(WeeklyPageTest, MetricFormats) {
  v1::StageShare s;
  EXPECT_EQ(metric_share(s), "—");
  EXPECT_EQ(metric_change(s), "—");
  s.mutable_share()->set_value(0.12345);
  s.mutable_change_pp()->set_value(2.26);
  EXPECT_EQ(metric_share(s), "12.3%");
  EXPECT_EQ(metric_change(s), "+2.3");
  EXPECT_EQ(metric_days(36 * 3600.0), "1.5");
}

}  // namespace
}  // namespace salesfollow::salesctl
