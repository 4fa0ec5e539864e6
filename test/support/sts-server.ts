// A strict local stand-in for AWS STS AssumeRoleWithWebIdentity (fauxqs serves only GetCallerIdentity).
// It speaks the AWS Query protocol the SDK uses (form-encoded POST, XML answers in STS's real shapes) and
// checks the web identity token the way AWS does for GitHub: RS256 signature by the trusted issuer,
// issuer, audience, expiry, and a `sub` the role's trust policy allows. Issued credentials are recorded.
import { type KeyObject, randomBytes, randomUUID, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GITHUB_OIDC_ISSUER } from './oidc-token-server.ts';

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface StsServer {
  /** AWS_ENDPOINT_URL_STS. */
  url: string;
  /** Every request's parameters (WebIdentityToken included), in order. */
  requests: Array<Record<string, string>>;
  issued: IssuedCredentials[];
  close(): Promise<void>;
}

export interface TrustPolicy {
  roleArn: string;
  audience: string;
  /** The sub claims the role trusts, with * as a wildcard (StringLike). */
  subjects: string[];
  issuerKey: KeyObject;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export async function startStsServer(trust: TrustPolicy): Promise<StsServer> {
  const requests: StsServer['requests'] = [];
  const issued: IssuedCredentials[] = [];

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const xml = (status: number, body: string) => {
        response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
        response.end(body);
      };
      const fail = (status: number, code: string, message: string) =>
        xml(
          status,
          `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n` +
            `    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
        );
      if (
        request.method !== 'POST' ||
        !request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
      ) {
        return fail(400, 'InvalidAction', 'STS accepts form-encoded POST requests');
      }
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      requests.push(params);
      if (params.Version !== '2011-06-15')
        return fail(400, 'InvalidParameterValue', 'Version must be 2011-06-15');
      if (params.Action !== 'AssumeRoleWithWebIdentity') {
        return fail(400, 'InvalidAction', `Could not find operation ${params.Action} for version 2011-06-15`);
      }
      for (const name of ['RoleArn', 'RoleSessionName', 'WebIdentityToken']) {
        if (!params[name])
          return fail(400, 'MissingParameter', `The request must contain the parameter ${name}`);
      }
      if (!/^[\w+=,.@-]{2,64}$/.test(params.RoleSessionName!)) {
        return fail(400, 'ValidationError', 'roleSessionName must satisfy [\\w+=,.@-]{2,64}');
      }
      const duration = Number(params.DurationSeconds ?? 3600);
      if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
        return fail(400, 'ValidationError', 'durationSeconds must be between 900 and 43200');
      }
      const claims = verifiedClaims(params.WebIdentityToken!, trust.issuerKey);
      if (!claims) return fail(400, 'InvalidIdentityToken', 'The web identity token signature is not valid');
      if (claims.iss !== GITHUB_OIDC_ISSUER)
        return fail(400, 'InvalidIdentityToken', 'No OpenIDConnect provider found');
      if (claims.aud !== trust.audience) return fail(400, 'InvalidIdentityToken', 'Incorrect token audience');
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) {
        return fail(400, 'ExpiredTokenException', 'Token is expired');
      }
      const subjectTrusted = trust.subjects.some((pattern) => like(pattern, String(claims.sub)));
      if (params.RoleArn !== trust.roleArn || !subjectTrusted) {
        return fail(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
      }
      const credentials: IssuedCredentials = {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(64).toString('base64'),
      };
      issued.push(credentials);
      const account = params.RoleArn!.split(':')[4];
      const roleName = params.RoleArn!.split('/').pop();
      const expiration = new Date(Date.now() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      xml(
        200,
        `<AssumeRoleWithWebIdentityResponse xmlns="${NS}">
  <AssumeRoleWithWebIdentityResult>
    <Audience>${xmlEscape(String(claims.aud))}</Audience>
    <AssumedRoleUser>
      <AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${xmlEscape(params.RoleSessionName!)}</AssumedRoleId>
      <Arn>arn:aws:sts::${account}:assumed-role/${xmlEscape(roleName ?? '')}/${xmlEscape(params.RoleSessionName!)}</Arn>
    </AssumedRoleUser>
    <Provider>arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com</Provider>
    <Credentials>
      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>${xmlEscape(String(claims.sub))}</SubjectFromWebIdentityToken>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    issued,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function verifiedClaims(token: string, key: KeyObject): Record<string, unknown> | undefined {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return undefined;
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string }).alg;
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      key,
      Buffer.from(signature, 'base64url'),
    );
    if (alg !== 'RS256' || !signed) return undefined;
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** IAM's StringLike: * matches any run of characters, ? one character. */
function like(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
