#include "contact_protection.h"

#include <gtest/gtest.h>

#include "salesfollow/common/crypto.h"

namespace salesfollow::customer_service {
namespace {

ContactKeys two_keys(const std::string& active) {
  ContactKeys keys;
  keys.encryption_keys = {{"k1", std::string(32, 'a')}, {"k2", std::string(32, 'b')}};
  keys.active_key_id = active;
  keys.blind_index_key = std::string(32, 'i');
  return keys;
}

TEST(ContactProtectorTest, SealsWithTheActiveKeyAndOpensWithAnyKnownKey) {
  const ContactProtector old_keys(two_keys("k1"));
  const ContactProtector new_keys(two_keys("k2"));
  const auto sealed_old = old_keys.seal("13912346789", "contact.phone");
  const auto sealed_new = new_keys.seal("13912346789", "contact.phone");
  EXPECT_EQ(ContactProtector::key_id_of(sealed_old), "k1");
  EXPECT_EQ(ContactProtector::key_id_of(sealed_new), "k2");
  EXPECT_EQ(new_keys.open(sealed_old, "contact.phone"), "13912346789");
  EXPECT_EQ(old_keys.open(sealed_new, "contact.phone"), "13912346789");
  EXPECT_EQ(sealed_old.find("13912346789"), std::string::npos);
}

TEST(ContactProtectorTest, EachSealIsDifferentAndBoundToItsField) {
  const ContactProtector protector(two_keys("k1"));
  const auto a = protector.seal("李四", "contact.name");
  const auto b = protector.seal("李四", "contact.name");
  EXPECT_NE(a, b);  // random nonce
  EXPECT_EQ(protector.open(a, "contact.name"), "李四");
  EXPECT_THROW(protector.open(a, "contact.phone"), std::runtime_error);
}

TEST(ContactProtectorTest, RefusesTamperedValuesAndUnknownKeys) {
  const ContactProtector protector(two_keys("k1"));
  auto sealed = protector.seal("li@example.com", "contact.email");
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_THROW(protector.open(tampered, "contact.email"), std::runtime_error);
  ContactKeys only_k2 = two_keys("k2");
  only_k2.encryption_keys.erase("k1");
  const ContactProtector without_k1(only_k2);
  EXPECT_THROW(without_k1.open(sealed, "contact.email"), std::runtime_error);
}

TEST(ContactProtectorTest, RejectsBadConfiguration) {
  EXPECT_THROW(ContactProtector(two_keys("k3")), std::invalid_argument);
  ContactKeys short_index = two_keys("k1");
  short_index.blind_index_key = "short";
  EXPECT_THROW(ContactProtector{short_index}, std::invalid_argument);
}

TEST(ContactProtectorTest, BlindIndexIsKeyedAndStable) {
  const ContactProtector protector(two_keys("k1"));
  ContactKeys other = two_keys("k1");
  other.blind_index_key = std::string(32, 'j');
  const ContactProtector other_protector(other);
  EXPECT_EQ(protector.blind_index("phone", "13912346789"),
            protector.blind_index("phone", "13912346789"));
  EXPECT_NE(protector.blind_index("phone", "13912346789"),
            other_protector.blind_index("phone", "13912346789"));
  EXPECT_NE(protector.blind_index("phone", "x"), protector.blind_index("email", "x"));
  EXPECT_EQ(protector.blind_index("phone", "1").size(), 32U);
}

TEST(KeyringTest, ParsesIdsAndKeys) {
  const std::string key = crypto::base64_encode(std::string(32, 'z'));
  const auto keys = ContactKeys::parse_keyring("k1=" + key + ",\n k2=" + key + "\n");
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys.at("k2"), std::string(32, 'z'));
  EXPECT_THROW(ContactKeys::parse_keyring("k1=" + crypto::base64_encode("short")),
               std::invalid_argument);
  EXPECT_THROW(ContactKeys::parse_keyring("novalue"), std::invalid_argument);
  EXPECT_THROW(ContactKeys::parse_keyring("k1=" + key + ",k1=" + key), std::invalid_argument);
  EXPECT_THROW(ContactKeys::parse_keyring("bad id=" + key), std::invalid_argument);
}

TEST(MaskingTest, ShowsOnlyWhatTheBriefShows) {
  EXPECT_EQ(mask_person_name("李四"), "李*");
  EXPECT_EQ(mask_person_name("张三丰"), "张**");
  EXPECT_EQ(mask_person_name("王"), "王*");
  EXPECT_EQ(mask_phone("13912346789"), "139****6789");
  EXPECT_EQ(mask_phone("+86 139-1234-6789"), "861******6789");
  EXPECT_EQ(mask_email("li.si@example.com"), "l***@example.com");
  EXPECT_EQ(mask_wechat("wx_lisi88"), "wx*****88");
  EXPECT_EQ(mask_wechat("abc"), "***");
  // Long values (beyond the small-string buffer) mask by characters too.
  EXPECT_EQ(mask_person_name("欧阳娜娜1039 "), "欧*******");
  EXPECT_EQ(mask_wechat("abcdefghijklmnopqrstuvwxyz"), "ab**********************yz");
}

TEST(NormalizationTest, FindsTheSameContactWrittenDifferently) {
  EXPECT_EQ(normalize_phone("+86 139-1234-6789"), "13912346789");
  EXPECT_EQ(normalize_phone("0086 13912346789"), "13912346789");
  EXPECT_EQ(normalize_phone("139 1234 6789"), "13912346789");
  EXPECT_EQ(normalize_email("  Li.Si@Example.COM "), "li.si@example.com");
  EXPECT_EQ(normalize_customer_name("  科技  有限公司 "), "科技 有限公司");
  EXPECT_EQ(normalize_customer_name("科技\u3000有限公司"), "科技 有限公司");
  EXPECT_EQ(normalize_customer_name("ＡＢＣ科技"), "abc科技");
}

TEST(Utf8Test, RecognisesValidAndInvalidText) {
  EXPECT_TRUE(is_valid_utf8("科技有限公司 🎁"));
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xE4\xB8"));      // truncated
  EXPECT_EQ(utf8_length("张*女士"), 4U);
}

}  // namespace
}  // namespace salesfollow::customer_service
