// Validates rendered Kubernetes manifests against the Kubernetes API schemas,
// offline (no cluster, no schema download):
//  1. each object goes through the OpenAPI-generated validator of its
//     apiVersion/kind from the npm packages kubernetes-models (Kubernetes API)
//     and @kubernetes-models/prometheus-operator (ServiceMonitor,
//     PrometheusRule): types, required fields, enums, formats;
//  2. a strict pass, like `kubectl --validate=strict`, rejects fields the API
//     does not know (those validators allow them): the field lists come from
//     the same packages' generated type declarations (.d.ts).
// An object whose apiVersion/kind has no schema is an error.
//
//   node tests/deploy/validate-manifests.mjs TOOLS_DIR FILE...      (FILE: multi-document YAML)
//   node tests/deploy/validate-manifests.mjs TOOLS_DIR --self-test
// TOOLS_DIR is what scripts/install-deploy-tools.sh printed.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [toolsDir, ...files] = process.argv.slice(2);
if (!toolsDir || files.length === 0) {
  console.error("usage: validate-manifests.mjs TOOLS_DIR FILE... | --self-test");
  process.exit(2);
}
const modules = path.join(toolsDir, "node_modules");
const load = (spec) => import(pathToFileURL(path.join(modules, spec)).href);
const YAML = await load("yaml/dist/index.js");

// ---- the field lists, from the generated .d.ts files ----
// A tiny parser for the subset of TypeScript those files use:
//   type := primary ('|' primary)*
//   primary := Array<type> | { members } | Identifier | "literal" | number | (type)
//   members := ("name"?: type; | [key: string]: type;)*
function parseType(src, pos) {
  const options = [];
  for (;;) {
    let t;
    [t, pos] = parsePrimary(src, pos);
    options.push(t);
    pos = skip(src, pos);
    if (src[pos] !== "|") break;
    pos++;
  }
  return [options.length === 1 ? options[0] : { kind: "union", options }, pos];
}
function skip(src, pos) {
  for (;;) {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
    if (src.startsWith("/*", pos)) pos = src.indexOf("*/", pos) + 2;
    else if (src.startsWith("//", pos)) pos = src.indexOf("\n", pos) + 1;
    else return pos;
  }
}
function parsePrimary(src, pos) {
  pos = skip(src, pos);
  if (src.startsWith("Array<", pos)) {
    const [of, p] = parseType(src, pos + 6);
    return [{ kind: "array", of }, skip(src, p) + 1];
  }
  if (src[pos] === "{") return parseMembers(src, pos + 1);
  if (src[pos] === "(") {
    const [t, p] = parseType(src, pos + 1);
    return [t, skip(src, p) + 1];
  }
  if (src[pos] === '"') {
    const end = src.indexOf('"', pos + 1);
    return [{ kind: "leaf" }, end + 1];
  }
  const m = /^[A-Za-z_$][\w$]*|^-?\d[\d.]*/.exec(src.slice(pos, pos + 300));
  if (!m) throw new Error(`cannot parse type at: ${src.slice(pos, pos + 60)}`);
  const word = m[0];
  const leaf = ["string", "number", "boolean", "any", "unknown", "null", "object", "true", "false"];
  return [leaf.includes(word) || /^-?\d/.test(word) ? { kind: "leaf" } : { kind: "ref", name: word },
    pos + word.length];
}
function parseMembers(src, pos) {
  const props = {};
  let index = null;
  for (;;) {
    pos = skip(src, pos);
    if (src[pos] === "}") return [{ kind: "object", props, index }, pos + 1];
    if (src[pos] === "[") {  // [key: string]: T;
      const close = src.indexOf("]", pos);
      const colon = src.indexOf(":", close);
      let t;
      [t, pos] = parseType(src, colon + 1);
      index = t;
    } else if (src[pos] === '"') {
      const end = src.indexOf('"', pos + 1);
      const name = src.slice(pos + 1, end);
      pos = skip(src, end + 1);
      if (src[pos] === "?") pos++;
      pos = skip(src, pos) + 1;  // ':'
      let t;
      [t, pos] = parseType(src, pos);
      props[name] = t;
    } else {
      throw new Error(`unexpected member at: ${src.slice(pos, pos + 60)}`);
    }
    pos = skip(src, pos);
    if (src[pos] === ";" || src[pos] === ",") pos++;
  }
}

const typesByName = new Map();
function indexDeclarations(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) { indexDeclarations(file); continue; }
    if (!entry.name.endsWith(".d.ts") || entry.name === "index.d.ts") continue;
    const src = fs.readFileSync(file, "utf8");
    const iface = /export interface (I\w+)(?: extends [\w, ]+)? \{/.exec(src);
    if (!iface) continue;
    const [type] = parseMembers(src, iface.index + iface[0].length);
    typesByName.set(iface[1], type);
    const alias = /export type \{ (I\w+) as (I\w+)/.exec(src);
    if (alias && alias[1] === iface[1]) typesByName.set(alias[2], type);
  }
}
for (const dir of ["kubernetes-models", "@kubernetes-models/apimachinery",
  "@kubernetes-models/prometheus-operator/monitoring.coreos.com"]) {
  indexDeclarations(path.join(modules, dir));
}

function resolve(type) {
  while (type && type.kind === "ref") type = typesByName.get(type.name);
  return type;
}
// Unknown fields of `value` under `type`, as JSON paths.
function unknownFields(value, type, at, out) {
  type = resolve(type);
  if (!type || value === null || value === undefined) return out;
  if (type.kind === "array" && Array.isArray(value)) {
    value.forEach((v, i) => unknownFields(v, type.of, `${at}[${i}]`, out));
  } else if (type.kind === "object" && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key in type.props) unknownFields(v, type.props[key], `${at}.${key}`, out);
      else if (type.index) unknownFields(v, type.index, `${at}.${key}`, out);
      else if (Object.keys(type.props).length > 0) out.push(`${at}.${key}`);
    }
  } else if (type.kind === "union") {
    const objects = type.options.map(resolve).filter((t) => t && t.kind !== "leaf");
    if (objects.length > 0 && typeof value === "object") {
      const tries = objects.map((t) => unknownFields(value, t, at, []));
      const best = tries.reduce((a, b) => (b.length < a.length ? b : a));
      out.push(...best);
    }
  }
  return out;
}

// ---- the kinds ----
async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const spec = group === "monitoring.coreos.com"
    ? `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}.js`
    : `kubernetes-models/${group ? group + "/" : ""}${version}/${kind}.js`;
  if (!fs.existsSync(path.join(modules, spec))) return null;
  const mod = await load(spec);
  return { Model: mod[kind], typeName: `I${kind}`, file: path.join(modules, spec.replace(/\.js$/, ".d.ts")) };
}

async function validate(doc) {
  const where = `${doc.kind ?? "?"}/${doc.metadata?.name ?? "?"}`;
  if (!doc.apiVersion || !doc.kind) return [`${where}: apiVersion and kind are required`];
  const model = await modelFor(doc.apiVersion, doc.kind);
  if (!model || !model.Model) return [`${where}: no schema for ${doc.apiVersion} ${doc.kind}`];
  const problems = [];
  try {
    new model.Model(doc).validate();
  } catch (e) {
    problems.push(`${where}: ${e.message}`);
  }
  const src = fs.readFileSync(model.file, "utf8");
  const iface = /export interface (I\w+)(?: extends [\w, ]+)? \{/.exec(src);
  const [type] = parseMembers(src, iface.index + iface[0].length);
  for (const field of unknownFields(doc, type, "", [])) {
    problems.push(`${where}: unknown field ${field.slice(1)}`);
  }
  return problems;
}

async function validateText(text) {
  const problems = [];
  let count = 0;
  for (const d of YAML.parseAllDocuments(text)) {
    if (d.errors.length) { problems.push(`YAML: ${d.errors[0].message}`); continue; }
    const doc = d.toJS();
    if (doc === null) continue;
    count++;
    problems.push(...await validate(doc));
  }
  return { count, problems };
}

if (files[0] === "--self-test") {
  // The validator must reject what the API server would.
  const deployment = (container, replicas = 1) => YAML.stringify({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "t" },
    spec: { replicas, selector: { matchLabels: { a: "b" } },
      template: { metadata: { labels: { a: "b" } }, spec: { containers: [container] } } },
  });
  const good = { name: "c", image: "i", livenessProbe: { grpc: { port: 50051, service: "liveness" } } };
  const cases = [
    ["a valid Deployment", deployment(good), 0],
    ["an unknown container field", deployment({ ...good, imagePullPolicyy: "Always" }), 1],
    ["an unknown probe field", deployment({ ...good, livenessProbe: { grpc: { port: 1, sevice: "x" } } }), 1],
    ["a string port in a grpc probe", deployment({ ...good, livenessProbe: { grpc: { port: "grpc" } } }), 1],
    ["a string replica count", deployment(good, "2"), 1],
    ["a missing container name", deployment({ image: "i" }), 1],
    ["an unknown kind", "apiVersion: v1\nkind: Nonsense\nmetadata: {name: x}\n", 1],
    ["an unknown ServiceMonitor field", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n" +
      "metadata: {name: x}\nspec: {selector: {}, endpoints: [{port: m, intervall: 30s}]}\n", 1],
  ];
  let failed = 0;
  for (const [name, text, expected] of cases) {
    const { problems } = await validateText(text);
    const ok = expected === 0 ? problems.length === 0 : problems.length > 0;
    if (!ok) failed++;
    console.log(`${ok ? "ok  " : "FAIL"} self-test: ${name} -> ${problems.join("; ") || "valid"}`);
  }
  console.log(`${typesByName.size} API types indexed`);
  process.exit(failed ? 1 : 0);
}

let failed = 0;
for (const file of files) {
  const { count, problems } = await validateText(fs.readFileSync(file, "utf8"));
  for (const p of problems) console.log(`FAIL ${path.basename(file)}: ${p}`);
  if (problems.length || count === 0) failed++;
  console.log(`${problems.length ? "FAIL" : "ok  "} ${path.basename(file)}: ${count} objects, ${problems.length} problems`);
}
process.exit(failed ? 1 : 0);
