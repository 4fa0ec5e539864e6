// The hidden marker of CodingWorker's single progress comment on an issue. The action writes the first
// ("queued") version of that comment; the worker finds it again by this marker and edits it in place.
export const PROGRESS_MARKER = '<!-- codingworker:progress -->';

const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

/** What the check reads of a comment, named as the action's GitHubApi names it. */
export interface CommentAuthorship {
  body?: string | null | undefined;
  /** 'User' or 'Bot'. */
  authorType?: string | undefined;
  /** GitHub's author_association: OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, ... */
  authorAssociation: string;
}

/**
 * Is this CodingWorker's progress comment? The one rule for the action and the worker. A marker planted by
 * an outsider does not count: only comments written by a bot or by a repository owner, member or
 * collaborator do.
 */
export function isProgressComment(comment: CommentAuthorship): boolean {
  if (!comment.body?.includes(PROGRESS_MARKER)) return false;
  return comment.authorType === 'Bot' || TRUSTED_ASSOCIATIONS.has(comment.authorAssociation);
}
