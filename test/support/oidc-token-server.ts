// A local stand-in for the GitHub Actions OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL), as
// core.getIDToken calls it: GET <url>&audience=<aud> with "Authorization: Bearer <request token>",
// answering {"value": "<JWT>"}. Tokens are real RS256 JWTs signed with a key made per server, so the
// STS stand-in can verify them the way AWS verifies GitHub's.
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

export interface OidcTokenServer {
  /** ACTIONS_ID_TOKEN_REQUEST_URL (already carries a query, as GitHub's does). */
  requestUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN: the bearer the runner gives the job. */
  requestToken: string;
  publicKey: KeyObject;
  /** Every token issued, in order. */
  issued: Array<{ audience: string; token: string }>;
  close(): Promise<void>;
}

export async function startOidcTokenServer(options: { repository: string }): Promise<OidcTokenServer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const requestToken = randomBytes(24).toString('hex');
  const issued: OidcTokenServer['issued'] = [];

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (
      request.method !== 'GET' ||
      url.pathname !== '/idtoken' ||
      url.searchParams.get('api-version') !== '2.0'
    ) {
      return reply(404, { message: 'not found' });
    }
    if (request.headers.authorization !== `Bearer ${requestToken}`)
      return reply(401, { message: 'bad bearer' });
    const audience =
      url.searchParams.get('audience') ?? `https://github.com/${options.repository.split('/')[0]}`;
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(privateKey, {
      iss: GITHUB_OIDC_ISSUER,
      aud: audience,
      sub: `repo:${options.repository}:ref:refs/heads/main`,
      repository: options.repository,
      ref: 'refs/heads/main',
      event_name: 'issues',
      iat: now,
      nbf: now - 5,
      exp: now + 300,
      jti: randomBytes(8).toString('hex'),
    });
    issued.push({ audience, token });
    reply(200, { count: 1, value: token });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    requestUrl: `http://127.0.0.1:${port}/idtoken?api-version=2.0`,
    requestToken,
    publicKey,
    issued,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid: 'stand-in' })}.${part(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url')}`;
}
