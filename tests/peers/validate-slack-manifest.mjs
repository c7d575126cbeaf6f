// Validates a Slack app manifest (YAML or JSON) against Slack's own schema with ajv (draft-07). The schema's $refs
// name remote URLs; they are served from the local copies instead. Usage: node validate-slack-manifest.mjs <schema-dir> <manifest>
// Prints one JSON line {valid, errors} and exits 1 when the manifest is invalid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const YAML = require('yaml');

const [schemaDir, manifestPath] = process.argv.slice(2);
const remote = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/';
const load = (name) => JSON.parse(readFileSync(join(schemaDir, name), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
for (const name of ['manifest.schema.1.0.0.json', 'manifest.schema.2.0.0.json']) {
  const schema = load(name);
  delete schema.$id;
  ajv.addSchema(schema, remote + name);
}
const validate = ajv.compile(load('manifest.schema.json'));
const text = readFileSync(manifestPath, 'utf8');
const manifest = manifestPath.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
const valid = validate(manifest);
console.log(JSON.stringify({ valid, errors: valid ? [] : validate.errors }));
process.exit(valid ? 0 : 1);
