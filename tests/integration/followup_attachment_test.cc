// Attachments of a follow-up: streamed up with their size and SHA-256
// declared first, checked at the end, refused beyond 20 MiB, and streamed
// back byte for byte.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "followup_fixture.h"
#include "salesfollow/common/crypto.h"

namespace salesfollow::testing::followup {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kDefaultLimit = 20 * kMiB;

// Deterministic bytes covering every value (not compressible, not text).
std::string bytes_of_size(std::size_t size, unsigned seed = 42) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(generator() & 0xFFu);
  return out;
}

v1::AttachmentMetadata metadata_for(const std::string& follow_up, const std::string& bytes,
                                    const std::string& file_name = "同行业案例集.pdf") {
  v1::AttachmentMetadata m;
  m.set_follow_up(follow_up);
  m.set_file_name(file_name);
  m.set_content_type("application/pdf");
  m.set_size_bytes(static_cast<std::int64_t>(bytes.size()));
  m.set_sha256(crypto::sha256_hex(bytes));
  return m;
}

class AttachmentTest : public FollowUpTest {
 protected:
  void SetUp() override {
    FollowUpTest::SetUp();
    customer_ = customer_of(kRepA, "附件测试公司");
    follow_up_ = sys()
                     .must_log(kRepA, follow_up_request(customer_.name(), clock().now() - hours(1)))
                     .follow_up();
  }

  void expect_no_attachments() {
    const auto list = sys().list_attachments(kRepA, follow_up_.name());
    ASSERT_TRUE(list.ok()) << list;
    EXPECT_THAT(list.value.attachments(), IsEmpty()) << "a refused upload was stored";
  }

  v1::Customer customer_;
  v1::FollowUp follow_up_;
};

TEST_F(AttachmentTest, DownloadReturnsExactlyTheUploadedBytes) {
  const std::string bytes = bytes_of_size(2 * kMiB + 12345);
  const auto uploaded = sys().upload(kRepA, metadata_for(follow_up_.name(), bytes), bytes, 300000);
  ASSERT_TRUE(uploaded.ok()) << uploaded;
  const auto& a = uploaded.value;
  EXPECT_THAT(a.name(), MatchesRegex(follow_up_.name() + "/attachments/[0-9]+"));
  EXPECT_EQ(a.file_name(), "同行业案例集.pdf");
  EXPECT_EQ(a.content_type(), "application/pdf");
  EXPECT_EQ(a.size_bytes(), static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(a.sha256(), crypto::sha256_hex(bytes));
  EXPECT_EQ(a.uploader_id(), "rep_a");
  EXPECT_EQ(time_of(a.create_time()), clock().now());

  const auto list = sys().list_attachments(kManager1, follow_up_.name());
  ASSERT_TRUE(list.ok()) << list;
  ASSERT_THAT(list.value.attachments(), SizeIs(1));
  EXPECT_EQ(list.value.attachments(0).name(), a.name());
  EXPECT_EQ(list.value.attachments(0).sha256(), a.sha256());

  const auto download = sys().download(kManager1, a.name());
  ASSERT_TRUE(download.ok()) << download;
  ASSERT_FALSE(download.value.parts.empty());
  EXPECT_EQ(download.value.parts.front(), v1::DownloadAttachmentResponse::kAttachment)
      << "the attachment's metadata comes first";
  for (std::size_t i = 1; i < download.value.parts.size(); ++i) {
    EXPECT_EQ(download.value.parts[i], v1::DownloadAttachmentResponse::kChunk) << "message " << i;
  }
  EXPECT_EQ(download.value.attachment.name(), a.name());
  EXPECT_EQ(download.value.attachment.size_bytes(), a.size_bytes());
  EXPECT_EQ(download.value.attachment.sha256(), a.sha256());
  EXPECT_EQ(download.value.bytes.size(), bytes.size());
  EXPECT_TRUE(download.value.bytes == bytes) << "downloaded bytes differ from the upload";
  EXPECT_LE(download.value.largest_chunk, kMiB) << "chunks are at most 1 MiB";
}

TEST_F(AttachmentTest, SeveralAttachmentsAreKeptApart) {
  const std::string first = bytes_of_size(1000, 1);
  const std::string second = bytes_of_size(5000, 2);
  const auto a1 = sys().upload(kRepA, metadata_for(follow_up_.name(), first, "报价单.pdf"), first);
  const auto a2 =
      sys().upload(kManager1, metadata_for(follow_up_.name(), second, "合同.pdf"), second);
  ASSERT_TRUE(a1.ok()) << a1;
  ASSERT_TRUE(a2.ok()) << a2;
  EXPECT_NE(a1.value.name(), a2.value.name());
  EXPECT_EQ(a2.value.uploader_id(), "mgr_1");

  const auto list = sys().list_attachments(kRepA, follow_up_.name());
  ASSERT_TRUE(list.ok()) << list;
  EXPECT_THAT(list.value.attachments(), SizeIs(2));
  const auto d1 = sys().download(kRepA, a1.value.name());
  const auto d2 = sys().download(kRepA, a2.value.name());
  ASSERT_TRUE(d1.ok()) << d1;
  ASSERT_TRUE(d2.ok()) << d2;
  EXPECT_TRUE(d1.value.bytes == first);
  EXPECT_TRUE(d2.value.bytes == second);
  EXPECT_EQ(d2.value.attachment.file_name(), "合同.pdf");
}

TEST_F(AttachmentTest, ExactlyTwentyMebibytesIsAcceptedAndComesBackIntact) {
  const std::string bytes = bytes_of_size(kDefaultLimit, 7);
  const auto uploaded = sys().upload(kRepA, metadata_for(follow_up_.name(), bytes), bytes);
  ASSERT_TRUE(uploaded.ok()) << "the limit itself is allowed: " << uploaded;
  EXPECT_EQ(uploaded.value.size_bytes(), static_cast<std::int64_t>(kDefaultLimit));
  const auto download = sys().download(kRepA, uploaded.value.name());
  ASSERT_TRUE(download.ok()) << download;
  EXPECT_EQ(download.value.bytes.size(), bytes.size());
  EXPECT_TRUE(download.value.bytes == bytes);
}

TEST_F(AttachmentTest, OneByteOverTwentyMebibytesIsRefused) {
  const std::string bytes = bytes_of_size(kDefaultLimit + 1, 8);
  const auto uploaded = sys().upload(kRepA, metadata_for(follow_up_.name(), bytes), bytes);
  EXPECT_EQ(uploaded.code(), "RESOURCE_EXHAUSTED") << uploaded;
  expect_no_attachments();
}

TEST_F(AttachmentTest, MoreBytesThanTheLimitAreRefusedEvenWhenTheDeclaredSizeIsSmall) {
  const std::string bytes = bytes_of_size(kDefaultLimit + kMiB, 9);
  auto metadata = metadata_for(follow_up_.name(), bytes);
  metadata.set_size_bytes(1000);  // a lie: the stream goes on past the limit
  const auto uploaded = sys().upload(kRepA, metadata, bytes);
  EXPECT_TRUE(uploaded.code() == "RESOURCE_EXHAUSTED" || uploaded.code() == "INVALID_ARGUMENT")
      << uploaded;
  expect_no_attachments();
}

TEST_F(AttachmentTest, ASha256MismatchIsRefusedAndNothingIsStored) {
  const std::string bytes = bytes_of_size(300000, 10);
  auto metadata = metadata_for(follow_up_.name(), bytes);
  std::string corrupted = bytes;
  corrupted[150000] = static_cast<char>(corrupted[150000] ^ 0x01);
  const auto uploaded = sys().upload(kRepA, metadata, corrupted);
  EXPECT_EQ(uploaded.code(), "INVALID_ARGUMENT") << uploaded;
  EXPECT_THAT(uploaded.field(), HasSubstr("sha256")) << uploaded;
  expect_no_attachments();
}

TEST_F(AttachmentTest, ASizeMismatchIsRefusedAndNothingIsStored) {
  const std::string bytes = bytes_of_size(4096, 11);
  const auto metadata = metadata_for(follow_up_.name(), bytes);
  const std::string shorter = bytes.substr(0, bytes.size() - 1);
  const auto uploaded = sys().upload(kRepA, metadata, shorter);
  EXPECT_EQ(uploaded.code(), "INVALID_ARGUMENT") << uploaded;
  EXPECT_THAT(uploaded.field(), HasSubstr("size_bytes")) << uploaded;
  expect_no_attachments();
}

TEST_F(AttachmentTest, TheFirstMessageMustCarryValidMetadata) {
  const std::string bytes = bytes_of_size(100, 12);
  std::vector<v1::UploadAttachmentRequest> chunk_first(1);
  chunk_first[0].set_chunk(bytes);
  const auto no_metadata = sys().upload_messages(kRepA, chunk_first);
  EXPECT_EQ(no_metadata.code(), "INVALID_ARGUMENT") << no_metadata;

  auto bad_hash = metadata_for(follow_up_.name(), bytes);
  bad_hash.set_sha256("not-a-hex-digest");
  EXPECT_EQ(sys().upload(kRepA, bad_hash, bytes).code(), "INVALID_ARGUMENT");

  auto no_name = metadata_for(follow_up_.name(), bytes);
  no_name.set_file_name("");
  const auto nameless = sys().upload(kRepA, no_name, bytes);
  EXPECT_EQ(nameless.code(), "INVALID_ARGUMENT") << nameless;

  auto unknown = metadata_for("followUps/999999", bytes);
  const auto missing = sys().upload(kAdmin, unknown, bytes);
  EXPECT_EQ(missing.code(), "NOT_FOUND") << missing;
  expect_no_attachments();
}

}  // namespace
}  // namespace salesfollow::testing::followup
