// A change that deletes most of the repository is not a success without a person's look: a small model
// that "fixes" an issue by emptying the tree passes every syntax check (there is nothing left to parse).
import type { Verdict } from '../agent/runner.ts';
import type { ChangedFile } from './git.ts';

type Check = Verdict['checks'][number];

/** The label that lets a task delete most of the repository, when an issue really asks for it. */
export const MASS_DELETION_LABEL = 'allow-mass-deletion';

export interface DeletionPolicy {
  /** Files tracked at the base commit the task started from. */
  baseFiles: number;
  /** settings.github.allowMassDeletion (CW_ALLOW_MASS_DELETION). */
  allowedBySetting: boolean;
  /** The labels (the label above allows it). */
  labels: readonly string[];
}

/** The "deletions" check: not ok when more than half of the base's files are deleted and nothing allows it. */
export function deletionCheck(files: ChangedFile[], policy: DeletionPolicy): Check | undefined {
  const deleted = files.filter((file) => file.status === 'deleted').length;
  if (deleted === 0 || deleted * 2 <= policy.baseFiles) return undefined;
  const share = `${deleted} of the ${policy.baseFiles} files in the repository`;
  const allowed =
    policy.allowedBySetting || policy.labels.some((label) => label.toLowerCase() === MASS_DELETION_LABEL);
  if (allowed) return { name: 'deletions', ok: true, detail: `${share} deleted (allowed)` };
  return {
    name: 'deletions',
    ok: false,
    detail: `${share} would be deleted: restore them and change only what the issue asks (a maintainer can allow this with the ${MASS_DELETION_LABEL} label or CW_ALLOW_MASS_DELETION=true)`,
  };
}
