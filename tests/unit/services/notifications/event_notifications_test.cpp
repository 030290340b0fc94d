// What customers are told for each fleet event: valid notifications, sourced by the event id.
#include "domain/event_notifications.h"

#include <gtest/gtest.h>

namespace fleetdeck::notifications {
namespace {

const std::string kUser = "0190a0b0-0000-7000-8000-000000000001";
const std::string kOrder = "0190a0b0-0000-7000-8000-0000000000aa";

TEST(EventNotifications, EachKindIsAValidNotificationSourcedByTheEvent) {
  std::vector<NewNotification> all = {
      welcomeNotification("e1", kUser, "Ada"),
      orderConfirmedNotification("e2", kUser, kOrder),
      orderCancelledNotification("e3", kUser, kOrder, "out_of_stock"),
      orderShippedNotification("e4", kUser, kOrder, "TRACK-1"),
      paymentDeclinedNotification("e5", kUser, kOrder, "insufficient_funds", 2'599, "EUR"),
  };
  const std::vector<std::string> kinds = {"welcome", "order_confirmed", "order_cancelled", "order_shipped",
                                          "payment_declined"};
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].kind, kinds[i]);
    EXPECT_EQ(all[i].sourceId, "e" + std::to_string(i + 1));
    EXPECT_TRUE(prepareNewNotification(all[i]).isOk()) << kinds[i];
  }
  EXPECT_NE(all[2].body.find("an item is out of stock"), std::string::npos);
  EXPECT_NE(all[3].body.find("TRACK-1"), std::string::npos);
  EXPECT_NE(all[4].body.find("25.99 EUR"), std::string::npos);
  EXPECT_NE(all[4].body.find("does not hold enough money"), std::string::npos);
}

TEST(EventNotifications, LongOrMissingTextStaysWithinTheLimits) {
  auto welcome = welcomeNotification("e", kUser, std::string(5000, 'x'));
  EXPECT_TRUE(prepareNewNotification(welcome).isOk());
  EXPECT_NE(welcomeNotification("e", kUser, "").body.find("Hello there"), std::string::npos);
  auto cancelled = orderCancelledNotification("e", kUser, kOrder, std::string(5000, 'r'));
  EXPECT_TRUE(prepareNewNotification(cancelled).isOk());
  EXPECT_NE(orderCancelledNotification("e", kUser, kOrder, "").body.find("no reason was given"), std::string::npos);
}

// Free text from events (a customer's cancel reason, an admin's tracking number) may hold control
// characters: the notification is still valid, or the event would be dead-lettered and the
// notification lost for good.
TEST(EventNotifications, ControlCharactersInEventTextStillMakeAValidNotification) {
  auto cancelled = orderCancelledNotification("e", kUser, kOrder, "oops\a\x1b[31m\x7f");
  EXPECT_TRUE(prepareNewNotification(cancelled).isOk()) << cancelled.body;
  EXPECT_NE(cancelled.body.find("oops"), std::string::npos);
  auto shipped = orderShippedNotification("e", kUser, kOrder, "TRK\x01\x02");
  EXPECT_TRUE(prepareNewNotification(shipped).isOk()) << shipped.body;
  EXPECT_NE(orderCancelledNotification("e", kUser, kOrder, "customer_request").body.find("you asked for it"),
            std::string::npos);
}

TEST(EventNotifications, MoneyIsFormattedFromMinorUnits) {
  EXPECT_EQ(formatMoney(0, "USD"), "0.00 USD");
  EXPECT_EQ(formatMoney(5, "USD"), "0.05 USD");
  EXPECT_EQ(formatMoney(123'456, "USD"), "1234.56 USD");
  EXPECT_EQ(formatMoney(-250, "USD"), "-2.50 USD");
  EXPECT_EQ(formatMoney(INT64_MIN, "USD"), "-92233720368547758.08 USD");
}

// Minor units are not cents in every currency (ISO 4217): a yen amount was shown 100 times too low.
TEST(EventNotifications, MoneyHasTheCurrencysOwnNumberOfDecimals) {
  EXPECT_EQ(formatMoney(1500, "JPY"), "1500 JPY");
  EXPECT_EQ(formatMoney(-7, "KRW"), "-7 KRW");
  EXPECT_EQ(formatMoney(250'000, "VND"), "250000 VND");
  EXPECT_EQ(formatMoney(1234, "KWD"), "1.234 KWD");
  EXPECT_EQ(formatMoney(5, "BHD"), "0.005 BHD");
  EXPECT_EQ(formatMoney(-1, "TND"), "-0.001 TND");
  EXPECT_EQ(formatMoney(12'345, "CLF"), "1.2345 CLF");
  EXPECT_EQ(formatMoney(1234, "EUR"), "12.34 EUR");
  EXPECT_EQ(formatMoney(1234, "XYZ"), "12.34 XYZ") << "an unknown code has two decimals";
  EXPECT_EQ(formatMoney(INT64_MIN, "JPY"), "-9223372036854775808 JPY");
  EXPECT_NE(paymentDeclinedNotification("e", kUser, kOrder, "payment_declined", 1500, "JPY").body.find("1500 JPY"),
            std::string::npos);
}

}  // namespace
}  // namespace fleetdeck::notifications
