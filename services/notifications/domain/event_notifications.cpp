#include "domain/event_notifications.h"

#include <cstdlib>

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

}  // namespace

std::string formatMoney(int64_t units, const std::string& currency) {
  const bool negative = units < 0;
  const uint64_t magnitude = negative ? static_cast<uint64_t>(-(units + 1)) + 1 : static_cast<uint64_t>(units);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents + " " + currency;
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
