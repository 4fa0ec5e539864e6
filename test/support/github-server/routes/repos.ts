// The repository, its branches, and a collaborator's permission level.
import { placeholderFor } from '../../openapi-validator.ts';
import { branchSha } from '../git.ts';
import { repositoryObject, userObject } from '../render.ts';
import { type Call, notFound, type Reply, type RouteSpec } from '../reply.ts';
import { isOwner, ROLE_RANK, type Role } from '../state.ts';

function getRepository({ state, repository }: Call): Reply {
  return { status: 200, body: repositoryObject(state, repository!, 'full-repository') };
}

async function getBranch({ state, repository, params }: Call): Promise<Reply> {
  const repo = repository!;
  const sha = await branchSha(state, repo, params.branch!);
  if (!sha) return notFound();
  const commitUrl = `${state.baseUrl}/repos/${repo.owner}/${repo.name}/commits/${sha}`;
  return {
    status: 200,
    body: {
      ...placeholderFor('branch-with-protection', state.baseUrl),
      name: params.branch,
      commit: { ...placeholderFor('commit', state.baseUrl), sha, url: commitUrl, parents: [], files: [] },
      protected: false,
    },
  };
}

/** The booleans GitHub derives from a role: each role includes the ones below it. */
const permissionsOf = (role: Role | undefined) => ({
  pull: Boolean(role),
  triage: Boolean(role) && ROLE_RANK[role!] >= 2,
  push: Boolean(role) && ROLE_RANK[role!] >= 3,
  maintain: Boolean(role) && ROLE_RANK[role!] >= 4,
  admin: role === 'admin',
});

function getCollaboratorPermission({ state, repository, params }: Call): Reply {
  const login = params.username!;
  if (!state.users.has(login.toLowerCase())) return notFound();
  const repo = repository!;
  const role = isOwner(repo, login) ? 'admin' : repo.collaborators.get(login.toLowerCase());
  // The legacy `permission` folds maintain into write and triage into read, as GitHub does;
  // role_name carries the real role.
  const permission = !role ? 'none' : role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
  return {
    status: 200,
    body: {
      permission,
      role_name: role ?? 'none',
      user: {
        ...placeholderFor('collaborator', state.baseUrl),
        ...userObject(state, login),
        permissions: permissionsOf(role),
        role_name: role ?? 'none',
      },
    },
  };
}

export const repositoryRoutes: RouteSpec[] = [
  { operationId: 'repos/get', method: 'GET', path: '/repos/{owner}/{repo}', handler: getRepository },
  {
    operationId: 'repos/get-branch',
    method: 'GET',
    path: '/repos/{owner}/{repo}/branches/{branch}',
    handler: getBranch,
  },
  {
    operationId: 'repos/get-collaborator-permission-level',
    method: 'GET',
    path: '/repos/{owner}/{repo}/collaborators/{username}/permission',
    handler: getCollaboratorPermission,
  },
];
