// Validates JSON documents against a vendor JSON Schema with ajv (no .NET validator restores here).
// Usage: node validate-json.mjs <schema.json> <document.json>...
// Prints one JSON line {"valid": bool, "results": [{file, valid, errors}]} and exits 1 when any document is invalid.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const [schemaPath, ...documents] = process.argv.slice(2);
if (!schemaPath || documents.length === 0) {
  console.error('usage: node validate-json.mjs <schema.json> <document.json>...');
  process.exit(2);
}

const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
// The Adaptive Cards schema names itself with draft-04's "id"; ajv wants "$id". Patch the in-memory copy only.
if (typeof schema.id === 'string' && schema.$id === undefined) {
  schema.$id = schema.id;
  delete schema.id;
}
// The Teams manifest schema declares draft-04, which ajv 8 does not load; its keywords are all ones draft-07 reads the
// same way (no boolean exclusiveMinimum/Maximum), so the in-memory copy is read as draft-07.
if (typeof schema.$schema === 'string' && schema.$schema.includes('draft-04')) {
  delete schema.$schema;
}
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: true });
// The Adaptive Cards schemas declare draft-06.
ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json'));
addFormats(ajv);
const validate = ajv.compile(schema);

const results = documents.map((file) => {
  const valid = validate(JSON.parse(readFileSync(file, 'utf8')));
  return { file, valid, errors: valid ? [] : validate.errors };
});
const allValid = results.every((r) => r.valid);
console.log(JSON.stringify({ valid: allValid, results }));
process.exit(allValid ? 0 : 1);
