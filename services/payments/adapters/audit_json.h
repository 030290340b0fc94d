// What the audit trail stores as before/after: the wallet and the fault settings as the API shows
// them in JSON (lowerCamelCase, defaults printed), as the other services store their resources.
#pragma once

#include <string>

#include "domain/fault_injector.h"
#include "domain/payment.h"

namespace fleetdeck::payments {

std::string walletJson(const Wallet& wallet);
std::string faultsJson(const FaultSettings& faults);

}  // namespace fleetdeck::payments
