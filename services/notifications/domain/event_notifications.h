// What a customer is told when the fleet reports something about them: the notification for each
// event kind (welcome, order confirmed/cancelled/shipped, payment declined). Pure text rules, no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "domain/notification.h"

namespace fleetdeck::notifications {

// Every notification's sourceId is the event id, so one event gives at most one notification.
NewNotification welcomeNotification(const std::string& eventId, const std::string& userId,
                                    const std::string& displayName);
NewNotification orderConfirmedNotification(const std::string& eventId, const std::string& userId,
                                           const std::string& orderId);
NewNotification orderCancelledNotification(const std::string& eventId, const std::string& userId,
                                           const std::string& orderId, const std::string& reason);
NewNotification orderShippedNotification(const std::string& eventId, const std::string& userId,
                                         const std::string& orderId, const std::string& trackingNumber);
NewNotification paymentDeclinedNotification(const std::string& eventId, const std::string& userId,
                                            const std::string& orderId, const std::string& reason, int64_t units,
                                            const std::string& currency);

// "12.34 USD" for 1234 minor units: as many decimals as the currency's ISO 4217 minor unit ("1234 JPY",
// "1.234 KWD"); 2 for a code it does not know.
std::string formatMoney(int64_t units, const std::string& currency);
// The reason codes the fleet uses, in words: "payment_declined" -> "the payment was declined".
std::string describeReason(const std::string& reason);

}  // namespace fleetdeck::notifications
