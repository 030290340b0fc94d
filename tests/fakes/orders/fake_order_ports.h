// In-memory OrderStore and Catalog for unit tests of the orders domain.
#pragma once

#include <algorithm>

#include <functional>
#include <map>
#include <utility>

#include "domain/event_codec.h"
#include "ports/order_store.h"

namespace fleetdeck::orders::testing {

class FakeCatalog final : public Catalog {
 public:
  struct Product {
    std::string sku;
    std::string name;
    Money price;
    bool active = true;
  };
  std::map<std::string, Product> products;
  Status failure;  // when not OK, every call fails with it

  Result<std::vector<OrderLine>> priceLines(const std::vector<LineRequest>& lines, const ChangeContext&) override {
    if (!failure.isOk()) return failure;
    std::vector<OrderLine> priced;
    ValidationErrors errors;
    for (size_t i = 0; i < lines.size(); ++i) {
      auto found = products.find(lines[i].productId);
      if (found == products.end() || !found->second.active) {
        errors.add("items[" + std::to_string(i) + "].productId", "no such product");
        continue;
      }
      priced.push_back({lines[i].productId, found->second.sku, found->second.name, lines[i].quantity,
                        found->second.price});
    }
    FLEETDECK_RETURN_IF_ERROR(errors.toStatus());
    return priced;
  }
};

// Keeps events per order and folds them; enough to exercise OrderBook's rules.
class FakeOrderStore final : public OrderStore {
 public:
  Result<Order> create(const NewOrder& order, const ChangeContext& context) override {
    const std::string key = order.created.userId + "/" + order.idempotencyKey;
    if (!order.idempotencyKey.empty()) {
      if (auto found = keys_.find(key); found != keys_.end()) return load(found->second);
      keys_[key] = order.created.orderId;
    }
    return appendEvent(order.created.orderId, 0, OrderEvent(order.created), context);
  }
  Result<std::optional<Order>> findByIdempotencyKey(const std::string& userId, const std::string& key) override {
    auto found = keys_.find(userId + "/" + key);
    if (found == keys_.end()) return std::optional<Order>();
    auto order = load(found->second);
    if (!order) return order.status();
    return std::optional<Order>(*order);
  }
  Result<Order> load(const std::string& orderId) override {
    auto found = streams_.find(orderId);
    if (found == streams_.end()) return notFound("order " + orderId + " does not exist");
    Order order;
    for (const auto& recorded : found->second) apply(order, *decodeEvent(recorded.type, recorded.payloadJson), recorded.recordedAtMicros);
    return order;
  }
  Result<Order> append(const Order& current, const OrderEvent& event, const ChangeContext& context) override {
    if (auto hook = std::exchange(beforeNextAppend, nullptr)) hook();  // e.g. a concurrent writer
    return appendEvent(current.id, current.version, event, context);
  }
  // Runs once, just before the next append: what another writer does between load and append.
  std::function<void()> beforeNextAppend;
  Result<Order> get(const std::string& orderId) override { return load(orderId); }
  Result<OrderPage> list(const OrderQuery& query) override {
    lastQuery = query;
    OrderPage page;
    for (auto it = streams_.rbegin(); it != streams_.rend(); ++it) page.orders.push_back(*load(it->first));
    return page;
  }
  Result<std::vector<RecordedEvent>> history(const std::string& orderId) override {
    ++historyReads;
    auto found = streams_.find(orderId);
    if (found == streams_.end()) return notFound("order " + orderId + " does not exist");
    return found->second;
  }
  // Newest first by global position (the order events were recorded in).
  Result<std::vector<RecordedEvent>> recentEvents(const std::string& orderId, const std::string& actor,
                                                  int64_t beforePosition, int limit) override {
    std::vector<RecordedEvent> events;
    for (const auto& [id, stream] : streams_) {
      for (const auto& event : stream) {
        if ((orderId.empty() || id == orderId) && (actor.empty() || event.metadata.actor == actor) &&
            (beforePosition == 0 || event.globalPosition < beforePosition)) {
          events.push_back(event);
        }
      }
    }
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.globalPosition > b.globalPosition; });
    if (static_cast<int>(events.size()) > limit) events.resize(static_cast<size_t>(limit));
    return events;
  }

  OrderQuery lastQuery;
  int historyReads = 0;

 private:
  Result<Order> appendEvent(const std::string& orderId, int64_t expected, const OrderEvent& event,
                            const ChangeContext& context) {
    auto& stream = streams_[orderId];
    if (static_cast<int64_t>(stream.size()) != expected) return aborted("stream moved on");
    RecordedEvent recorded;
    recorded.orderId = orderId;
    recorded.version = expected + 1;
    recorded.type = std::string(eventTypeName(event));
    recorded.payloadJson = encodeEvent(event);
    recorded.metadata = context;
    recorded.recordedAtMicros = 1'000'000 * (++clock_);
    recorded.globalPosition = clock_;
    stream.push_back(recorded);
    return load(orderId);
  }
  std::map<std::string, std::vector<RecordedEvent>> streams_;
  std::map<std::string, std::string> keys_;
  int64_t clock_ = 0;
};

}  // namespace fleetdeck::orders::testing
