// Workflow runs, their jobs and the jobs' logs: what a revision reads to fix a failing check. A job's log
// is a 302 to a plain-text download, as on GitHub; the download is served beside the API (/_logs/).
import { placeholderFor } from '../../openapi-validator.ts';
import { repositoryObject } from '../render.ts';
import { type Call, notFound, paginate, type Reply, type RouteSpec } from '../reply.ts';
import type { RepositoryState, ServerState, WorkflowJobState, WorkflowRunState } from '../state.ts';

const RUNS = '/repos/{owner}/{repo}/actions';

function runObject(state: ServerState, repo: RepositoryState, run: WorkflowRunState) {
  const { baseUrl } = state;
  const api = `${baseUrl}/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`;
  const repository = repositoryObject(state, repo, 'repository');
  return {
    ...placeholderFor('workflow-run', baseUrl),
    id: run.id,
    node_id: `WFR_${run.id}`,
    name: run.name,
    display_title: run.name,
    workflow_id: run.workflowId,
    head_sha: run.headSha,
    head_branch: run.headBranch,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.createdAt,
    url: api,
    html_url: `${baseUrl}/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    pull_requests: [],
    repository,
    head_repository: repository,
  };
}

function jobObject(state: ServerState, repo: RepositoryState, run: WorkflowRunState, job: WorkflowJobState) {
  const { baseUrl } = state;
  return {
    ...placeholderFor('job', baseUrl),
    id: job.id,
    run_id: run.id,
    node_id: `J_${job.id}`,
    name: job.name,
    head_sha: run.headSha,
    head_branch: run.headBranch,
    status: 'completed',
    conclusion: job.conclusion,
    workflow_name: run.name,
    url: `${baseUrl}/repos/${repo.owner}/${repo.name}/actions/jobs/${job.id}`,
    html_url: `${baseUrl}/${repo.owner}/${repo.name}/actions/runs/${run.id}/job/${job.id}`,
    steps: [],
  };
}

const runOf = ({ repository, params }: Call) =>
  repository!.workflowRuns.find((run) => run.id === Number(params.run_id));

function getRun(call: Call): Reply {
  const run = runOf(call);
  if (!run) return notFound();
  return { status: 200, body: runObject(call.state, call.repository!, run) };
}

function listRuns(call: Call): Reply {
  const repo = call.repository!;
  const { query } = call;
  const runs = repo.workflowRuns
    .filter((run) => String(run.workflowId) === call.params.workflow_id)
    .filter((run) => !query.head_sha || run.headSha === query.head_sha)
    .filter((run) => !query.branch || run.headBranch === query.branch)
    .filter((run) => !query.status || run.status === query.status || run.conclusion === query.status)
    .sort((a, b) => b.id - a.id);
  const path = `/repos/${repo.owner}/${repo.name}/actions/workflows/${call.params.workflow_id}/runs`;
  const { items, headers } = paginate(call.state, runs, query, path);
  const body = {
    total_count: runs.length,
    workflow_runs: items.map((run) => runObject(call.state, repo, run)),
  };
  return { status: 200, body, headers };
}

function listJobs(call: Call): Reply {
  const run = runOf(call);
  if (!run) return notFound();
  const repo = call.repository!;
  const jobs = run.jobs.map((job) => jobObject(call.state, repo, run, job));
  return { status: 200, body: { total_count: jobs.length, jobs } };
}

function downloadLog(call: Call): Reply {
  const repo = call.repository!;
  const job = repo.workflowRuns
    .flatMap((run) => run.jobs)
    .find((entry) => entry.id === Number(call.params.job_id));
  if (!job) return notFound();
  const location = `${call.state.baseUrl}/_logs/${repo.owner}/${repo.name}/${job.id}`;
  return { status: 302, headers: { location } };
}

/** The log download a 302 points at: plain text, no API validation (it is not an API path on GitHub). */
export function jobLog(state: ServerState, path: string): string | undefined {
  const match = /^\/_logs\/([^/]+)\/([^/]+)\/(\d+)$/.exec(path);
  if (!match) return undefined;
  const repo = state.repositories.get(`${match[1]}/${match[2]}`.toLowerCase());
  return repo?.workflowRuns.flatMap((run) => run.jobs).find((job) => job.id === Number(match[3]))?.log;
}

export const actionRoutes: RouteSpec[] = [
  { operationId: 'actions/get-workflow-run', method: 'GET', path: `${RUNS}/runs/{run_id}`, handler: getRun },
  {
    operationId: 'actions/list-workflow-runs',
    method: 'GET',
    path: `${RUNS}/workflows/{workflow_id}/runs`,
    handler: listRuns,
  },
  {
    operationId: 'actions/list-jobs-for-workflow-run',
    method: 'GET',
    path: `${RUNS}/runs/{run_id}/jobs`,
    handler: listJobs,
  },
  {
    operationId: 'actions/download-job-logs-for-workflow-run',
    method: 'GET',
    path: `${RUNS}/jobs/{job_id}/logs`,
    handler: downloadLog,
  },
];
