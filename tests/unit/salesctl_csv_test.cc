// The CSV reader and writer of salesctl import/export, and the mapping of
// rows to customers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "csv.h"
#include "customer_csv.h"

namespace salesfollow::salesctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<CsvRow> rows_of(std::string_view text) {
  std::vector<CsvRow> rows;
  for (auto& record : parse_csv(text)) {
    EXPECT_EQ(record.error, "") << "line " << record.line;
    rows.push_back(std::move(record.fields));
  }
  return rows;
}

TEST(CsvTest, PlainRowsWithLfAndCrlf) {
  EXPECT_THAT(rows_of("a,b,c\n1,2,3\n"), ElementsAre(CsvRow{"a", "b", "c"}, CsvRow{"1", "2", "3"}));
  EXPECT_THAT(rows_of("a,b\r\n1,2\r\n"), ElementsAre(CsvRow{"a", "b"}, CsvRow{"1", "2"}));
  // No line end after the last record.
  EXPECT_THAT(rows_of("a,b\n1,2"), ElementsAre(CsvRow{"a", "b"}, CsvRow{"1", "2"}));
}

TEST(CsvTest, EmptyFieldsAreKept) {
  EXPECT_THAT(rows_of(",x,\n"), ElementsAre(CsvRow{"", "x", ""}));
  EXPECT_THAT(rows_of("\"\"\n"), ElementsAre(CsvRow{""}));
}

TEST(CsvTest, BlankLinesAreSkipped) {
  EXPECT_THAT(rows_of("a\n\n\r\nb\n"), ElementsAre(CsvRow{"a"}, CsvRow{"b"}));
}

TEST(CsvTest, ByteOrderMarkIsSkippedOnlyAtTheStart) {
  EXPECT_THAT(rows_of("\xEF\xBB\xBFname,city\n"), ElementsAre(CsvRow{"name", "city"}));
  // A BOM-like sequence later is data.
  EXPECT_THAT(rows_of("a\n\xEF\xBB\xBF"
                      "b\n"),
              ElementsAre(CsvRow{"a"}, CsvRow{"\xEF\xBB\xBF"
                                              "b"}));
  // A first byte that merely starts like a BOM stays.
  EXPECT_THAT(rows_of("\xEF\xBC\x8C\n"), ElementsAre(CsvRow{"\xEF\xBC\x8C"}));
}

TEST(CsvTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const auto records = parse_csv(
      "name,notes\n"
      "\"华创科技有限公司, 上海\",\"他说\"\"可以\"\"\n第二行\r\n第三行\"\n"
      "next,row\n");
  ASSERT_EQ(records.size(), 3U);
  EXPECT_THAT(records[1].fields,
              ElementsAre("华创科技有限公司, 上海", "他说\"可以\"\n第二行\r\n第三行"));
  EXPECT_EQ(records[1].line, 2U);
  // The record after a quoted line break starts on the right line.
  EXPECT_EQ(records[2].line, 5U);
  EXPECT_THAT(records[2].fields, ElementsAre("next", "row"));
}

TEST(CsvTest, ChineseTextPassesThroughUnchanged) {
  EXPECT_THAT(rows_of("客户名称,行业\n张*女士,零售\n"),
              ElementsAre(CsvRow{"客户名称", "行业"}, CsvRow{"张*女士", "零售"}));
}

TEST(CsvTest, QuoteInsideAnUnquotedFieldIsText) {
  EXPECT_THAT(rows_of("12\" screen,x\n"), ElementsAre(CsvRow{"12\" screen", "x"}));
}

TEST(CsvTest, TextAfterAClosingQuoteIsAnErrorOfThatRecordOnly) {
  const auto records = parse_csv("\"a\"b,c\nok,row\n");
  ASSERT_EQ(records.size(), 2U);
  EXPECT_THAT(records[0].error, HasSubstr("after the closing quote of field 1"));
  EXPECT_EQ(records[1].error, "");
  EXPECT_THAT(records[1].fields, ElementsAre("ok", "row"));
}

TEST(CsvTest, UnclosedQuoteIsReported) {
  const auto records = parse_csv("a,\"never closed\nmore\n");
  ASSERT_EQ(records.size(), 1U);
  EXPECT_THAT(records[0].error, HasSubstr("not closed"));
}

TEST(CsvTest, BytesReadCountsTheBom) {
  std::istringstream in(
      "\xEF\xBB\xBF"
      "a,b\n");
  CsvReader reader(in);
  ASSERT_TRUE(reader.next());
  EXPECT_EQ(reader.bytes_read(), 7U);  // 3 BOM bytes + "a,b\n"
  EXPECT_FALSE(reader.next());
}

TEST(CsvTest, WriterQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field(" padded"), "\" padded\"");
  EXPECT_EQ(csv_line({"a", "", "c"}), "a,,c\r\n");
}

TEST(CsvTest, WhatTheWriterWritesTheReaderReadsBack) {
  const std::vector<CsvRow> rows = {{"客户名称", "备注"},
                                    {"华创, 上海", "他说\"好\"\n下周再联系"},
                                    {"", " 前后空格 "},
                                    {"\"", ",,,"}};
  std::string text = "\xEF\xBB\xBF";
  for (const auto& r : rows) text += csv_line(r);
  EXPECT_EQ(rows_of(text), rows);
}

// ------------------------------------------------------------ customer rows

TEST(CustomerCsvTest, HeaderByEnglishOrChineseNames) {
  const auto header = read_customer_header({"客户名称", "industry", "电话", "whatever", "stage"});
  EXPECT_EQ(header.columns.at("display_name"), 0U);
  EXPECT_EQ(header.columns.at("industry"), 1U);
  EXPECT_EQ(header.columns.at("phone"), 2U);
  // Export's read-only columns are skipped silently; others are reported.
  EXPECT_THAT(header.ignored, ElementsAre("whatever"));
}

TEST(CustomerCsvTest, HeaderWithoutNameOrWithATwiceNamedColumnIsRefused) {
  EXPECT_THROW(read_customer_header({"industry", "source"}), std::invalid_argument);
  EXPECT_THROW(read_customer_header({"display_name", "客户名称"}), std::invalid_argument);
}

TEST(CustomerCsvTest, RowBecomesACustomer) {
  const auto header = read_customer_header({"display_name", "need_tags", "phone", "owner_id"});
  CsvRecord record{{"华创科技", "erp_system; crm_system", "13800001111", "xiaowang"}, 2, ""};
  const auto row = customer_from_record(header, record);
  ASSERT_TRUE(row.customer) << row.error;
  EXPECT_EQ(row.customer->display_name(), "华创科技");
  EXPECT_THAT(row.customer->need_tags(), ElementsAre("erp_system", "crm_system"));
  EXPECT_EQ(row.customer->contact().phone(), "13800001111");
  EXPECT_EQ(row.customer->owner_id(), "xiaowang");
}

TEST(CustomerCsvTest, WrongFieldCountBadUtf8AndMalformedRecordsAreRejectedWithAReason) {
  const auto header = read_customer_header({"display_name", "industry"});
  EXPECT_THAT(customer_from_record(header, {{"only one"}, 2, ""}).error,
              HasSubstr("1 fields, but the header has 2"));
  EXPECT_THAT(customer_from_record(header, {{"bad \xC3", "x"}, 3, ""}).error,
              HasSubstr("not valid UTF-8"));
  EXPECT_EQ(customer_from_record(header, {{"a", "b"}, 4, "text after the closing quote"}).error,
            "text after the closing quote");
}

TEST(CustomerCsvTest, ExportRowMatchesTheExportHeader) {
  v1::Customer c;
  c.set_name("customers/7");
  c.set_display_name("张*女士");
  c.add_need_tags("custom_gifts");
  c.add_need_tags("consulting");
  c.set_stage(v1::STAGE_HIGH_INTENTION);
  const TeamTime time("Asia/Shanghai");
  const auto header = export_header();
  const auto row = export_row(c, time);
  ASSERT_EQ(row.size(), header.size());
  EXPECT_EQ(row[0], "customers/7");
  EXPECT_EQ(row[1], "张*女士");
  EXPECT_EQ(row[10], "custom_gifts;consulting");
  EXPECT_EQ(row[15], "high_intention");
  // The export header reads back as an import header.
  EXPECT_NO_THROW(read_customer_header(header));
  EXPECT_TRUE(read_customer_header(header).ignored.empty());
}

}  // namespace
}  // namespace salesfollow::salesctl
