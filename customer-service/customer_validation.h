// Checks of request content that need no database (pure functions, unit-tested).
#pragma once

#include <string>

#include "salesfollow/common/text.h"
#include "salesfollow/v1/customer.pb.h"

namespace salesfollow::customer_service {

// Limits (in characters) of the profile's text fields.
inline constexpr std::size_t kMaxDisplayName = 200;
inline constexpr std::size_t kMaxShortText = 100;
inline constexpr std::size_t kMaxNeedDescription = 2000;
inline constexpr std::size_t kMaxNotes = 10000;
inline constexpr std::size_t kMaxReason = 1000;
inline constexpr std::size_t kMaxNeedTags = 20;

// Throws ServiceError INVALID_ARGUMENT naming the field, e.g.
// "customer.contact.phone: must hold 5 to 20 digits". `prefix` is the field
// path of the customer message ("customer" or "customers[3]").
// `today` (YYYY-MM-DD, team time) bounds first_contact_date.
void validate_customer_profile(const v1::Customer& customer, const std::string& prefix,
                               const std::string& today);

// "YYYY-MM-DD" that names a real calendar day.
bool is_calendar_date(const std::string& text);

}  // namespace salesfollow::customer_service
