#include "domain/event_notifications.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>

namespace fleetdeck::notifications {
namespace {

NewNotification make(const std::string& eventId, const std::string& userId, std::string_view kind, std::string title,
                     std::string body) {
  return NewNotification{eventId, userId, std::string(kind), std::move(title), std::move(body)};
}

// Text from events is shown as is, but never beyond what the body may hold, and with C0 control
// characters (and DEL) as spaces: a body with one is refused, and a customer's cancel reason with a
// BEL in it would otherwise lose the notification to the dead-letter stream, for good.
std::string clipped(const std::string& raw, size_t characters) {
  std::string text = raw;
  for (char& c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) c = ' ';
  }
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && count++ == characters) return text.substr(0, i) + "…";
  }
  return text;
}

int currencyDecimals(std::string_view currency) {
  // ISO 4217 minor units where they are not 2. Only the notifications format amounts in the backend
  // (the console has its own table, in app/client/api_types.cpp); a code not listed has 2.
  static constexpr std::string_view kNone[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                                               "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr std::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
  static constexpr std::string_view kFour[] = {"CLF", "UYW"};
  const auto listed = [currency](const auto& codes) {
    return std::find(std::begin(codes), std::end(codes), currency) != std::end(codes);
  };
  if (listed(kNone)) return 0;
  if (listed(kThree)) return 3;
  if (listed(kFour)) return 4;
  return 2;
}

}  // namespace

std::string formatMoney(int64_t units, const std::string& currency) {
  const bool negative = units < 0;
  const uint64_t magnitude = negative ? static_cast<uint64_t>(-(units + 1)) + 1 : static_cast<uint64_t>(units);
  const int decimals = currencyDecimals(currency);
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::string text = (negative ? "-" : "") + std::to_string(magnitude / scale);
  if (decimals > 0) {
    std::string fraction = std::to_string(magnitude % scale);
    fraction.insert(0, static_cast<size_t>(decimals) - fraction.size(), '0');
    text += "." + fraction;
  }
  return text + " " + currency;
}

std::string describeReason(const std::string& reason) {
  if (reason == "payment_declined") return "the payment was declined";
  if (reason == "out_of_stock") return "an item is out of stock";
  if (reason == "price_changed") return "a price changed while it was placed; please order again";
  if (reason == "insufficient_funds") return "the wallet does not hold enough money";
  if (reason == "wallet_not_found") return "there is no wallet for this account";  // events of older payments
  if (reason == "injected_decline") return "the payment was declined (test fault)";
  if (reason == "customer_request") return "you asked for it";
  if (reason == "saga_failed") return "it could not be completed";
  if (reason.empty()) return "no reason was given";
  return clipped(reason, 300);
}

NewNotification welcomeNotification(const std::string& eventId, const std::string& userId,
                                    const std::string& displayName) {
  const std::string name = displayName.empty() ? std::string("there") : clipped(displayName, 200);
  return make(eventId, userId, "welcome", "Welcome to FleetDeck",
              "Hello " + name + ", your account is ready. Your wallet has been opened with a starting credit.");
}

NewNotification orderConfirmedNotification(const std::string& eventId, const std::string& userId,
                                           const std::string& orderId) {
  return make(eventId, userId, "order_confirmed", "Order confirmed",
              "Your order " + orderId + " is confirmed: the items are reserved and the payment went through.");
}

NewNotification orderCancelledNotification(const std::string& eventId, const std::string& userId,
                                           const std::string& orderId, const std::string& reason) {
  return make(eventId, userId, "order_cancelled", "Order cancelled",
              "Your order " + orderId + " was cancelled: " + describeReason(reason) +
                  ". Any payment for it is refunded.");
}

NewNotification orderShippedNotification(const std::string& eventId, const std::string& userId,
                                         const std::string& orderId, const std::string& trackingNumber) {
  const std::string tracking = trackingNumber.empty() ? std::string() : " Tracking number: " + clipped(trackingNumber, 100) + ".";
  return make(eventId, userId, "order_shipped", "Order shipped", "Your order " + orderId + " is on its way." + tracking);
}

NewNotification paymentDeclinedNotification(const std::string& eventId, const std::string& userId,
                                            const std::string& orderId, const std::string& reason, int64_t units,
                                            const std::string& currency) {
  return make(eventId, userId, "payment_declined", "Payment declined",
              "The payment of " + formatMoney(units, currency) + " for order " + orderId + " was declined: " +
                  describeReason(reason) + ".");
}

}  // namespace fleetdeck::notifications
