// Users, the authenticated GitHub App, and installation access tokens.
import { randomBytes } from 'node:crypto';
import { placeholderFor } from '../../openapi-validator.ts';
import { repositoryObject, userObject } from '../render.ts';
import { type Call, forbidden, notFound, type Reply, type RouteSpec, unprocessable } from '../reply.ts';
import { addUser, appOfInstallation, timestamp } from '../state.ts';

/** What every test App is granted. */
const APP_PERMISSIONS = { issues: 'write', pull_requests: 'write', contents: 'write', checks: 'write' };

function getAuthenticatedUser({ state, token }: Call): Reply {
  if (token?.installationId) return forbidden('Resource not accessible by integration');
  return {
    status: 200,
    body: { ...placeholderFor('private-user', state.baseUrl), ...userObject(state, token!.login) },
  };
}

function getUser({ state, params }: Call): Reply {
  const user = state.users.get(params.username!.toLowerCase());
  if (!user) return notFound();
  return {
    status: 200,
    body: { ...placeholderFor('public-user', state.baseUrl), ...userObject(state, user.login) },
  };
}

function getAuthenticatedApp({ state, token }: Call): Reply {
  const app = state.apps.get(token!.installationId!)!;
  return {
    status: 200,
    body: {
      ...placeholderFor('integration', state.baseUrl),
      id: app.appId,
      slug: app.slug,
      name: app.slug,
      owner: userObject(state, app.account),
      permissions: { ...APP_PERMISSIONS },
      events: [],
    },
  };
}

function createInstallationToken({ state, token, params, body }: Call): Reply {
  const app = appOfInstallation(state, Number(params.installation_id));
  if (!app || app.appId !== state.apps.get(token!.installationId!)?.appId) return notFound();
  const names = body.repositories as string[] | undefined;
  const repositoryOf = (name: string) => state.repositories.get(`${app.account}/${name}`.toLowerCase());
  if ((names ?? []).some((name) => !repositoryOf(name))) {
    return unprocessable([{ resource: 'Installation', field: 'repositories', code: 'invalid' }]);
  }
  const value = `ghs_${randomBytes(18).toString('hex')}`;
  const expiresAt = new Date(Date.now() + 3_600_000);
  const login = `${app.slug}[bot]`;
  state.tokens.set(value, { login, installationId: app.installationId, repositories: names, expiresAt });
  addUser(state, login, 'Bot');
  return {
    status: 201,
    body: {
      token: value,
      expires_at: timestamp(expiresAt),
      permissions: { ...APP_PERMISSIONS },
      repository_selection: names ? 'selected' : 'all',
      ...(names
        ? { repositories: names.map((name) => repositoryObject(state, repositoryOf(name)!, 'repository')) }
        : {}),
    },
  };
}

function listInstallationRepositories({ state, token }: Call): Reply {
  if (!token?.installationId) return forbidden('This endpoint requires an installation token');
  const app = appOfInstallation(state, token.installationId)!;
  const visible = [...state.repositories.values()].filter(
    (repo) =>
      repo.owner.toLowerCase() === app.account.toLowerCase() &&
      (!token.repositories || token.repositories.includes(repo.name)),
  );
  return {
    status: 200,
    body: {
      total_count: visible.length,
      repositories: visible.map((repo) => repositoryObject(state, repo, 'repository')),
    },
  };
}

export const userAndAppRoutes: RouteSpec[] = [
  { operationId: 'users/get-authenticated', method: 'GET', path: '/user', handler: getAuthenticatedUser },
  { operationId: 'users/get-by-username', method: 'GET', path: '/users/{username}', handler: getUser },
  {
    operationId: 'apps/get-authenticated',
    method: 'GET',
    path: '/app',
    appJwt: true,
    handler: getAuthenticatedApp,
  },
  {
    operationId: 'apps/create-installation-access-token',
    method: 'POST',
    path: '/app/installations/{installation_id}/access_tokens',
    appJwt: true,
    handler: createInstallationToken,
  },
  {
    operationId: 'apps/list-repos-accessible-to-installation',
    method: 'GET',
    path: '/installation/repositories',
    handler: listInstallationRepositories,
  },
];
