// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform interpolations, not JavaScript.
// The IAM side of infra/: every Allow statement is compared with the exact set of permissions the
// action and the worker need (issue 6), and the checker itself is shown to fail on widened copies.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  type AllowedGrant,
  block,
  checkPolicy,
  evaluate as evaluateIn,
  type Hcl,
  parseInfra,
  readInfraSources,
  type Statement,
  statementsOf,
} from './infra-hcl.ts';

const TASKS = '${aws_sqs_queue.tasks.arn}';
const DLQ = '${aws_sqs_queue.dead_letter.arn}';

const ACTION_ALLOWED: AllowedGrant[] = [{ action: 'sqs:SendMessage', resource: TASKS }];

const WORKER_ALLOWED: AllowedGrant[] = [
  // the daemon
  ...['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'].map(
    (action) => ({ action, resource: TASKS }),
  ),
  { action: 'sqs:SendMessage', resource: DLQ }, // its own move to the DLQ
  // dlq list / redrive
  ...['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'].map(
    (action) => ({ action, resource: DLQ }),
  ),
  { action: 'sqs:SendMessage', resource: TASKS },
  // opt-in metrics: PutMetricData has no resource-level permission, so the namespace condition is required
  {
    action: 'cloudwatch:PutMetricData',
    resource: '*',
    requiredConditions: ['StringEquals cloudwatch:namespace'],
  },
];

const KNOWN_DOCUMENTS = [
  'action_trust',
  'action_permissions',
  'worker',
  'worker_roles_anywhere_trust',
  'tls_only',
];

/** Every IAM problem in a parsed infra/ tree; empty when it grants exactly what is listed above. */
function iamProblems(tree: Hcl): string[] {
  const problems: string[] = [];
  const documents: Record<string, Hcl[]> = tree.data.aws_iam_policy_document ?? {};
  for (const name of Object.keys(documents)) {
    if (!KNOWN_DOCUMENTS.includes(name)) problems.push(`unexpected policy document ${name}`);
  }
  const doc = (name: string) => block(tree, 'data', 'aws_iam_policy_document', name);

  problems.push(
    ...checkPolicy(statementsOf(doc('action_permissions')), ACTION_ALLOWED).map((p) => `action: ${p}`),
  );
  problems.push(...checkPolicy(statementsOf(doc('worker')), WORKER_ALLOWED).map((p) => `worker: ${p}`));

  // Metrics are granted only when enabled, and only for the configured namespace.
  for (const statement of statementsOf(doc('worker'))) {
    if (!statement.actions?.includes('cloudwatch:PutMetricData')) continue;
    if (statement.dynamicForEach !== '${local.metrics_enabled ? [var.worker_metrics_namespace] : []}') {
      problems.push('worker: PutMetricData must be granted only when worker_metrics_namespace is set');
    }
    const namespace = statement.condition?.find((c) => c.variable === 'cloudwatch:namespace');
    if (JSON.stringify(namespace?.values) !== JSON.stringify(['${statement.value}'])) {
      problems.push('worker: PutMetricData must be limited to var.worker_metrics_namespace');
    }
  }

  // Queue policies may only deny (TLS); access comes from the IAM policies above.
  for (const statement of statementsOf(doc('tls_only'))) {
    if (statement.effect !== 'Deny') problems.push(`tls_only: statement ${statement.sid} is not a Deny`);
  }

  problems.push(
    ...trustProblems(statementsOf(doc('action_trust')), statementsOf(doc('worker_roles_anywhere_trust'))),
  );
  problems.push(...attachmentProblems(tree));
  return problems;
}

function trustProblems(action: Statement[], rolesAnywhere: Statement[]): string[] {
  const problems: string[] = [];
  const [oidc, ...extra] = action;
  if (!oidc || extra.length > 0) problems.push('action trust: exactly one statement expected');
  if (oidc) {
    if (JSON.stringify(oidc.actions) !== '["sts:AssumeRoleWithWebIdentity"]') {
      problems.push(`action trust: actions ${JSON.stringify(oidc.actions)}`);
    }
    const principal = JSON.stringify(oidc.principals);
    if (principal !== '[{"identifiers":["${local.github_oidc_provider_arn}"],"type":"Federated"}]') {
      problems.push(`action trust: principal ${principal}`);
    }
    const conditions = (oidc.condition ?? []).map(
      (c) => `${c.test} ${c.variable} ${JSON.stringify(c.values)}`,
    );
    for (const required of [
      'StringEquals ${local.github_oidc_host}:aud ["${var.github_oidc_audience}"]',
      'StringLike ${local.github_oidc_host}:sub "${local.github_subjects}"',
    ]) {
      if (!conditions.includes(required)) problems.push(`action trust: missing condition ${required}`);
    }
  }
  const [anywhere, ...more] = rolesAnywhere;
  if (!anywhere || more.length > 0) problems.push('worker trust: exactly one statement expected');
  if (anywhere) {
    const actions = JSON.stringify(anywhere.actions);
    if (actions !== '["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]') {
      problems.push(`worker trust: actions ${actions}`);
    }
    if (
      JSON.stringify(anywhere.principals) !==
      '[{"identifiers":["rolesanywhere.amazonaws.com"],"type":"Service"}]'
    ) {
      problems.push('worker trust: principal must be rolesanywhere.amazonaws.com only');
    }
    const variables = (anywhere.condition ?? []).map((c) => c.variable);
    for (const required of ['aws:SourceArn', 'aws:PrincipalTag/x509Subject/CN']) {
      if (!variables.includes(required)) problems.push(`worker trust: missing condition on ${required}`);
    }
  }
  return problems;
}

/** Resource types that match the grant pattern but give no principal any access (checked in infra.test.ts). */
const NOT_GRANTS = new Set([
  'aws_iam_openid_connect_provider',
  'aws_iam_user',
  'aws_iam_access_key',
  'aws_sqs_queue_redrive_allow_policy',
]);

/** Policies reach principals only through the documents checked above. */
function attachmentProblems(tree: Hcl): string[] {
  const problems: string[] = [];
  const resources: Record<string, Record<string, Hcl[]>> = tree.resource;
  const expectPolicy: Record<string, Record<string, [string, string]>> = {
    aws_iam_role_policy: { action: ['policy', '${data.aws_iam_policy_document.action_permissions.json}'] },
    aws_iam_policy: { worker: ['policy', '${data.aws_iam_policy_document.worker.json}'] },
    aws_iam_user_policy_attachment: { worker: ['policy_arn', '${aws_iam_policy.worker.arn}'] },
    aws_iam_role_policy_attachment: { worker: ['policy_arn', '${aws_iam_policy.worker.arn}'] },
    aws_iam_role: {
      action: ['assume_role_policy', '${data.aws_iam_policy_document.action_trust.json}'],
      worker: ['assume_role_policy', '${data.aws_iam_policy_document.worker_roles_anywhere_trust[0].json}'],
    },
    aws_sqs_queue_policy: {
      tasks: ['policy', '${data.aws_iam_policy_document.tls_only["tasks"].json}'],
      dead_letter: ['policy', '${data.aws_iam_policy_document.tls_only["dead_letter"].json}'],
    },
  };
  for (const [type, byName] of Object.entries(resources)) {
    const grantsAccess = /^aws_iam_|_policy$|_policy_attachment$/.test(type) && !NOT_GRANTS.has(type);
    if (!grantsAccess) continue;
    for (const [name, blocks] of Object.entries(byName)) {
      const expected = expectPolicy[type]?.[name];
      if (!expected) {
        problems.push(`unexpected ${type}.${name}: every grant must go through the checked documents`);
        continue;
      }
      const [attribute, value] = expected;
      if (blocks[0]?.[attribute] !== value)
        problems.push(`${type}.${name}.${attribute} is ${blocks[0]?.[attribute]}`);
      for (const forbidden of ['managed_policy_arns', 'inline_policy']) {
        if (blocks[0]?.[forbidden] !== undefined) problems.push(`${type}.${name} sets ${forbidden}`);
      }
    }
  }
  if (resources.aws_sns_topic_policy) problems.push('unexpected aws_sns_topic_policy');
  return problems;
}

/** infra/ with one file edited; the edit must apply, so a refactor cannot silently void a test. */
function widened(file: string, from: string, to: string): Record<string, string> {
  const sources = readInfraSources();
  const text = sources[file];
  if (!text?.includes(from))
    throw new Error(`infra/${file} no longer contains ${JSON.stringify(from)}: update this test`);
  return { ...sources, [file]: text.replace(from, to) };
}

describe('infra IAM: least privilege', () => {
  test('the action and the worker get exactly the allowed permissions, nothing else', async () => {
    assert.deepEqual(iamProblems(await parseInfra()), []);
  });

  const widenings: Array<[string, Record<string, string>, RegExp]> = [
    [
      'an extra action for the worker',
      widened(
        'worker-identity.tf',
        '"sqs:ReceiveMessage",',
        '"sqs:ReceiveMessage",\n      "sqs:PurgeQueue",',
      ),
      /worker: ConsumeTasks: grants sqs:PurgeQueue/,
    ],
    [
      'a wildcard resource for the action',
      widened('github-oidc.tf', 'resources = [aws_sqs_queue.tasks.arn]', 'resources = ["*"]'),
      /action: SendTasks: grants sqs:SendMessage on \*/,
    ],
    [
      'a wildcard action for the action',
      widened('github-oidc.tf', 'actions   = ["sqs:SendMessage"]', 'actions   = ["sqs:*"]'),
      /wildcard action sqs:\*/,
    ],
    [
      'another resource for the worker',
      widened(
        'worker-identity.tf',
        'resources = [aws_sqs_queue.dead_letter.arn]',
        'resources = [aws_sqs_queue.dead_letter.arn, "arn:aws:sqs:ap-northeast-1:123456789012:other"]',
      ),
      /grants sqs:SendMessage on arn:aws:sqs:ap-northeast-1:123456789012:other/,
    ],
    [
      'metrics without the namespace condition',
      widened('worker-identity.tf', 'variable = "cloudwatch:namespace"', 'variable = "aws:RequestedRegion"'),
      /lacks condition StringEquals cloudwatch:namespace/,
    ],
    [
      'an AWS managed policy attached to the action role',
      widened(
        'github-oidc.tf',
        'resource "aws_iam_role_policy" "action" {',
        'resource "aws_iam_role_policy_attachment" "admin" {\n  role       = aws_iam_role.action.name\n  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n\nresource "aws_iam_role_policy" "action" {',
      ),
      /unexpected aws_iam_role_policy_attachment\.admin/,
    ],
    [
      'a trust policy without the sub condition',
      widened('github-oidc.tf', 'test     = "StringLike"', 'test     = "ForAnyValue:StringLike"'),
      /action trust: missing condition StringLike/,
    ],
    [
      'a NotAction statement',
      widened('github-oidc.tf', 'actions   = ["sqs:SendMessage"]', 'not_actions = ["sqs:DeleteQueue"]'),
      /NotAction/,
    ],
  ];
  for (const [name, sources, expected] of widenings) {
    test(`the checker fails on a widened copy: ${name}`, async () => {
      const problems = iamProblems(await parseInfra(sources));
      assert.ok(
        problems.some((problem) => expected.test(problem)),
        `expected a problem matching ${expected}, got ${JSON.stringify(problems)}`,
      );
    });
  }

  test('the checker also fails when a needed permission is missing', async () => {
    const sources = widened('worker-identity.tf', '"sqs:ChangeMessageVisibility",\n', '');
    const problems = iamProblems(await parseInfra(sources));
    assert.ok(
      problems.includes('worker: missing grant sqs:ChangeMessageVisibility on ${aws_sqs_queue.tasks.arn}'),
    );
  });
});

describe('infra IAM: the GitHub OIDC trust', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cw-infra-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const evaluate = (expressions: string[]) => evaluateIn(scratch, expressions);
  const unwrap = (expression: string) => expression.replace(/^\$\{/, '').replace(/\}$/, '');
  const hcl = (value: unknown) => JSON.stringify(value);

  test('sub claims are built per repository and ref, environment, immutable ids or a custom pattern', async () => {
    const tree = await parseInfra();
    assert.equal(tree.locals.github_oidc_host, 'token.actions.githubusercontent.com');
    const built = unwrap(tree.locals.github_subjects_built);
    const chosen = unwrap(tree.locals.github_subjects);
    const subjects = (repos: string[], refs: string[], environment: string, custom: string[] = []) =>
      chosen
        .replace('local.github_subjects_built', `(${built})`)
        .replaceAll('var.github_repositories', hcl(repos))
        .replaceAll('var.github_refs', hcl(refs))
        .replaceAll('var.github_environment', hcl(environment))
        .replaceAll('var.github_oidc_subjects', hcl(custom));
    const results = await evaluate([
      subjects(['octo/app'], ['refs/heads/main'], ''),
      subjects(['octo@123/app@456', 'octo/lib'], ['refs/heads/main', 'refs/heads/master'], ''),
      subjects(['octo/app'], ['refs/heads/main'], 'production'),
      subjects(['octo/app'], [], ''),
      subjects(['octo/app'], ['refs/heads/main'], '', [
        'repository_owner_id:123:repository_id:456:ref:refs/heads/main',
      ]),
    ]);
    assert.deepEqual(results, [
      ['repo:octo/app:ref:refs/heads/main'],
      [
        'repo:octo@123/app@456:ref:refs/heads/main',
        'repo:octo@123/app@456:ref:refs/heads/master',
        'repo:octo/lib:ref:refs/heads/main',
        'repo:octo/lib:ref:refs/heads/master',
      ],
      ['repo:octo/app:environment:production'],
      ['repo:octo/app:*'],
      ['repository_owner_id:123:repository_id:456:ref:refs/heads/main'],
    ]);
  });

  test('variable validation refuses wildcards that would trust other repositories', async () => {
    const tree = await parseInfra();
    const validations = (name: string): string[] =>
      tree.variable[name][0].validation.map((rule: Hcl) => unwrap(rule.condition));
    const repositoriesOk = (repos: string[]) =>
      `alltrue([${validations('github_repositories')
        .map((condition) => condition.replaceAll('var.github_repositories', hcl(repos)))
        .join(', ')}])`;
    const subjectsOk = (subjects: string[]) =>
      validations('github_oidc_subjects')[0]!.replaceAll('var.github_oidc_subjects', hcl(subjects));
    const results = await evaluate([
      repositoriesOk(['octo/app', 'octo@123/app@456', 'a-b/c.d_e']),
      repositoriesOk(['octo/*']),
      repositoriesOk(['*']),
      repositoriesOk([]),
      subjectsOk(['repo:octo/app:ref:refs/heads/main']),
      subjectsOk(['*']),
    ]);
    assert.deepEqual(results, [true, false, false, false, true, false]);
  });
});

describe('infra IAM: the code needs no more than it is granted', () => {
  const ROOT = join(import.meta.dirname, '..', '..');

  /** IAM actions behind the AWS SDK commands a set of files sends (batch variants share the action). */
  function commandsIn(files: string[], client: string, prefix: string): Set<string> {
    const actions = new Set<string>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes(`'@aws-sdk/${client}'`) && !text.includes(`"@aws-sdk/${client}"`)) continue;
      for (const match of text.matchAll(/\b([A-Z][A-Za-z]+?)(Batch)?Command\b/g))
        actions.add(`${prefix}:${match[1]}`);
    }
    return actions;
  }

  function sources(dir: string, skip: string[] = []): string[] {
    const found: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (entry.isFile() && /\.(ts|js)$/.test(entry.name) && !skip.some((name) => path.endsWith(name)))
        found.push(path);
    }
    return found;
  }

  test('every SQS and CloudWatch call of the worker (and of sqs-consumer) is in its policy', () => {
    // The embedded queue talks to the in-process emulator with dummy credentials, never to AWS.
    const worker = sources(join(ROOT, 'worker'), ['embedded-queue.ts']);
    const consumer = sources(join(ROOT, 'node_modules', 'sqs-consumer', 'dist', 'esm'));
    const used = new Set([
      ...commandsIn(worker, 'client-sqs', 'sqs'),
      ...commandsIn(consumer, 'client-sqs', 'sqs'),
      ...commandsIn(worker, 'client-cloudwatch', 'cloudwatch'),
    ]);
    assert.ok(used.has('sqs:ReceiveMessage') && used.has('cloudwatch:PutMetricData'), [...used].join(' '));
    const granted = new Set(WORKER_ALLOWED.map((grant) => grant.action));
    assert.deepEqual(
      [...used].filter((action) => !granted.has(action)),
      [],
      'the worker calls AWS actions its IAM policy (infra/worker-identity.tf) does not grant',
    );
  });

  test('every AWS call of the action is in its role policy (STS is the trust policy)', () => {
    const action = sources(join(ROOT, 'action'));
    const used = commandsIn(action, 'client-sqs', 'sqs');
    assert.deepEqual([...used], ['sqs:SendMessage']);
    assert.deepEqual([...commandsIn(action, 'client-sts', 'sts')], ['sts:AssumeRoleWithWebIdentity']);
    assert.deepEqual(
      ACTION_ALLOWED.map((grant) => grant.action),
      [...used],
    );
  });
});
