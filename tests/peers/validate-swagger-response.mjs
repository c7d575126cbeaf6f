// Validates a JSON response against the response schema a Swagger 2.0 spec gives for one operation (Slack's Web API
// spec is stale for requests but still describes response shapes). Usage:
//   node validate-swagger-response.mjs <spec.json> <path> <method> <status|default> <response.json>
// Prints one JSON line {valid, errors} and exits 1 when the response does not match.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const [specPath, path, method, status, documentPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const schema = spec.paths?.[path]?.[method]?.responses?.[status]?.schema;
if (!schema) {
  console.error(`no ${status} response schema for ${method.toUpperCase()} ${path}`);
  process.exit(2);
}
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile({ ...schema, definitions: spec.definitions });
const valid = validate(JSON.parse(readFileSync(documentPath, 'utf8')));
console.log(JSON.stringify({ valid, errors: valid ? [] : validate.errors }));
process.exit(valid ? 0 : 1);
