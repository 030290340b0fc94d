#include <gtest/gtest.h>

#include "domain/product.h"

namespace fleetdeck::products {
namespace {

std::vector<std::string> fields(const Status& status) {
  std::vector<std::string> names;
  for (const auto& violation : status.violations()) names.push_back(violation.field);
  return names;
}

NewProduct validProduct() { return {"KB-001", "Keyboard", "Mechanical", Money{"EUR", 4999}, 10}; }

TEST(ProductRules, SkuIsUpperCasedAndTrimmedBeforeItIsChecked) {
  NewProduct product = validProduct();
  product.sku = "  kb-001 ";
  ASSERT_TRUE(prepareNewProduct(product).isOk());
  EXPECT_EQ(product.sku, "KB-001");
}

TEST(ProductRules, SkuAllowsOnlyLettersDigitsAndDashUpTo64) {
  EXPECT_EQ(skuProblem("KB-001"), "");
  EXPECT_EQ(skuProblem(std::string(64, 'A')), "");
  EXPECT_NE(skuProblem(std::string(65, 'A')), "");
  EXPECT_NE(skuProblem(""), "");
  EXPECT_NE(skuProblem("KB 001"), "");
  EXPECT_NE(skuProblem("KB_001"), "");
  EXPECT_NE(skuProblem("kb-001"), "") << "stored skus are upper-case; normalizeSku runs first";
}

TEST(ProductRules, NameLengthCountsCharactersNotBytes) {
  std::string chinese;
  for (int i = 0; i < 200; ++i) chinese += "\xe9\x94\xae";  // 键, three bytes each
  EXPECT_EQ(utf8Length(chinese), 200u);
  EXPECT_EQ(nameProblem(chinese), "");
  EXPECT_NE(nameProblem(chinese + "\xe9\x94\xae"), "");
  EXPECT_NE(nameProblem(""), "");
  EXPECT_NE(nameProblem("Key\x01board"), "");
}

TEST(ProductRules, DescriptionMayBeEmptyAndHoldLineBreaksButNotOtherControls) {
  EXPECT_EQ(descriptionProblem(""), "");
  EXPECT_EQ(descriptionProblem("line one\nline two\ttabbed"), "");
  EXPECT_NE(descriptionProblem("bell\x07"), "");
  EXPECT_EQ(descriptionProblem(std::string(2000, 'x')), "");
  EXPECT_NE(descriptionProblem(std::string(2001, 'x')), "");
}

TEST(ProductRules, PriceNeedsPositiveUnitsAndAThreeLetterCurrency) {
  NewProduct product = validProduct();
  product.price = Money{"eur", 0};
  const Status status = prepareNewProduct(product);
  EXPECT_EQ(product.price.currencyCode, "EUR") << "currency codes are upper-cased";
  EXPECT_EQ(fields(status), std::vector<std::string>{"price.units"});
  EXPECT_NE(currencyCodeProblem("EU"), "");
  EXPECT_NE(currencyCodeProblem("EU1"), "");
  EXPECT_NE(currencyCodeProblem(""), "");
  EXPECT_NE(priceUnitsProblem(-5), "");
  EXPECT_NE(priceUnitsProblem(kMaxPriceUnits + 1), "");
}

TEST(ProductRules, EveryBadFieldIsReportedAtOnceWithItsJsonName) {
  NewProduct product{"bad sku!", "", std::string(2001, 'x'), Money{"", -1}, -3};
  const Status status = prepareNewProduct(product);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fields(status), (std::vector<std::string>{"sku", "name", "description", "price.currencyCode", "price.units",
                                                      "initialStock"}));
}

TEST(ProductRules, RestockQuantityIsOneToAMillion) {
  EXPECT_EQ(restockQuantityProblem(1), "");
  EXPECT_EQ(restockQuantityProblem(1'000'000), "");
  EXPECT_NE(restockQuantityProblem(0), "");
  EXPECT_NE(restockQuantityProblem(-1), "");
  EXPECT_NE(restockQuantityProblem(1'000'001), "");
}

TEST(ProductRules, ChangesMustNameAFieldAndFollowTheSameRules) {
  ProductChanges none;
  EXPECT_EQ(fields(validateChanges(none)), std::vector<std::string>{"updateMask"});

  ProductChanges changes;
  changes.name = "  Trimmed  ";
  changes.price = Money{"usd", 100};
  ASSERT_TRUE(validateChanges(changes).isOk());
  EXPECT_EQ(*changes.name, "Trimmed");
  EXPECT_EQ(changes.price->currencyCode, "USD");

  ProductChanges blank;
  blank.name = "   ";
  EXPECT_EQ(fields(validateChanges(blank)), std::vector<std::string>{"name"});
}

TEST(ProductRules, IdsAreComparedLowerCase) {
  EXPECT_EQ(normalizeId("01A213E1-22C5-7335-A7E4-2B51DAE6D000"), "01a213e1-22c5-7335-a7e4-2b51dae6d000");
}

}  // namespace
}  // namespace fleetdeck::products
