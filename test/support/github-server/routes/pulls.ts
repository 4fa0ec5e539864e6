// Pull requests: list, create (with GitHub's 422s), update, and their commits read from git.
import { branchSha, commitsBetween } from '../git.ts';
import { commitObject, pullObject } from '../render.ts';
import { type Call, notFound, paginate, type Reply, type RouteSpec, unprocessable } from '../reply.ts';
import { isOwner, nextIssueNumber, now, type PullState, type RepositoryState } from '../state.ts';

/** The branch named by `head` ("branch" or "owner:branch"); '' for another owner's fork. */
const headOf = (raw: string, repo: RepositoryState) => {
  if (!raw.includes(':')) return raw;
  const [owner, branch] = raw.split(':') as [string, string];
  return isOwner(repo, owner) ? branch : '';
};

const pullOf = ({ repository, params }: Call) =>
  repository!.pulls.find((candidate) => candidate.number === Number(params.pull_number));

async function listPulls({ state, repository, query }: Call): Promise<Reply> {
  const repo = repository!;
  const wanted = query.state ?? 'open';
  const matching = repo.pulls
    .filter((pull) => wanted === 'all' || pull.state === wanted)
    .filter((pull) => !query.head || (!pull.headRepository && pull.head === headOf(query.head, repo)))
    .filter((pull) => !query.base || pull.base === query.base)
    .sort((a, b) => b.number - a.number);
  const { items, headers } = paginate(state, matching, query, `/repos/${repo.owner}/${repo.name}/pulls`);
  const body = await Promise.all(items.map((pull) => pullObject(state, repo, pull, 'pull-request-simple')));
  return { status: 200, body, headers };
}

/** Why GitHub would refuse to open this pull request, if it would. */
async function refusal(call: Call, head: string, base: string): Promise<Reply | undefined> {
  const repo = call.repository!;
  if (!head || !(await branchSha(call.state, repo, head))) {
    return unprocessable([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
  }
  if (!(await branchSha(call.state, repo, base))) {
    return unprocessable([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
  }
  if (repo.pulls.some((pull) => pull.state === 'open' && pull.head === head && pull.base === base)) {
    const message = `A pull request already exists for ${repo.owner}:${head}.`;
    return unprocessable([{ resource: 'PullRequest', code: 'custom', message }]);
  }
  return undefined;
}

async function createPull(call: Call): Promise<Reply> {
  const { state, body, token } = call;
  const repo = call.repository!;
  const head = headOf(String(body.head), repo);
  const base = String(body.base);
  const refused = await refusal(call, head, base);
  if (refused) return refused;
  const pull: PullState = {
    number: nextIssueNumber(repo),
    title: String(body.title),
    body: typeof body.body === 'string' ? body.body : '',
    head,
    base,
    state: 'open',
    draft: body.draft === true,
    merged: false,
    user: token!.login,
    createdAt: now(),
  };
  repo.pulls.push(pull);
  return { status: 201, body: await pullObject(state, repo, pull, 'pull-request') };
}

async function updatePull(call: Call): Promise<Reply> {
  const pull = pullOf(call);
  if (!pull) return notFound();
  const { body } = call;
  if (typeof body.title === 'string') pull.title = body.title;
  if (typeof body.body === 'string') pull.body = body.body;
  if (body.state === 'open' || body.state === 'closed') pull.state = body.state;
  return { status: 200, body: await pullObject(call.state, call.repository!, pull, 'pull-request') };
}

async function getPull(call: Call): Promise<Reply> {
  const pull = pullOf(call);
  if (!pull) return notFound();
  return { status: 200, body: await pullObject(call.state, call.repository!, pull, 'pull-request') };
}

async function listPullCommits(call: Call): Promise<Reply> {
  const { state, query } = call;
  const repo = call.repository!;
  const pull = pullOf(call);
  if (!pull) return notFound();
  const records = await commitsBetween(state, repo, pull.base, pull.head);
  const commits = records.map((record) => commitObject(state, repo, record));
  const path = `/repos/${repo.owner}/${repo.name}/pulls/${pull.number}/commits`;
  const { items, headers } = paginate(state, commits, query, path);
  return { status: 200, body: items, headers };
}

const PULLS = '/repos/{owner}/{repo}/pulls';

export const pullRoutes: RouteSpec[] = [
  { operationId: 'pulls/list', method: 'GET', path: PULLS, handler: listPulls },
  { operationId: 'pulls/create', method: 'POST', path: PULLS, handler: createPull },
  { operationId: 'pulls/get', method: 'GET', path: `${PULLS}/{pull_number}`, handler: getPull },
  { operationId: 'pulls/update', method: 'PATCH', path: `${PULLS}/{pull_number}`, handler: updatePull },
  {
    operationId: 'pulls/list-commits',
    method: 'GET',
    path: `${PULLS}/{pull_number}/commits`,
    handler: listPullCommits,
  },
];
