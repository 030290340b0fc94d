#include "domain/order_book.h"

#include <algorithm>
#include <map>
#include <set>

#include "domain/event_codec.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/idempotency_key.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck::orders {
namespace {

// Ids are UUIDs, which compare case-insensitively, but the event store keys streams by text: one
// spelling for every id that reaches the store or the catalog (an order read with upper-case
// letters could otherwise be read but not cancelled).
std::string lowered(const std::string& id) { return canonicalUuid(id); }

Status checkOrderId(const std::string& orderId, const char* field = "id") {
  if (!isUuid(orderId)) return invalidField(field, "must be an order id (UUID)");
  return Status::ok();
}

std::string encodePageToken(const std::string& lastId) { return base64UrlEncode("o1:" + lastId); }

Result<std::string> decodePageToken(const std::string& token) {
  auto decoded = base64UrlDecode(token);
  if (!decoded || !decoded->starts_with("o1:") || !isUuid(decoded->substr(3))) {
    return invalidField("pageToken", "is not a token returned by a previous list call");
  }
  return decoded->substr(3);
}


// Whether an order's lines are the requested ones (product and quantity, in any order).
bool sameLines(const std::vector<OrderLine>& stored, const std::vector<LineRequest>& requested) {
  std::vector<std::pair<std::string, int64_t>> a;
  std::vector<std::pair<std::string, int64_t>> b;
  for (const auto& line : stored) a.emplace_back(line.productId, line.quantity);
  for (const auto& line : requested) b.emplace_back(line.productId, line.quantity);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// Recorded as the causation id of the event an idempotent action appended.
constexpr std::string_view kIdempotencyKeyCause = "idempotency-key:";

}  // namespace

Result<Order> OrderBook::create(const CreateRequest& requested, const ChangeContext& context) {
  CreateRequest request = requested;
  request.userId = lowered(request.userId);
  for (auto& line : request.lines) line.productId = lowered(line.productId);
  ValidationErrors errors;
  if (!isUuid(request.userId)) errors.add("userId", "must be a user id (UUID)");
  if (auto problem = idempotencyKeyProblem(request.idempotencyKey); !problem.empty()) errors.add("idempotencyKey", problem);
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  FLEETDECK_RETURN_IF_ERROR(validateLines(request.lines));

  // A repeat is answered with the first order before anything is priced: its product may have been
  // withdrawn or repriced since, or products be down, and a client told "no longer sold" for an
  // order that exists places it again under a new key and pays twice. (The claim in the store's
  // transaction still settles two concurrent first attempts.)
  if (!request.idempotencyKey.empty()) {
    auto earlier = store_.findByIdempotencyKey(request.userId, request.idempotencyKey);
    if (!earlier) return earlier.status();
    if (*earlier) {
      if (!sameLines((*earlier)->items, request.lines)) {
        return invalidField("idempotencyKey", "was already used for order " + (*earlier)->id +
                                                  " with other items; use a new key for a new order");
      }
      return firstAnswer((*earlier)->id);
    }
  }

  auto priced = catalog_.priceLines(request.lines, context);
  if (!priced) return priced.status();
  auto total = totalOf(*priced);
  if (!total) return total.status();

  NewOrder order;
  order.created.orderId = newUuid();
  order.created.userId = request.userId;
  order.created.items = std::move(*priced);
  order.created.total = *total;
  order.created.sagaId = newUuid();
  order.created.idempotencyKey = request.idempotencyKey;
  order.idempotencyKey = request.idempotencyKey;
  // The caller gave up (the gateway answered 504): an order written now would be placed, charged
  // and shipped behind the back of a client told it failed, who may well order again.
  if (context.deadline && *context.deadline <= std::chrono::system_clock::now()) {
    return Status(StatusCode::kDeadlineExceeded, "the caller's deadline passed while the order was priced; nothing was placed");
  }
  auto stored = store_.create(order, context);
  if (stored && stored->id != order.created.orderId && !sameLines(stored->items, request.lines)) {
    // A repeat must be the same request; anything else is a client bug that would otherwise get an
    // order it did not ask for and believe it placed the one it did.
    return invalidField("idempotencyKey", "was already used for order " + stored->id +
                                              " with other items; use a new key for a new order");
  }
  // Lost the key's claim to a concurrent first attempt: answered like any other repeat.
  if (stored && stored->id != order.created.orderId) return firstAnswer(stored->id);
  return stored;
}

Result<Order> OrderBook::firstAnswer(const std::string& orderId) {
  // A repeat answers what the first call did (ARCHITECTURE.md: "repeating it returns the first
  // result"), not the order as it is now: a client retrying a lost 202 PENDING must not be told
  // CONFIRMED or SHIPPED under the same status code. The first call answered the order right after
  // its OrderCreated event, which is version 1 of its stream.
  auto first = atVersion(orderId, 1);
  if (!first) return first.status();
  return std::move(first->order);
}

Result<Order> OrderBook::get(const std::string& orderId) {
  FLEETDECK_RETURN_IF_ERROR(checkOrderId(orderId));
  return store_.get(lowered(orderId));
}

Result<ListResult> OrderBook::list(const ListRequest& request) {
  ValidationErrors errors;
  if (!request.status.empty() && !isOrderStatus(request.status)) {
    errors.add("status", "must be one of PENDING, CONFIRMED, SHIPPED, DELIVERED, CANCELLED");
  }
  if (!request.userId.empty() && !isUuid(request.userId)) errors.add("userId", "must be a user id (UUID)");
  if (request.pageSize < 0) errors.add("pageSize", "must not be negative");
  if (request.createdAfterMicros != 0 && request.createdBeforeMicros != 0 &&
      request.createdAfterMicros >= request.createdBeforeMicros) {
    errors.add("createdBefore", "must be later than createdAfter");  // an empty list would hide the mistake
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  OrderQuery query;
  query.status = request.status;
  query.userId = lowered(request.userId);
  query.createdAfterMicros = request.createdAfterMicros;
  query.createdBeforeMicros = request.createdBeforeMicros;
  query.pageSize = request.pageSize == 0 ? kDefaultPageSize : std::min(request.pageSize, kMaxPageSize);
  if (!request.pageToken.empty()) {
    auto before = decodePageToken(request.pageToken);
    if (!before) return before.status();
    query.beforeId = *before;
  }
  auto page = store_.list(query);
  if (!page) return page.status();
  ListResult result;
  result.orders = std::move(page->orders);
  if (page->hasMore && !result.orders.empty()) result.nextPageToken = encodePageToken(result.orders.back().id);
  return result;
}

Result<std::optional<Order>> OrderBook::repeatedChange(
    const std::string& orderId, const std::string& actor, const std::string& causationId,
    const std::function<Result<OrderEvent>(const Order&)>& decide) {
  auto events = store_.history(orderId);
  if (!events) return events.status();
  // One fold over the stream: the state before the keyed event is what the request decides on.
  Order state;
  for (const RecordedEvent& event : *events) {
    auto recorded = decodeEvent(event.type, event.payloadJson);
    if (!recorded) return recorded.status();
    if (event.metadata.causationId == causationId && event.metadata.actor == actor) {
      // The same change, also in its details (another tracking number or reason under the key is
      // the caller's mistake, as with a create's items).
      auto wanted = decide(state);
      if (!wanted || encodeEvent(*wanted) != encodeEvent(*recorded)) {
        return invalidField("idempotencyKey", "was already used for another change of order " + orderId + " (" +
                                                  event.type + " at version " + std::to_string(event.version) + ")");
      }
      apply(state, *recorded, event.recordedAtMicros);
      return std::optional<Order>(std::move(state));
    }
    apply(state, *recorded, event.recordedAtMicros);
  }
  return std::optional<Order>();
}

Result<Order> OrderBook::transition(const std::string& requestedId, int64_t expectedVersion,
                                    const ChangeContext& context,
                                    const std::function<Result<OrderEvent>(const Order&)>& decide,
                                    const std::string& idempotencyKey) {
  FLEETDECK_RETURN_IF_ERROR(checkOrderId(requestedId));
  const std::string orderId = lowered(requestedId);
  if (expectedVersion < 0) return invalidField("expectedVersion", "must not be negative");
  if (auto problem = idempotencyKeyProblem(idempotencyKey); !problem.empty()) return invalidField("idempotencyKey", problem);
  // A client's key is the command that caused the event: recorded as its causation id, it is how a
  // repeat (the answer to the first was lost) is recognised, in the order's own stream.
  ChangeContext keyed = context;
  if (!idempotencyKey.empty()) keyed.causationId = std::string(kIdempotencyKeyCause) + idempotencyKey;
  const auto repeated = [&]() -> Result<std::optional<Order>> {
    if (idempotencyKey.empty()) return std::optional<Order>();
    return repeatedChange(orderId, context.actor, keyed.causationId, decide);
  };
  // Without an expected version the caller asked for the change whatever the order's version: an
  // append that lost a race (the saga confirmed meanwhile) is decided again on the newer state
  // instead of answering a conflict the caller did not ask about.
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    auto first = repeated();
    if (!first) return first.status();
    if (*first) return std::move(**first);
    auto current = store_.load(orderId);
    if (!current) return current.status();
    if (expectedVersion != 0 && current->version != expectedVersion) {
      return aborted("order " + orderId + " is at version " + std::to_string(current->version) + ", not " +
                     std::to_string(expectedVersion) + "; reload and retry");
    }
    auto event = decide(*current);
    if (!event) return event.status();
    auto appended = store_.append(*current, *event, keyed);
    if (!appended && appended.status().code() == StatusCode::kAborted && !idempotencyKey.empty()) {
      // Lost the race to the same request sent twice at once: answer what the winner did.
      auto winner = repeated();
      if (winner && *winner) return std::move(**winner);
    }
    if (appended || appended.status().code() != StatusCode::kAborted || expectedVersion != 0 || attempt == kAttempts) {
      return appended;
    }
  }
}

Result<Order> OrderBook::cancel(const std::string& orderId, const std::string& reason, int64_t expectedVersion,
                                const ChangeContext& context, const std::string& idempotencyKey) {
  // The order saga's reason codes mean something to notifications ("your payment was declined") and
  // to the console's counts: only the saga (the system actor) may give them.
  static const std::set<std::string, std::less<>> kSagaReasons = {"out_of_stock", "payment_declined", "price_changed",
                                                                  "saga_failed", "cancelled"};
  if (context.actor != "system" && kSagaReasons.contains(reason)) {
    return invalidField("reason", "'" + reason + "' is a reason the order saga gives; describe yours in your own words");
  }
  return transition(orderId, expectedVersion, context,
                    [&](const Order& order) { return decideCancel(order, reason); }, idempotencyKey);
}

Result<Order> OrderBook::ship(const std::string& orderId, const std::string& trackingNumber, int64_t expectedVersion,
                              const ChangeContext& context, const std::string& idempotencyKey) {
  return transition(orderId, expectedVersion, context,
                    [&](const Order& order) { return decideShip(order, trackingNumber); }, idempotencyKey);
}

Result<Order> OrderBook::deliver(const std::string& orderId, int64_t expectedVersion, const ChangeContext& context,
                                 const std::string& idempotencyKey) {
  return transition(orderId, expectedVersion, context, [](const Order& order) { return decideDeliver(order); },
                    idempotencyKey);
}

Result<Order> OrderBook::confirm(const std::string& orderId, const std::string& paymentId,
                                 const ChangeContext& context) {
  return transition(orderId, 0, context, [&](const Order& order) { return decideConfirm(order, paymentId); });
}

Result<std::vector<RecordedEvent>> OrderBook::history(const std::string& orderId) {
  FLEETDECK_RETURN_IF_ERROR(checkOrderId(orderId, "orderId"));
  return store_.history(lowered(orderId));
}

Result<OrderAtVersion> OrderBook::atVersion(const std::string& orderId, int64_t version) {
  FLEETDECK_RETURN_IF_ERROR(checkOrderId(orderId, "orderId"));
  if (version < 1) return invalidField("version", "must be 1 or more");
  auto events = store_.history(lowered(orderId));
  if (!events) return events.status();
  if (version > static_cast<int64_t>(events->size())) {
    return Status(StatusCode::kOutOfRange, "order " + orderId + " has " + std::to_string(events->size()) +
                                               " events; version " + std::to_string(version) + " does not exist",
                  {{"version", "must be between 1 and " + std::to_string(events->size())}});
  }
  OrderAtVersion result;
  for (int64_t i = 0; i < version; ++i) {
    const RecordedEvent& recorded = (*events)[static_cast<size_t>(i)];
    auto event = decodeEvent(recorded.type, recorded.payloadJson);
    if (!event) return event.status();
    apply(result.order, *event, recorded.recordedAtMicros);
  }
  result.event = (*events)[static_cast<size_t>(version - 1)];
  return result;
}

Result<AuditResult> OrderBook::audit(const AuditRequest& request) {
  ValidationErrors errors;
  if (!request.orderId.empty() && !isUuid(request.orderId)) errors.add("resourceId", "must be an order id (UUID)");
  // As the other services' trails refuse it: no actor is longer than an id.
  if (request.actor.size() > 128) errors.add("actor", "must be at most 128 characters long");
  if (request.pageSize < 0) errors.add("pageSize", "must not be negative");
  int64_t beforePosition = 0;
  if (!request.pageToken.empty()) {
    auto decoded = base64UrlDecode(request.pageToken);
    if (!decoded || !decoded->starts_with("e1:") || (beforePosition = std::atoll(decoded->c_str() + 3)) <= 0) {
      errors.add("pageToken", "is not a token returned by a previous list call");
    }
  }
  FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
  const int pageSize = request.pageSize == 0 ? kDefaultPageSize : std::min(request.pageSize, kMaxPageSize);
  auto events = store_.recentEvents(lowered(request.orderId), request.actor, beforePosition, pageSize + 1);
  if (!events) return events.status();
  // Each order on the page is read and folded once: its state after every version, encoded (two
  // reads and folds of the whole stream per row made a page of 200 changes 400 transactions).
  std::map<std::string, std::vector<std::string>> statesOf;  // order id -> state after version i + 1
  const auto statesFor = [&](const std::string& orderId) -> Result<const std::vector<std::string>*> {
    if (auto known = statesOf.find(orderId); known != statesOf.end()) return &known->second;
    auto history = store_.history(orderId);
    if (!history) return history.status();
    std::vector<std::string> states;
    Order order;
    for (const RecordedEvent& recorded : *history) {
      auto event = decodeEvent(recorded.type, recorded.payloadJson);
      if (!event) return event.status();
      apply(order, *event, recorded.recordedAtMicros);
      states.push_back(encodeOrder(order));
    }
    return &statesOf.emplace(orderId, std::move(states)).first->second;
  };
  AuditResult result;
  for (const auto& event : *events) {
    if (static_cast<int>(result.changes.size()) == pageSize) {
      result.nextPageToken = base64UrlEncode("e1:" + std::to_string(result.changes.back().event.globalPosition));
      break;
    }
    auto states = statesFor(event.orderId);
    if (!states) return states.status();
    if (event.version < 1 || event.version > static_cast<int64_t>((*states)->size())) {
      return internalError("order " + event.orderId + " has no version " + std::to_string(event.version));
    }
    OrderChange change;
    change.event = event;
    if (event.version > 1) change.beforeJson = (**states)[static_cast<size_t>(event.version - 2)];
    change.afterJson = (**states)[static_cast<size_t>(event.version - 1)];
    result.changes.push_back(std::move(change));
  }
  return result;
}

}  // namespace fleetdeck::orders
