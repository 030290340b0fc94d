#include "domain/api_catalogue.h"

#include "fleetdeck/notifications/v1/notifications.pb.h"
#include "fleetdeck/orders/v1/orders.pb.h"
#include "fleetdeck/orders/v1/sagas.pb.h"
#include "fleetdeck/payments/v1/payments.pb.h"
#include "fleetdeck/products/v1/products.pb.h"
#include "fleetdeck/users/v1/users.pb.h"

namespace fleetdeck::gateway {

std::vector<const google::protobuf::FileDescriptor*> publicApiFiles() {
  // Referencing a message of each file also makes sure its descriptors are linked in.
  return {
      users::v1::User::descriptor()->file(),
      products::v1::Product::descriptor()->file(),
      orders::v1::Order::descriptor()->file(),
      orders::v1::Saga::descriptor()->file(),
      payments::v1::Wallet::descriptor()->file(),
      notifications::v1::Notification::descriptor()->file(),
  };
}

}  // namespace fleetdeck::gateway
