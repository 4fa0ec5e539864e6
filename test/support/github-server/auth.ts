// Who a request is: a token (PAT or installation token) or a GitHub App's JWT, checked as GitHub checks
// them, and which repositories that identity may see.
import { verify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type AppState,
  appOfInstallation,
  isOwner,
  type RepositoryState,
  type ServerState,
  type TokenState,
} from './state.ts';

/** The secret a request carries: `token X`, `bearer X`, or the password of Basic auth (git). */
export function credentialOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return undefined;
  if (/^basic$/i.test(scheme!)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return /^(token|bearer)$/i.test(scheme!) ? value : undefined;
}

/** The token's state, unless it is unknown or expired. */
export function tokenState(state: ServerState, credential: string | undefined): TokenState | undefined {
  if (!credential) return undefined;
  const token = state.tokens.get(credential);
  if (!token || (token.expiresAt && token.expiresAt.getTime() < Date.now())) return undefined;
  return token;
}

const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/** A JWT signed by a registered App's key (RS256, unexpired): the App itself, as GitHub checks it. */
export function appOf(state: ServerState, credential: string | undefined): AppState | undefined {
  const parts = credential?.split('.');
  if (parts?.length !== 3) return undefined;
  try {
    const header = decodePart(parts[0]!) as { alg?: string };
    const claims = decodePart(parts[1]!) as { iss?: string | number; exp?: number; iat?: number };
    const app = [...state.apps.values()].find((candidate) => String(candidate.appId) === String(claims.iss));
    if (!app || header.alg !== 'RS256') return undefined;
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      app.publicKey,
      Buffer.from(parts[2]!, 'base64url'),
    );
    const seconds = Date.now() / 1000;
    // GitHub refuses JWTs that live longer than ten minutes.
    if (!signed || !claims.exp || claims.exp < seconds || !claims.iat || claims.exp - claims.iat > 600)
      return undefined;
    return app;
  } catch {
    return undefined;
  }
}

/**
 * Whether the token may see the repository: an installation token sees its account's repositories
 * (or the ones it was limited to); a PAT sees public ones and those it owns or collaborates on.
 */
export function canReach(state: ServerState, token: TokenState, repo: RepositoryState): boolean {
  if (token.installationId) {
    const app = appOfInstallation(state, token.installationId);
    if (!app || !isOwner(repo, app.account)) return false;
    return !token.repositories || token.repositories.includes(repo.name);
  }
  return !repo.private || isOwner(repo, token.login) || repo.collaborators.has(token.login.toLowerCase());
}
