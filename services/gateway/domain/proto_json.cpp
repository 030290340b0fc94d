#include "domain/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>


namespace fleetdeck::gateway {
namespace {

namespace pb = google::protobuf;
using Field = pb::FieldDescriptor;

struct TypeInfo;

// What the writer asks of a field on every message, computed once.
struct FieldInfo {
  const Field* field = nullptr;
  std::string key;  // "\"jsonName\":"
  Field::CppType cppType = Field::CPPTYPE_INT32;
  bool repeated = false;
  // Unset, it stays out: a message, a oneof member or a proto3 `optional` field. Other singular
  // fields are printed with their default value.
  bool omittedWhenUnset = false;
  const TypeInfo* messageType = nullptr;  // CPPTYPE_MESSAGE only
};

// Per type, computed once: whether it (and everything it contains) is one this writer handles, and
// its fields in the order protobuf's printer writes them in.
struct TypeInfo {
  enum class Kind { kMessage, kTimestamp, kFieldMask };
  Kind kind = Kind::kMessage;
  bool native = true;
  std::vector<FieldInfo> fields;
};

class NativeTypes {
 public:
  const TypeInfo& info(const pb::Descriptor& type) {
    {
      std::shared_lock lock(mutex_);
      if (auto found = known_.find(&type); found != known_.end()) return found->second;
    }
    std::unique_lock lock(mutex_);
    return check(type);
  }

 private:
  // Node-based map: references stay valid while other types are added.
  const TypeInfo& check(const pb::Descriptor& type) {
    if (auto found = known_.find(&type); found != known_.end()) return found->second;
    TypeInfo& info = known_[&type];  // a recursive type refers to itself: native until a field says no
    const std::string& name = type.full_name();
    if (name == "google.protobuf.Timestamp") {
      info.kind = TypeInfo::Kind::kTimestamp;
      return info;
    }
    if (name == "google.protobuf.FieldMask") {
      info.kind = TypeInfo::Kind::kFieldMask;
      return info;
    }
    bool ok = !name.starts_with("google.protobuf.");  // Any, Struct, Value, Duration, wrappers, …
    for (int i = 0; i < type.field_count(); ++i) {
      const Field& field = *type.field(i);
      FieldInfo entry;
      entry.field = &field;
      entry.key = '"' + field.json_name() + "\":";
      entry.cppType = field.cpp_type();
      entry.repeated = field.is_repeated();
      entry.omittedWhenUnset = field.cpp_type() == Field::CPPTYPE_MESSAGE ||
                               field.real_containing_oneof() != nullptr || field.has_presence();
      if (field.is_map() || field.type() == Field::TYPE_BYTES) ok = false;
      switch (field.cpp_type()) {
        case Field::CPPTYPE_DOUBLE:
        case Field::CPPTYPE_FLOAT: ok = false; break;
        case Field::CPPTYPE_MESSAGE: {
          const TypeInfo& nested = check(*field.message_type());
          entry.messageType = &nested;
          ok = nested.native && ok;
          break;
        }
        default: break;
      }
      info.fields.push_back(std::move(entry));
    }
    // protobuf 3.21's printer (DefaultValueObjectWriter) writes fields in number order, except
    // singular well-known types (Timestamp, FieldMask: written as strings), which come after all
    // the others; the differential test pins this down.
    const auto late = [](const FieldInfo& entry) {
      const Field* field = entry.field;
      return field->cpp_type() == Field::CPPTYPE_MESSAGE && !field->is_repeated() &&
             field->message_type()->full_name().starts_with("google.protobuf.");
    };
    std::sort(info.fields.begin(), info.fields.end(), [&](const FieldInfo& a, const FieldInfo& b) {
      const bool aLate = late(a);
      const bool bLate = late(b);
      if (aLate != bLate) return bLate;
      return a.field->number() < b.field->number();
    });
    info.native = ok;
    return info;
  }

  std::shared_mutex mutex_;
  std::unordered_map<const pb::Descriptor*, TypeInfo> known_;
};

NativeTypes& nativeTypes() {
  static NativeTypes instance;
  return instance;
}

// Thrown inside this file only: a string that is not valid UTF-8 (protobuf's printer drops the
// bad bytes its own way, so such a message is handed to it whole).
struct NotUtf8 {};

size_t utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return lead >= 0xC2 ? 2 : 0;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return lead <= 0xF4 ? 4 : 0;
  return 0;
}

// Printable ASCII that JSON (and protobuf's printer, which also escapes '<' and '>') writes as is.
constexpr bool plainAscii(unsigned char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '<' && c != '>'; }

void appendEscaped(std::string& out, const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < text.size();) {
    // Most text is plain: copied a run at a time.
    size_t end = i;
    while (end < text.size() && plainAscii(static_cast<unsigned char>(text[end]))) ++end;
    if (end > i) {
      out.append(text, i, end - i);
      i = end;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = utf8Length(c);
      if (length == 0 || i + length > text.size()) throw NotUtf8{};
      uint32_t code = c & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
      for (size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xC0) != 0x80) throw NotUtf8{};
        code = (code << 6) | (next & 0x3F);
      }
      const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
      if (overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) throw NotUtf8{};
      if (code == 0x2028 || code == 0x2029) {
        out += code == 0x2028 ? "\\u2028" : "\\u2029";
      } else {
        out.append(text, i, length);
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

template <typename Integer>
void appendInteger(std::string& out, Integer value, bool quoted) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  if (quoted) out += '"';
  out.append(digits, end);
  if (quoted) out += '"';
}

// `value` in exactly `width` decimal digits, zero-padded (value < 10^width).
// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf prints a Timestamp. The date is
// computed (Hinnant's days-to-civil) rather than through gmtime_r + strftime + snprintf, which were
// a visible share of a transcoded response's CPU.
bool appendTimestamp(std::string& out, const pb::Message& message) {
  const auto* reflection = message.GetReflection();
  const auto* type = message.GetDescriptor();
  const int64_t seconds = reflection->GetInt64(message, type->field(0));
  const int32_t nanos = reflection->GetInt32(message, type->field(1));
  // 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z; outside it protobuf reports an error.
  if (seconds < -62135596800LL || seconds > 253402300799LL || nanos < 0 || nanos > 999999999) return false;
  const int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  const auto secondOfDay = static_cast<uint32_t>(seconds - days * 86400);
  const int64_t shifted = days + 719468;  // days since 0000-03-01
  const int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
  const auto dayOfEra = static_cast<uint32_t>(shifted - era * 146097);
  const uint32_t yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const uint32_t dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
  const uint32_t monthIndex = (5 * dayOfYear + 2) / 153;  // March = 0
  const uint32_t day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;
  const uint32_t month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const auto year = static_cast<uint32_t>(static_cast<int64_t>(yearOfEra) + era * 400 + (month <= 2 ? 1 : 0));
  // Written into a buffer and appended once: a dozen appends of one or two characters each cost
  // more than the date arithmetic (callgrind: ~1,300 instructions a timestamp).
  char text[32];  // "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" in quotes: 32
  char* end = text;
  const auto digits = [&end](uint32_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      end[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    end += width;
  };
  *end++ = '"';
  digits(year, 4);
  *end++ = '-';
  digits(month, 2);
  *end++ = '-';
  digits(day, 2);
  *end++ = 'T';
  digits(secondOfDay / 3600, 2);
  *end++ = ':';
  digits(secondOfDay / 60 % 60, 2);
  *end++ = ':';
  digits(secondOfDay % 60, 2);
  if (nanos != 0) {
    *end++ = '.';
    const auto fraction = static_cast<uint32_t>(nanos);
    if (fraction % 1000000 == 0) {
      digits(fraction / 1000000, 3);
    } else if (fraction % 1000 == 0) {
      digits(fraction / 1000, 6);
    } else {
      digits(fraction, 9);
    }
  }
  *end++ = 'Z';
  *end++ = '"';
  out.append(text, static_cast<size_t>(end - text));
  return true;
}

// FieldMask paths in lowerCamelCase, comma-separated; false for a path protobuf would refuse.
bool appendFieldMask(std::string& out, const pb::Message& message) {
  const auto* reflection = message.GetReflection();
  const Field* paths = message.GetDescriptor()->field(0);
  out += '"';
  const int count = reflection->FieldSize(message, paths);
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    const std::string path = reflection->GetRepeatedString(message, paths, i);
    bool upperNext = false;
    for (const char c : path) {
      if (c >= 'A' && c <= 'Z') return false;  // not snake_case: protobuf refuses it
      if (c == '_') {
        if (upperNext) return false;
        upperNext = true;
        continue;
      }
      if (upperNext) {
        if (!(c >= 'a' && c <= 'z')) return false;
        out += static_cast<char>(c - 'a' + 'A');
        upperNext = false;
      } else {
        out += c;
      }
    }
    if (upperNext) return false;
  }
  out += '"';
  return true;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  // False: protobuf's printer must decide (it reports the error or handles the case).
  // `type` is the message's own (nativeTypes().info of its descriptor): nested messages take theirs
  // from their field, without a lookup.
  bool message(const pb::Message& message, const TypeInfo& type) {
    if (type.kind == TypeInfo::Kind::kTimestamp) return appendTimestamp(out_, message);
    if (type.kind == TypeInfo::Kind::kFieldMask) return appendFieldMask(out_, message);
    // Once per message: a generated message's GetReflection() checks its descriptors are assigned.
    const auto* reflection = message.GetReflection();
    out_ += '{';
    bool first = true;
    for (const FieldInfo& entry : type.fields) {
      const Field& field = *entry.field;
      if (!entry.repeated && entry.omittedWhenUnset && !reflection->HasField(message, &field)) continue;
      if (!first) out_ += ',';
      first = false;
      out_ += entry.key;
      if (entry.repeated) {
        out_ += '[';
        const int count = reflection->FieldSize(message, &field);
        for (int k = 0; k < count; ++k) {
          if (k > 0) out_ += ',';
          if (!value(message, *reflection, entry, k)) return false;
        }
        out_ += ']';
      } else if (!value(message, *reflection, entry, -1)) {
        return false;
      }
    }
    out_ += '}';
    return true;
  }

 private:
  // One value of `entry`'s field: the singular one (index -1) or element `index` of a repeated one.
  bool value(const pb::Message& message, const pb::Reflection& reflection, const FieldInfo& entry, int index) {
    const auto* r = &reflection;
    const Field& field = *entry.field;
    const bool repeated = index >= 0;
    switch (entry.cppType) {
      case Field::CPPTYPE_INT32:
        appendInteger(out_, repeated ? r->GetRepeatedInt32(message, &field, index) : r->GetInt32(message, &field), false);
        return true;
      case Field::CPPTYPE_UINT32:
        appendInteger(out_, repeated ? r->GetRepeatedUInt32(message, &field, index) : r->GetUInt32(message, &field),
                      false);
        return true;
      case Field::CPPTYPE_INT64:
        appendInteger(out_, repeated ? r->GetRepeatedInt64(message, &field, index) : r->GetInt64(message, &field), true);
        return true;
      case Field::CPPTYPE_UINT64:
        appendInteger(out_, repeated ? r->GetRepeatedUInt64(message, &field, index) : r->GetUInt64(message, &field),
                      true);
        return true;
      case Field::CPPTYPE_BOOL: {
        const bool flag = repeated ? r->GetRepeatedBool(message, &field, index) : r->GetBool(message, &field);
        out_ += flag ? "true" : "false";
        return true;
      }
      case Field::CPPTYPE_ENUM: {
        const int number = repeated ? r->GetRepeatedEnumValue(message, &field, index) : r->GetEnumValue(message, &field);
        if (const auto* known = field.enum_type()->FindValueByNumber(number)) {
          out_ += '"';
          out_ += known->name();
          out_ += '"';
        } else {
          appendInteger(out_, number, false);
        }
        return true;
      }
      case Field::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& text = repeated ? r->GetRepeatedStringReference(message, &field, index, &scratch)
                                           : r->GetStringReference(message, &field, &scratch);
        appendEscaped(out_, text);  // bytes fields never get here (writesNatively)
        return true;
      }
      case Field::CPPTYPE_MESSAGE:
        return this->message(repeated ? r->GetRepeatedMessage(message, &field, index) : r->GetMessage(message, &field),
                              *entry.messageType);
      default:
        return false;  // doubles and floats never get here (writesNatively)
    }
  }

  std::string& out_;
};

Result<std::string> libraryJson(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  if (auto status = pb::util::MessageToJsonString(message, &json, options); !status.ok()) {
    return internalError("cannot render response as JSON: " + std::string(status.message()));
  }
  return json;
}

}  // namespace

bool writesNatively(const pb::Descriptor& type) { return nativeTypes().info(type).native; }

Result<std::string> protoToJson(const pb::Message& message) {
  const TypeInfo& type = nativeTypes().info(*message.GetDescriptor());
  if (!type.native) return libraryJson(message);
  std::string json;
  json.reserve(512);
  try {
    if (Writer(json).message(message, type)) return json;
  } catch (const NotUtf8&) {
  }
  return libraryJson(message);
}

}  // namespace fleetdeck::gateway
