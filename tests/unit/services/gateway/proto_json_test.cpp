// The gateway's JSON writer against protobuf's own printer, the reference it replaces: every
// response type of every REST method, empty and filled (deterministically pseudo-random values,
// edge cases included: escapes, UTF-8, extreme integers, unknown enum numbers, timestamps with 0/3/6/9
// fractional digits), must come out byte for byte the same.
#include "domain/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "domain/api_catalogue.h"
#include "domain/rest_mapping.h"

namespace fleetdeck::gateway {
namespace {

namespace pb = google::protobuf;
using Field = pb::FieldDescriptor;

std::string reference(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = pb::util::MessageToJsonString(message, &json, options);
  return status.ok() ? json : "error: " + std::string(status.message());
}

const std::vector<std::string> kTexts = {
    "",     "plain", "quote \" backslash \\ slash /", "tab\tnewline\ncr\rbell\x07", "<script>&amp;</script>",
    "\x7f", "é ü 😀 中文", "line\xe2\x80\xa8separator\xe2\x80\xa9", "'; DROP TABLE users; --"};

class Filler {
 public:
  explicit Filler(uint32_t seed) : random_(seed) {}

  void fill(pb::Message& message, int depth) {
    const auto* type = message.GetDescriptor();
    const auto* reflection = message.GetReflection();
    if (type->full_name() == "google.protobuf.Timestamp") {
      static const int32_t kNanos[] = {0, 5000000, 123456000, 123456789, 999999999};
      reflection->SetInt64(&message, type->field(0), pick<int64_t>(0, 4102444800));
      reflection->SetInt32(&message, type->field(1), kNanos[pick<int>(0, 4)]);
      return;
    }
    if (type->full_name() == "google.protobuf.FieldMask") {
      static const char* kPaths[] = {"email", "display_name", "stock.on_hand", "role"};
      for (int i = pick<int>(0, 3); i > 0; --i) reflection->AddString(&message, type->field(0), kPaths[pick<int>(0, 3)]);
      return;
    }
    for (int i = 0; i < type->field_count(); ++i) {
      const Field& field = *type->field(i);
      if (pick<int>(0, 4) == 0) continue;  // some fields stay unset
      if (field.real_containing_oneof() != nullptr && pick<int>(0, 1) == 0) continue;
      if (field.is_repeated()) {
        for (int k = pick<int>(0, 3); k > 0; --k) add(message, field, depth);
      } else {
        set(message, field, depth);
      }
    }
  }

 private:
  template <typename T>
  T pick(T low, T high) {
    return std::uniform_int_distribution<T>(low, high)(random_);
  }
  template <typename T>
  T integer() {
    switch (pick<int>(0, 3)) {
      case 0: return std::numeric_limits<T>::max();
      case 1: return std::numeric_limits<T>::min();
      case 2: return 0;
      default: return static_cast<T>(random_());
    }
  }
  int enumValue(const Field& field) {
    const auto* type = field.enum_type();
    if (pick<int>(0, 5) == 0) return 99;  // a number this build does not know
    return type->value(pick<int>(0, type->value_count() - 1))->number();
  }
  const std::string& text() { return kTexts[pick<size_t>(0, kTexts.size() - 1)]; }

  void set(pb::Message& message, const Field& field, int depth) {
    const auto* r = message.GetReflection();
    switch (field.cpp_type()) {
      case Field::CPPTYPE_INT32: r->SetInt32(&message, &field, integer<int32_t>()); break;
      case Field::CPPTYPE_INT64: r->SetInt64(&message, &field, integer<int64_t>()); break;
      case Field::CPPTYPE_UINT32: r->SetUInt32(&message, &field, integer<uint32_t>()); break;
      case Field::CPPTYPE_UINT64: r->SetUInt64(&message, &field, integer<uint64_t>()); break;
      case Field::CPPTYPE_DOUBLE: r->SetDouble(&message, &field, 0.1 * pick<int>(-50, 50)); break;
      case Field::CPPTYPE_FLOAT: r->SetFloat(&message, &field, 0.5f * static_cast<float>(pick<int>(-5, 5))); break;
      case Field::CPPTYPE_BOOL: r->SetBool(&message, &field, pick<int>(0, 1) == 1); break;
      case Field::CPPTYPE_ENUM: r->SetEnumValue(&message, &field, enumValue(field)); break;
      case Field::CPPTYPE_STRING: r->SetString(&message, &field, text()); break;
      case Field::CPPTYPE_MESSAGE:
        if (depth < 4) fill(*r->MutableMessage(&message, &field), depth + 1);
        break;
    }
  }
  void add(pb::Message& message, const Field& field, int depth) {
    const auto* r = message.GetReflection();
    switch (field.cpp_type()) {
      case Field::CPPTYPE_INT32: r->AddInt32(&message, &field, integer<int32_t>()); break;
      case Field::CPPTYPE_INT64: r->AddInt64(&message, &field, integer<int64_t>()); break;
      case Field::CPPTYPE_UINT32: r->AddUInt32(&message, &field, integer<uint32_t>()); break;
      case Field::CPPTYPE_UINT64: r->AddUInt64(&message, &field, integer<uint64_t>()); break;
      case Field::CPPTYPE_DOUBLE: r->AddDouble(&message, &field, 0.25 * pick<int>(-8, 8)); break;
      case Field::CPPTYPE_FLOAT: r->AddFloat(&message, &field, 0.5f); break;
      case Field::CPPTYPE_BOOL: r->AddBool(&message, &field, pick<int>(0, 1) == 1); break;
      case Field::CPPTYPE_ENUM: r->AddEnumValue(&message, &field, enumValue(field)); break;
      case Field::CPPTYPE_STRING: r->AddString(&message, &field, text()); break;
      case Field::CPPTYPE_MESSAGE:
        if (depth < 4 && !field.is_map()) fill(*r->AddMessage(&message, &field), depth + 1);
        break;
    }
  }

  std::mt19937 random_;
};

std::vector<const pb::Descriptor*> responseTypes() {
  auto mappings = collectRestMappings(publicApiFiles());
  EXPECT_TRUE(mappings.isOk()) << mappings.status().toString();
  std::set<const pb::Descriptor*> types;
  for (const auto& mapping : *mappings) types.insert(mapping.method->output_type());
  return {types.begin(), types.end()};
}

TEST(ProtoJson, EveryResponseTypeMatchesProtobufsPrinterEmptyAndFilled) {
  const auto types = responseTypes();
  ASSERT_GT(types.size(), 10u);
  size_t native = 0;
  size_t compared = 0;
  for (const pb::Descriptor* type : types) {
    if (writesNatively(*type)) ++native;
    const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(type);
    ASSERT_NE(prototype, nullptr) << type->full_name();
    for (uint32_t seed = 0; seed < 60; ++seed) {
      std::unique_ptr<pb::Message> message(prototype->New());
      if (seed > 0) Filler(seed).fill(*message, 0);
      auto ours = protoToJson(*message);
      ASSERT_TRUE(ours.isOk()) << type->full_name() << ": " << ours.status().toString();
      ASSERT_EQ(*ours, reference(*message)) << type->full_name() << " seed " << seed;
      ++compared;
    }
  }
  // Most response types must take the fast path, or this writer is not doing its job.
  EXPECT_GE(native * 10, types.size() * 8) << native << " of " << types.size();
  EXPECT_GT(compared, 600u);
}

TEST(ProtoJson, TimestampsAcrossTheWholeRangeMatchProtobufsPrinter) {
  // The calendar arithmetic at its edges: year 1 and 9999, before 1970, leap days and centuries.
  const int64_t kSeconds[] = {-62135596800LL, -62135596799LL, -30610224000LL, -2208988800LL, -86401, -86400, -1,
                              0,              1,              68169600,       951782400,      951868799,
                              978307200,      4107542400LL,   13574563200LL,  253402214400LL, 253402300799LL};
  const int32_t kNanos[] = {0, 1, 1000, 1000000, 999999999};
  const pb::Descriptor* type =
      pb::DescriptorPool::generated_pool()->FindMessageTypeByName("fleetdeck.products.v1.Product");
  ASSERT_NE(type, nullptr);
  ASSERT_TRUE(writesNatively(*type));
  const Field* created = type->FindFieldByName("create_time");
  ASSERT_NE(created, nullptr);
  for (const int64_t seconds : kSeconds) {
    for (const int32_t nanos : kNanos) {
      std::unique_ptr<pb::Message> message(pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
      pb::Message* time = message->GetReflection()->MutableMessage(message.get(), created);
      time->GetReflection()->SetInt64(time, time->GetDescriptor()->field(0), seconds);
      time->GetReflection()->SetInt32(time, time->GetDescriptor()->field(1), nanos);
      auto ours = protoToJson(*message);
      ASSERT_TRUE(ours.isOk()) << seconds << ": " << ours.status().toString();
      EXPECT_EQ(*ours, reference(*message)) << seconds << "s " << nanos << "ns";
    }
  }
}

TEST(ProtoJson, InvalidUtf8AndOutOfRangeTimestampsAreLeftToProtobuf) {
  for (const pb::Descriptor* type : responseTypes()) {
    if (!writesNatively(*type)) continue;
    const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(type);
    std::unique_ptr<pb::Message> message(prototype->New());
    const auto* reflection = message->GetReflection();
    bool changed = false;
    for (int i = 0; i < type->field_count(); ++i) {
      const Field& field = *type->field(i);
      if (field.is_repeated()) continue;
      if (field.cpp_type() == Field::CPPTYPE_STRING) {
        reflection->SetString(message.get(), &field, "bad \xff\xfe utf8 \xe2\x82");
        changed = true;
      } else if (field.cpp_type() == Field::CPPTYPE_MESSAGE &&
                 field.message_type()->full_name() == "google.protobuf.Timestamp") {
        pb::Message* time = reflection->MutableMessage(message.get(), &field);
        time->GetReflection()->SetInt64(time, time->GetDescriptor()->field(0), 253402300800LL);  // year 10000
        changed = true;
      }
    }
    if (!changed) continue;
    auto ours = protoToJson(*message);
    const std::string expected = reference(*message);
    if (expected.starts_with("error: ")) {
      EXPECT_FALSE(ours.isOk()) << type->full_name();
    } else {
      ASSERT_TRUE(ours.isOk()) << type->full_name() << ": " << ours.status().toString();
      EXPECT_EQ(*ours, expected) << type->full_name();
    }
  }
}

}  // namespace
}  // namespace fleetdeck::gateway
