#!/usr/bin/env bash
# Validates the generated OpenAPI document with a real validator from npm
# (@apidevtools/swagger-parser), installed into a folder under the build tree, never the repo.
# Also feeds it a broken copy, to prove the validator is really checking.
# Usage: validate_openapi.sh <openapi.json> <npm folder>. Exit 77 (skipped) when npm cannot install.
set -euo pipefail
document="$1"
folder="$2"
mkdir -p "$folder"
if [[ ! -d "$folder/node_modules/@apidevtools/swagger-parser" ]]; then
  if ! command -v npm >/dev/null || ! timeout 300 npm install --prefix "$folder" --no-audit --no-fund --silent \
      @apidevtools/swagger-parser@10 >"$folder/install.log" 2>&1; then
    echo "SKIPPED: npm could not install @apidevtools/swagger-parser (see $folder/install.log); the OpenAPI document was not validated"
    exit 77
  fi
fi
cat >"$folder/validate.js" <<'JS'
const parser = require('@apidevtools/swagger-parser');
const [document, expectation] = process.argv.slice(2);
parser.validate(document).then(
  (api) => {
    if (expectation === 'invalid') { console.error(`${document}: accepted, but it is broken`); process.exit(1); }
    console.log(`${document}: valid OpenAPI ${api.openapi}, ${Object.keys(api.paths).length} paths`);
  },
  (error) => {
    if (expectation === 'invalid') { console.log(`broken copy refused as expected: ${error.message.split('\n')[0]}`); return; }
    console.error(`${document}: INVALID: ${error.message}`); process.exit(1);
  });
JS
export NODE_PATH="$folder/node_modules"
node "$folder/validate.js" "$document" valid
# A Swagger 2 style body parameter ("in": "body") does not exist in OpenAPI 3: must be refused.
broken="$folder/broken-openapi.json"
node -e '
const fs = require("fs");
const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
doc.paths["/api/v1/products/{id}"].get.parameters[0].in = "body";
fs.writeFileSync(process.argv[2], JSON.stringify(doc));' "$document" "$broken"
node "$folder/validate.js" "$broken" invalid
echo "1 passed, 0 failed"
