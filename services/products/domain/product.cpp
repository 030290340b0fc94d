#include "domain/product.h"

#include <algorithm>
#include <cctype>

#include "fleetdeck/core/ids.h"

namespace fleetdeck::products {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::string upperCase(std::string_view text) {
  std::string result(trim(text));
  std::transform(result.begin(), result.end(), result.begin(), [](unsigned char c) { return std::toupper(c); });
  return result;
}

void checkPrice(const Money& price, ValidationErrors& errors) {
  if (auto problem = currencyCodeProblem(price.currencyCode); !problem.empty()) {
    errors.add("price.currencyCode", problem);
  }
  if (auto problem = priceUnitsProblem(price.units); !problem.empty()) errors.add("price.units", problem);
}

}  // namespace

size_t utf8Length(std::string_view text) {
  // Counts every byte that does not continue a multi-byte sequence.
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string skuProblem(std::string_view sku) {
  if (sku.empty()) return "is required";
  if (sku.size() > kMaxSkuLength) return "must be at most " + std::to_string(kMaxSkuLength) + " characters long";
  for (char c : sku) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
      return "may contain only letters, digits and '-'";
    }
  }
  return {};
}

std::string nameProblem(std::string_view name) {
  if (name.empty()) return "is required";
  if (utf8Length(name) > kMaxNameLength)
    return "must be at most " + std::to_string(kMaxNameLength) + " characters long";
  if (std::any_of(name.begin(), name.end(), isControl)) return "must not contain control characters";
  return {};
}

std::string descriptionProblem(std::string_view description) {
  if (utf8Length(description) > kMaxDescriptionLength) {
    return "must be at most " + std::to_string(kMaxDescriptionLength) + " characters long";
  }
  // Line breaks and tabs are text; other control characters are not.
  if (std::any_of(description.begin(), description.end(),
                  [](char c) { return isControl(c) && c != '\n' && c != '\r' && c != '\t'; })) {
    return "must not contain control characters other than line breaks and tabs";
  }
  return {};
}

std::string currencyCodeProblem(std::string_view code) {
  if (code.empty()) return "is required";
  if (code.size() != 3 || !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return "must be a three-letter ISO 4217 code such as EUR";
  }
  return {};
}

std::string priceUnitsProblem(int64_t units) {
  if (units <= 0) return "must be a positive amount in minor units (cents)";
  if (units > kMaxPriceUnits) return "must be at most " + std::to_string(kMaxPriceUnits);
  return {};
}

std::string restockQuantityProblem(int64_t quantity) {
  if (quantity < 1 || quantity > kMaxRestockQuantity) {
    return "must be 1 to " + std::to_string(kMaxRestockQuantity);
  }
  return {};
}

std::string normalizeSku(std::string_view sku) { return upperCase(sku); }

std::string normalizeId(std::string_view id) { return canonicalUuid(id); }

Status prepareNewProduct(NewProduct& product) {
  product.sku = normalizeSku(product.sku);
  product.name = std::string(trim(product.name));
  product.price.currencyCode = upperCase(product.price.currencyCode);

  ValidationErrors errors;
  if (auto problem = skuProblem(product.sku); !problem.empty()) errors.add("sku", problem);
  if (auto problem = nameProblem(product.name); !problem.empty()) errors.add("name", problem);
  if (auto problem = descriptionProblem(product.description); !problem.empty()) errors.add("description", problem);
  checkPrice(product.price, errors);
  if (product.initialStock < 0 || product.initialStock > kMaxStock) {
    errors.add("initialStock", "must be 0 to " + std::to_string(kMaxStock));
  }
  return errors.toStatus();
}

Status validateChanges(ProductChanges& changes) {
  ValidationErrors errors;
  if (changes.empty()) errors.add("updateMask", "names no field to change");
  if (changes.name) {
    *changes.name = std::string(trim(*changes.name));
    if (auto problem = nameProblem(*changes.name); !problem.empty()) errors.add("name", problem);
  }
  if (changes.description) {
    if (auto problem = descriptionProblem(*changes.description); !problem.empty()) errors.add("description", problem);
  }
  if (changes.price) {
    changes.price->currencyCode = upperCase(changes.price->currencyCode);
    checkPrice(*changes.price, errors);
  }
  return errors.toStatus();
}

}  // namespace fleetdeck::products
