// Reads every action input once, at the edge, into one typed settings object. Everything after this
// works with ActionSettings and never calls getInput again.
import { z } from 'zod';
import { botListSchema, PERMISSION_LEVELS, type PermissionLevel } from './permission.ts';
import { regionFromQueueUrl } from './queue-url.ts';

export interface ActionSettings {
  queueUrl: string;
  /** Region of the queue: aws-region, else the one in queue-url, else AWS_REGION / AWS_DEFAULT_REGION. */
  region: string;
  /** IAM role to assume through GitHub OIDC; undefined means the ambient AWS credential chain. */
  roleToAssume: string | undefined;
  /** Audience of the GitHub OIDC token. Default: sts.amazonaws.com. */
  audience: string;
  /** The label that marks an issue for CodingWorker. Default: auto-code. */
  triggerLabel: string;
  /** Lowest repository role of the sender that may trigger a task. Default: write. */
  minPermission: PermissionLevel;
  githubToken: string;
  /** Post (or update) the "queued" progress comment. Default: true. */
  comment: boolean;
  /** Bot logins allowed to trigger tasks (bots are refused unless listed). Default: none. */
  allowedBots: string[];
  /** The phrase a comment on CodingWorker's pull request must contain to ask for a revision. */
  mention: string;
  /** Whether a failed workflow run on CodingWorker's pull request asks for a fix. Default: false. */
  fixFailingChecks: boolean;
}

/** Reads one input the way the runner passes it (INPUT_<NAME>); `required` throws when it is empty. */
export type GetInput = (name: string, options?: { required?: boolean }) => string;

const QUEUE_URL_EXAMPLE = 'https://sqs.<region>.amazonaws.com/<account-id>/<queue-name>';

const queueUrlSchema = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: `queue-url must be a queue URL like ${QUEUE_URL_EXAMPLE}`,
    abort: true,
  })
  .refine((value) => /^\/[^/]+\/[^/]+\/?$/.test(new URL(value).pathname), {
    message: `queue-url must end in /<account-id>/<queue-name>, like ${QUEUE_URL_EXAMPLE}`,
  });

const regionSchema = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'aws-region must be an AWS region such as us-east-1');

const roleSchema = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    'role-to-assume must be an IAM role ARN such as arn:aws:iam::123456789012:role/codingworker-enqueue',
  );

const labelSchema = z
  .string()
  .trim()
  .min(1, 'trigger-label must not be empty')
  .max(50, 'trigger-label must be at most 50 characters (GitHub label names are)');

const mentionSchema = z
  .string()
  .trim()
  .regex(
    /^@?[A-Za-z0-9][\w.-]{0,49}$/,
    'mention must be one word such as @codingworker (letters, digits, - _ .)',
  );

const permissionSchema = z.enum(PERMISSION_LEVELS, {
  error: `min-permission must be one of ${PERMISSION_LEVELS.join(', ')}`,
});

// The YAML 1.2 core-schema booleans, as core.getBooleanInput accepts them.
const booleanSchema = (name: string) =>
  z
    .enum(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'], {
      error: `${name} must be true or false`,
    })
    .transform((value) => value.toLowerCase() === 'true');

const botList = botListSchema('allowed-bots must list bot logins');

/** Reads and validates every input; throws an Error whose message says which input to change and how. */
export function readInputs(getInput: GetInput, env: NodeJS.ProcessEnv = process.env): ActionSettings {
  const required = (name: string, hint: string): string => {
    try {
      return getInput(name, { required: true });
    } catch {
      throw new Error(`Input ${name} is required: ${hint}`);
    }
  };
  const orDefault = (name: string, fallback: string) => getInput(name).trim() || fallback;

  const queueUrl = parse(
    queueUrlSchema,
    required('queue-url', `set it to your queue URL, ${QUEUE_URL_EXAMPLE}`),
  );
  const region = resolveRegion(queueUrl, getInput('aws-region').trim(), env);
  const role = getInput('role-to-assume').trim();

  return {
    queueUrl,
    region,
    roleToAssume: role ? parse(roleSchema, role) : undefined,
    audience: orDefault('audience', 'sts.amazonaws.com'),
    triggerLabel: parse(labelSchema, orDefault('trigger-label', 'auto-code')),
    minPermission: parse(permissionSchema, orDefault('min-permission', 'write')),
    githubToken: required('github-token', "leave it unset to use the job's GITHUB_TOKEN, or pass a token"),
    comment: parse(booleanSchema('comment'), orDefault('comment', 'true')),
    allowedBots: parse(botList, getInput('allowed-bots')),
    mention: parse(mentionSchema, orDefault('mention', '@codingworker')),
    fixFailingChecks: parse(booleanSchema('fix-failing-checks'), orDefault('fix-failing-checks', 'false')),
  };
}

function resolveRegion(queueUrl: string, input: string, env: NodeJS.ProcessEnv): string {
  const fromUrl = regionFromQueueUrl(queueUrl);
  if (input) {
    const region = parse(regionSchema, input);
    if (fromUrl && fromUrl !== region) {
      throw new Error(
        `aws-region ${region} does not match the region ${fromUrl} in queue-url: remove aws-region or correct it`,
      );
    }
    return region;
  }
  const region = fromUrl ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new Error(
      `aws-region is needed: the region cannot be derived from queue-url ${queueUrl}; set aws-region`,
    );
  }
  return parse(regionSchema, region);
}

function parse<T>(schema: z.ZodType<T, string>, value: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(result.error.issues[0]?.message ?? 'invalid input');
  return result.data;
}
