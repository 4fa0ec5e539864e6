// The advice for AWS failures the local servers cannot produce (IAM and KMS refusals, expired tokens):
// errors shaped as the SDK throws them, by type, mapped to what the user must change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiredTokenException, IDPRejectedClaimException } from '@aws-sdk/client-sts';
import { type AwsCredentials, assumeRoleWithOidc, stsAdvice } from '../../action/aws-credentials.ts';
import { sendAdvice } from '../../action/send-task.ts';

const sdkError = (name: string, status?: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const queue = { queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q', region: 'us-east-1' };
const role = {
  roleArn: 'arn:aws:iam::123456789012:role/enqueue',
  audience: 'sts.amazonaws.com',
  region: 'us-east-1',
  repository: 'octo/demo',
  sessionName: 'codingworker-enqueue-1-1',
};

describe('AWS failure advice', () => {
  it('tells what to change for each SQS refusal', () => {
    const cases: Array<[Error, RegExp]> = [
      [sdkError('AccessDenied', 403), /allow sqs:SendMessage on this queue/],
      [sdkError('KmsAccessDenied', 400), /allow kms:GenerateDataKey and kms:Decrypt/],
      [sdkError('InvalidClientTokenId', 403), /did not accept the credentials/],
      [sdkError('CredentialsProviderError'), /no AWS credentials were found: set role-to-assume/],
      [sdkError('QueueDoesNotExist', 400), /there is no queue at .* check queue-url and aws-region/],
      [sdkError('TimeoutError'), /could not reach SQS .* after 5 attempts/],
      [sdkError('InternalError', 500), /SQS refused the message .*HTTP 500 InternalError/],
    ];
    for (const [error, advice] of cases) assert.match(sendAdvice(error, queue), advice);
  });

  it('tells what to change for each STS refusal', () => {
    const rejected = new IDPRejectedClaimException({ message: 'claim rejected', $metadata: {} });
    const expired = new ExpiredTokenException({ message: 'expired', $metadata: {} });
    assert.match(stsAdvice(sdkError('AccessDenied', 403), role), /trust policy .* repo:octo\/demo:\*/);
    assert.match(
      stsAdvice(rejected, role),
      /add token.actions.githubusercontent.com as an IAM OIDC identity provider/,
    );
    assert.match(stsAdvice(expired, role), /re-run the job/);
    assert.match(
      stsAdvice(sdkError('RegionDisabledException', 403), role),
      /check role-to-assume, aws-region/,
    );
  });

  it('asks for id-token: write when no OIDC token can be had, without calling STS', async () => {
    const masked: string[] = [];
    const attempt: Promise<AwsCredentials> = assumeRoleWithOidc(role, {
      getIDToken: async () => {
        throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
      },
      setSecret: (value) => masked.push(value),
    });
    await assert.rejects(attempt, /permissions: id-token: write/);
    assert.deepEqual(masked, []);
  });
});
