// Validates requests and responses of the GitHub test server against GitHub's official REST description
// (@octokit/openapi, generated/api.github.com.json), so the fake cannot drift from GitHub.
// The 13 MB document is read once, lazily, and validators are compiled only for the operations served.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under Node's ESM interop the function is the default export's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => void;

type Json = Record<string, unknown>;

interface OpenApiDocument {
  paths: Record<string, Record<string, Json>>;
  components: Record<string, Record<string, Json>>;
}

export interface OperationSpec {
  operationId: string;
  method: string;
  /** The OpenAPI path template, e.g. /repos/{owner}/{repo}. */
  path: string;
}

export interface CheckedOperation extends OperationSpec {
  /** Problems with a request, [] when it matches the description. */
  checkRequest(input: {
    params: Record<string, string>;
    query: Record<string, string>;
    body: unknown;
    hasBody: boolean;
  }): string[];
  /** Problems with a response, [] when it matches the description. */
  checkResponse(status: number, body: unknown): string[];
}

const ROOT_ID = 'github-openapi';
let compilations = 0;
let loaded: { document: OpenApiDocument; ajv: Ajv } | undefined;

function load(): { document: OpenApiDocument; ajv: Ajv } {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const document = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  // strict off: GitHub's schemas carry OpenAPI keywords (example, x-github, discriminator-less anyOf);
  // `nullable` is understood by Ajv natively.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  // GitHub-specific formats: checked loosely where their meaning is clear, accepted otherwise.
  ajv.addFormat('int64', { type: 'number', validate: Number.isInteger });
  ajv.addFormat('int32', { type: 'number', validate: Number.isInteger });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/);
  ajv.addFormat('binary', true);
  ajv.addFormat('timestamp', true);
  normaliseNullable(document.components);
  loaded = { document, ajv };
  return loaded;
}

/**
 * OpenAPI 3.0 allows `nullable: true` beside anyOf/allOf without a `type`; Ajv only understands it next
 * to `type`. Rewrites those in place to the equivalent JSON Schema: anyOf [the schema, null]; and lets a
 * nullable enum hold null.
 */
function normaliseNullable(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) normaliseNullable(item);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const node = value as Json;
  for (const child of Object.values(node)) normaliseNullable(child);
  // GitHub marks e.g. a check run's conclusion as nullable with an enum that omits null; GitHub sends null.
  if (node.nullable === true && Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
  if (node.nullable === true && node.type === undefined) {
    const copy: Json = { ...node };
    delete copy.nullable;
    for (const key of Object.keys(node)) delete node[key];
    node.anyOf = [copy, { type: 'null' }];
    node['x-was-nullable'] = true;
  }
}

function resolve(document: OpenApiDocument, value: Json): Json {
  let current = value;
  while (typeof current.$ref === 'string') {
    const [, , section, name] = (current.$ref as string).split('/');
    current = document.components[section!]![name!]!;
  }
  return current;
}

function describe(validate: ValidateFunction): string[] {
  return (validate.errors ?? [])
    .slice(0, 8)
    .map((error) => `${error.instancePath || '(root)'} ${error.message}`);
}

function coerce(value: string, schema: Json): unknown {
  if (schema.type === 'integer' || schema.type === 'number') return value === '' ? value : Number(value);
  if (schema.type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/** Builds validators for the given operations; throws when an operation is not in GitHub's description. */
export function checkOperations(specs: OperationSpec[]): Map<string, CheckedOperation> {
  // Compiling GitHub's large schemas takes a while; every server in a test process shares the result.
  const key = JSON.stringify(specs);
  const cached = compiled.get(key);
  if (cached) return cached;
  const result = compileOperations(specs);
  compiled.set(key, result);
  return result;
}

const compiled = new Map<string, Map<string, CheckedOperation>>();

function compileOperations(specs: OperationSpec[]): Map<string, CheckedOperation> {
  const { document, ajv } = load();
  const schemas: Record<string, unknown> = {};
  const plans = specs.map((spec) => {
    const operation = document.paths[spec.path]?.[spec.method.toLowerCase()];
    if (!operation || operation.operationId !== spec.operationId) {
      throw new Error(
        `${spec.method} ${spec.path} (${spec.operationId}) is not in GitHub's OpenAPI description`,
      );
    }
    const key = spec.operationId.replace(/[^A-Za-z0-9]/g, '_');
    const parameters = ((operation.parameters as Json[] | undefined) ?? []).map((p) => resolve(document, p));
    const requestBody = operation.requestBody ? resolve(document, operation.requestBody as Json) : undefined;
    const bodySchema = (requestBody?.content as Record<string, Json> | undefined)?.['application/json']
      ?.schema;
    if (bodySchema) schemas[`${key}__body`] = bodySchema;
    const responses: Record<string, { hasContent: boolean }> = {};
    for (const [status, raw] of Object.entries(operation.responses as Record<string, Json>)) {
      const response = resolve(document, raw);
      const schema = (response.content as Record<string, Json> | undefined)?.['application/json']?.schema;
      responses[status] = { hasContent: Boolean(schema) };
      if (schema) schemas[`${key}__${status}`] = schema;
    }
    return {
      spec,
      key,
      parameters,
      bodySchema,
      requestBodyRequired: requestBody?.required === true,
      responses,
    };
  });
  schemas.basic_error = { $ref: '#/components/schemas/basic-error' };
  // One schema document holds GitHub's components and the pieces used here, so every internal
  // "#/components/..." reference resolves as in the original description.
  compilations += 1;
  const rootId = `${ROOT_ID}-${compilations}`;
  ajv.addSchema({ $id: rootId, components: document.components, served: schemas });
  const compile = (name: string) => ajv.compile({ $ref: `${rootId}#/served/${name}` });
  const basicError = compile('basic_error');

  const checked = new Map<string, CheckedOperation>();
  for (const plan of plans) {
    const { spec, key } = plan;
    const bodyValidator = plan.bodySchema ? compile(`${key}__body`) : undefined;
    const responseValidators = new Map<string, ValidateFunction | undefined>();
    for (const [status, { hasContent }] of Object.entries(plan.responses)) {
      responseValidators.set(status, hasContent ? compile(`${key}__${status}`) : undefined);
    }
    const parameterValidators = plan.parameters.map((parameter) => ({
      name: parameter.name as string,
      in: parameter.in as string,
      required: parameter.required === true,
      schema: (parameter.schema as Json | undefined) ?? {},
      validate: ajv.compile({ ...((parameter.schema as Json | undefined) ?? {}) }),
    }));
    checked.set(spec.operationId, {
      ...spec,
      checkRequest({ params, query, body, hasBody }) {
        const problems: string[] = [];
        for (const parameter of parameterValidators) {
          const source = parameter.in === 'path' ? params : parameter.in === 'query' ? query : undefined;
          if (!source) continue;
          const raw = source[parameter.name];
          if (raw === undefined) {
            if (parameter.required) problems.push(`missing ${parameter.in} parameter ${parameter.name}`);
            continue;
          }
          if (!parameter.validate(coerce(raw, parameter.schema))) {
            problems.push(
              `${parameter.in} parameter ${parameter.name}: ${describe(parameter.validate).join('; ')}`,
            );
          }
        }
        if (bodyValidator) {
          if (!hasBody) {
            if (plan.requestBodyRequired) problems.push('missing JSON request body');
          } else if (!bodyValidator(body)) {
            problems.push(`request body: ${describe(bodyValidator).join('; ')}`);
          }
        } else if (hasBody && body !== undefined && body !== null && Object.keys(body as Json).length > 0) {
          problems.push('request body sent to an operation that takes none');
        }
        return problems.map((problem) => `${spec.operationId}: ${problem}`);
      },
      checkResponse(status, body) {
        const label = `${spec.operationId} response ${status}`;
        if (!responseValidators.has(String(status))) {
          // GitHub answers any operation with 401/403/404/429/5xx error objects it does not list for every
          // operation; those must still have the documented basic-error shape.
          if (status >= 400) {
            return basicError(body) ? [] : [`${label}: ${describe(basicError).join('; ')}`];
          }
          return [`${label}: status not documented for this operation`];
        }
        const validate = responseValidators.get(String(status));
        if (!validate) return body === undefined ? [] : [`${label}: documented without a body`];
        return validate(body) ? [] : [`${label}: ${describe(validate).join('; ')}`];
      },
    });
  }
  return checked;
}

/** A value that satisfies a component schema's required fields, for the fields a test does not care about. */
export function placeholderFor(schemaName: string, baseUrl: string): Json {
  const { document } = load();
  // The object itself is wanted even where the schema allows null (e.g. "nullable-integration").
  let schema = resolve(document, { $ref: `#/components/schemas/${schemaName}` });
  if (schema['x-was-nullable'] === true) schema = resolve(document, (schema.anyOf as Json[])[0]!);
  if (schema.nullable === true) schema = { ...schema, nullable: false };
  return placeholder(document, schema, baseUrl, 0) as Json;
}

function placeholder(document: OpenApiDocument, raw: Json, baseUrl: string, depth: number): unknown {
  const schema = resolve(document, raw);
  if (schema.nullable === true || schema['x-was-nullable'] === true) return null;
  const variants = (schema.allOf ?? schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants && !schema.type) {
    if (schema.allOf) {
      return Object.assign({}, ...variants.map((variant) => placeholder(document, variant, baseUrl, depth)));
    }
    return placeholder(document, variants[0]!, baseUrl, depth);
  }
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'date') return '2026-01-01';
      if (schema.format === 'uri' || schema.format === 'uri-template') return `${baseUrl}/placeholder`;
      if (schema.format === 'email') return 'placeholder@example.com';
      if (schema.format === 'repo.nwo') return 'placeholder/placeholder';
      return 'placeholder';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default: {
      if (depth > 6) return {};
      const result: Json = {};
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      for (const name of (schema.required ?? []) as string[]) {
        result[name] = properties[name] ? placeholder(document, properties[name], baseUrl, depth + 1) : null;
      }
      return result;
    }
  }
}
