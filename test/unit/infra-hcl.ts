// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform interpolations, not JavaScript.
// Reads infra/*.tf offline (@cdktf/hcl2json) and checks IAM policy documents against an exact allow-list.
// Shared by infra.test.ts and infra-iam.test.ts; the checker is tested on deliberately widened copies.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from '@cdktf/hcl2json';

export const INFRA_DIR = join(import.meta.dirname, '..', '..', 'infra');
const run = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: hcl2json returns untyped JSON; the tests assert its shape.
export type Hcl = Record<string, any>;

/** The .tf files of infra/ by name, as text, so tests can parse them as they are or widened. */
export function readInfraSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const name of readdirSync(INFRA_DIR)
    .filter((file) => file.endsWith('.tf'))
    .sort()) {
    sources[name] = readFileSync(join(INFRA_DIR, name), 'utf8');
  }
  return sources;
}

/** Parses every file and merges the blocks by type (resource.aws_sqs_queue.tasks, data..., locals...). */
export async function parseInfra(sources: Record<string, string> = readInfraSources()): Promise<Hcl> {
  const merged: Hcl = { resource: {}, data: {}, variable: {}, output: {}, locals: {}, terraform: [] };
  for (const [name, text] of Object.entries(sources)) {
    const parsed = await parse(name, text);
    for (const [kind, blocks] of Object.entries(parsed)) {
      if (kind === 'locals') {
        for (const block of blocks as Hcl[]) Object.assign(merged.locals, block);
      } else if (kind === 'terraform' || kind === 'provider') {
        merged[kind] = [...(merged[kind] ?? []), ...(Array.isArray(blocks) ? blocks : [blocks])];
      } else if (kind === 'resource' || kind === 'data') {
        for (const [type, byName] of Object.entries(blocks as Hcl)) {
          merged[kind][type] = { ...(merged[kind][type] ?? {}), ...byName };
        }
      } else {
        Object.assign(merged[kind], blocks);
      }
    }
  }
  return merged;
}

/** The one block of a resource or data source (hcl2json wraps each in an array). */
export function block(tree: Hcl, kind: 'resource' | 'data', type: string, name: string): Hcl {
  const found = tree[kind]?.[type]?.[name];
  if (!Array.isArray(found) || found.length !== 1)
    throw new Error(`${kind} ${type}.${name} not found in infra/`);
  return found[0];
}

export interface Statement {
  sid?: string;
  effect?: string;
  actions?: string[];
  not_actions?: string[];
  resources?: string[];
  not_resources?: string[];
  principals?: Array<{ type: string; identifiers: string[] }>;
  not_principals?: unknown[];
  condition?: Array<{ test: string; variable: string; values: string[] | string }>;
  /** Set for statements produced by a dynamic block: its for_each expression. */
  dynamicForEach?: string;
}

/** Every statement of an aws_iam_policy_document, including those of dynamic "statement" blocks. */
export function statementsOf(document: Hcl): Statement[] {
  const plain: Statement[] = document.statement ?? [];
  const dynamic: Statement[] = (document.dynamic?.statement ?? []).flatMap((generator: Hcl) =>
    (generator.content ?? []).map((content: Statement) => ({
      ...content,
      dynamicForEach: String(generator.for_each),
    })),
  );
  return [...plain, ...dynamic];
}

/** One permitted (action, resource) pair, with the conditions that must accompany it. */
export interface AllowedGrant {
  action: string;
  resource: string;
  /** Condition keys that must be present on the statement granting this pair, e.g. "StringEquals cloudwatch:namespace". */
  requiredConditions?: string[];
}

/**
 * Compares a policy document's Allow statements with the exact allowed set: every (action, resource)
 * pair granted must be listed, every listed pair must be granted, and none may use a wildcard action,
 * NotAction or NotResource. Deny statements narrow access and are not counted. Returns the problems.
 */
export function checkPolicy(statements: Statement[], allowed: AllowedGrant[]): string[] {
  const problems: string[] = [];
  const granted = new Set<string>();
  for (const statement of statements) {
    const where = statement.sid ?? '(no sid)';
    const effect = statement.effect ?? 'Allow';
    if (effect === 'Deny') continue;
    if (effect !== 'Allow') problems.push(`${where}: effect ${effect} is neither Allow nor Deny`);
    if (statement.not_actions || statement.not_resources || statement.not_principals) {
      problems.push(`${where}: NotAction/NotResource/NotPrincipal grants everything else`);
    }
    const actions = statement.actions ?? [];
    const resources = statement.resources ?? ['*'];
    if (!Array.isArray(actions) || !Array.isArray(resources)) {
      problems.push(`${where}: actions and resources must be literal lists so they can be checked`);
      continue;
    }
    const conditionKeys = (statement.condition ?? []).map((c) => `${c.test} ${c.variable}`);
    for (const action of actions) {
      if (action.includes('*') || action.includes('?')) problems.push(`${where}: wildcard action ${action}`);
      for (const resource of resources) {
        const key = `${action} on ${resource}`;
        granted.add(key);
        const rule = allowed.find((grant) => grant.action === action && grant.resource === resource);
        if (!rule) {
          problems.push(`${where}: grants ${key}, which is not in the allowed set`);
          continue;
        }
        for (const required of rule.requiredConditions ?? []) {
          if (!conditionKeys.includes(required))
            problems.push(`${where}: ${key} lacks condition ${required}`);
        }
      }
    }
  }
  for (const grant of allowed) {
    const key = `${grant.action} on ${grant.resource}`;
    if (!granted.has(key)) problems.push(`missing grant ${key}`);
  }
  return problems;
}

/** Runs the terraform CLI; fails loudly (never skips) when the binary is missing. */
export async function terraform(
  args: string[],
  cwd: string,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  try {
    if (input === undefined) {
      const { stdout, stderr } = await run('terraform', args, { cwd, env });
      return { code: 0, stdout, stderr };
    }
    return await new Promise((resolve, reject) => {
      const child = execFile('terraform', args, { cwd, env }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') reject(error);
        else resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
      child.stdin?.end(input);
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string; code?: unknown };
    if (failure.code === 'ENOENT') {
      throw new Error(
        'terraform is not on PATH: install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install) — the infra checks need it',
      );
    }
    return { code: Number(failure.code ?? 1), stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/**
 * Evaluates Terraform expressions with the real terraform binary: written as locals into a scratch
 * directory, then printed through `terraform console`, which needs no provider. Returns one value each.
 */
export async function evaluate(scratchDir: string, expressions: string[]): Promise<unknown[]> {
  const locals = expressions.map((expression, index) => `  e${index} = ${expression}`).join('\n');
  writeFileSync(join(scratchDir, 'evaluate.tf'), `locals {\n${locals}\n}\n`);
  // One line: piped into `terraform console`, only the last line's value is printed.
  const input = `jsonencode([${expressions.map((_, index) => `local.e${index}`).join(', ')}])\n`;
  const { code, stdout, stderr } = await terraform(['console'], scratchDir, input);
  if (code !== 0) throw new Error(`terraform console failed: ${stderr}`);
  const values = JSON.parse(JSON.parse(stdout.trim()));
  if (values.length !== expressions.length) throw new Error(`terraform console printed ${stdout}`);
  return values;
}
