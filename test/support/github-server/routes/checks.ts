// Commit statuses and check runs: the two ways the worker reports on a commit.
import { placeholderFor } from '../../openapi-validator.ts';
import { checkRunObject, userObject } from '../render.ts';
import { type Call, forbidden, notFound, paginate, type Reply, type RouteSpec } from '../reply.ts';
import { type CheckRunState, now, type StatusState } from '../state.ts';

const stringOr = <T>(value: unknown, fallback: T) => (typeof value === 'string' ? value : fallback);

function createStatus({ state, repository, params, body, token }: Call): Reply {
  const status: StatusState = {
    sha: params.sha!,
    state: String(body.state),
    context: stringOr(body.context, 'default'),
    description: stringOr(body.description, null),
    targetUrl: stringOr(body.target_url, null),
  };
  repository!.statuses.push(status);
  const id = state.nextId();
  return {
    status: 201,
    body: {
      ...placeholderFor('status', state.baseUrl),
      id,
      node_id: `SC_${id}`,
      state: status.state,
      context: status.context,
      description: status.description,
      target_url: status.targetUrl,
      creator: userObject(state, token!.login),
      created_at: now(),
      updated_at: now(),
    },
  };
}

// Only GitHub Apps may write check runs (GitHub docs, "check runs").
const APP_ONLY = 'You must authenticate via a GitHub App.';

function createCheckRun({ state, repository, body, token }: Call): Reply {
  if (!token?.installationId) return forbidden(APP_ONLY);
  const output = (body.output ?? {}) as Record<string, unknown>;
  const run: CheckRunState = {
    id: state.nextId(),
    name: String(body.name),
    headSha: String(body.head_sha),
    status: stringOr(body.status, 'queued'),
    conclusion: stringOr(body.conclusion, null),
    title: stringOr(output.title, null),
    summary: stringOr(output.summary, null),
    detailsUrl: stringOr(body.details_url, null),
  };
  if (run.conclusion) run.status = 'completed';
  repository!.checkRuns.push(run);
  return { status: 201, body: checkRunObject(state, repository!, run) };
}

function listCheckRuns({ state, repository, params, query }: Call): Reply {
  const repo = repository!;
  const runs = repo.checkRuns.filter(
    (run) => run.headSha === params.ref && (!query.check_name || run.name === query.check_name),
  );
  const path = `/repos/${repo.owner}/${repo.name}/commits/${params.ref}/check-runs`;
  const { items, headers } = paginate(state, runs, query, path);
  return {
    status: 200,
    body: { total_count: runs.length, check_runs: items.map((run) => checkRunObject(state, repo, run)) },
    headers,
  };
}

function updateCheckRun({ state, repository, params, body, token }: Call): Reply {
  if (!token?.installationId) return forbidden(APP_ONLY);
  const run = repository!.checkRuns.find((candidate) => candidate.id === Number(params.check_run_id));
  if (!run) return notFound();
  const output = (body.output ?? {}) as Record<string, unknown>;
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (typeof output.title === 'string') run.title = output.title;
  if (typeof output.summary === 'string') run.summary = output.summary;
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  return { status: 200, body: checkRunObject(state, repository!, run) };
}

export const checkRoutes: RouteSpec[] = [
  {
    operationId: 'repos/create-commit-status',
    method: 'POST',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    handler: createStatus,
  },
  {
    operationId: 'checks/create',
    method: 'POST',
    path: '/repos/{owner}/{repo}/check-runs',
    handler: createCheckRun,
  },
  {
    operationId: 'checks/list-for-ref',
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    handler: listCheckRuns,
  },
  {
    operationId: 'checks/update',
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    handler: updateCheckRun,
  },
];
