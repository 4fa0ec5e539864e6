// AWS credentials for the send. With role-to-assume: GitHub OIDC token -> AssumeRoleWithWebIdentity, so
// no long-lived AWS key is stored in GitHub. Without it: undefined, and the SDK's ambient chain applies
// (e.g. after aws-actions/configure-aws-credentials).
import {
  AssumeRoleWithWebIdentityCommand,
  ExpiredTokenException,
  IDPCommunicationErrorException,
  IDPRejectedClaimException,
  InvalidIdentityTokenException,
  STSClient,
} from '@aws-sdk/client-sts';

/** The shape the AWS SDK clients accept as `credentials`. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface OidcDeps {
  /** core.getIDToken: the GitHub OIDC token for an audience (it masks the token itself). */
  getIDToken(audience: string): Promise<string>;
  /** core.setSecret: masks a value in every later log line. */
  setSecret(value: string): void;
}

export interface AssumeRoleOptions {
  roleArn: string;
  audience: string;
  region: string;
  repository: string;
  /** Shown in CloudTrail; built from the run id so an audit finds the workflow run. */
  sessionName: string;
  /** Default: 900 s, the shortest AWS allows; one send needs seconds. */
  durationSeconds?: number;
}

export async function assumeRoleWithOidc(
  options: AssumeRoleOptions,
  deps: OidcDeps,
): Promise<AwsCredentials> {
  let webIdentityToken: string;
  try {
    webIdentityToken = await deps.getIDToken(options.audience);
  } catch (error) {
    throw new Error(
      `could not get a GitHub OIDC token for audience ${options.audience} (${messageOf(error)}): ` +
        'give the job `permissions: id-token: write`, or leave role-to-assume empty to use other AWS credentials',
      { cause: error },
    );
  }
  // AssumeRoleWithWebIdentity is an unsigned call: the client needs no credentials of its own.
  // The SDK reads AWS_ENDPOINT_URL_STS itself, which is how tests reach a local STS.
  const sts = new STSClient({ region: options.region, maxAttempts: 3 });
  try {
    const { Credentials: credentials } = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: options.roleArn,
        RoleSessionName: options.sessionName,
        WebIdentityToken: webIdentityToken,
        DurationSeconds: options.durationSeconds ?? 900,
      }),
    );
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
      throw new Error('STS answered without credentials');
    }
    deps.setSecret(credentials.AccessKeyId);
    deps.setSecret(credentials.SecretAccessKey);
    deps.setSecret(credentials.SessionToken);
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
    };
  } catch (error) {
    throw new Error(stsAdvice(error, options), { cause: error });
  } finally {
    sts.destroy();
  }
}

/** A RoleSessionName from the workflow run: [\w+=,.@-], 2 to 64 characters. */
export function sessionNameFor(env: NodeJS.ProcessEnv): string {
  const run = [env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT].filter(Boolean).join('-') || String(Date.now());
  return `codingworker-enqueue-${run}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** What to change, from the STS error's type (never from its message text). */
export function stsAdvice(error: unknown, options: AssumeRoleOptions): string {
  const name = (error as { name?: string }).name ?? '';
  const detail = messageOf(error);
  // AccessDenied is not a modelled STS exception: the SDK keeps the wire code as the name.
  if (name === 'AccessDenied') {
    return (
      `AWS refused to let this workflow assume ${options.roleArn} (${detail}): the role's trust policy must ` +
      `allow token.actions.githubusercontent.com with aud ${options.audience} and a sub matching ` +
      `repo:${options.repository}:*`
    );
  }
  if (error instanceof InvalidIdentityTokenException || error instanceof IDPRejectedClaimException) {
    return (
      `AWS did not accept the GitHub OIDC token for ${options.roleArn} (${detail}): add ` +
      'token.actions.githubusercontent.com as an IAM OIDC identity provider with the audience ' +
      `${options.audience}, or set audience to the one it has`
    );
  }
  if (error instanceof ExpiredTokenException || error instanceof IDPCommunicationErrorException) {
    return `AWS could not verify the GitHub OIDC token right now (${detail}): re-run the job`;
  }
  return (
    `could not assume ${options.roleArn} through STS in ${options.region} (${name || 'error'}: ${detail}): ` +
    'check role-to-assume, aws-region and the runner network'
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
