import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deletionCheck, MASS_DELETION_LABEL } from '../../worker/job/deletion-check.ts';
import type { ChangedFile } from '../../worker/job/git.ts';

const deleted = (count: number): ChangedFile[] =>
  Array.from({ length: count }, (_, index) => ({ path: `src/f${index}.py`, status: 'deleted' as const }));
const policy = { baseFiles: 10, allowedBySetting: false, labels: ['auto-code'] };

test('deleting more than half of the files fails the check with the count', () => {
  const check = deletionCheck(deleted(6), policy);
  assert.equal(check?.ok, false);
  assert.match(check!.detail, /^6 of the 10 files in the repository would be deleted: restore them/);
});

test('deleting half or fewer is no concern of this check', () => {
  assert.equal(deletionCheck(deleted(5), policy), undefined);
  assert.equal(deletionCheck([{ path: 'a.py', status: 'modified' }], policy), undefined);
});

test('the label or the setting allows it, and the check says so', () => {
  assert.equal(
    deletionCheck(deleted(9), { ...policy, labels: ['auto-code', 'Allow-Mass-Deletion'] })?.ok,
    true,
  );
  assert.equal(deletionCheck(deleted(9), { ...policy, allowedBySetting: true })?.ok, true);
  assert.match(deletionCheck(deleted(9), { ...policy, allowedBySetting: true })!.detail, /\(allowed\)/);
  assert.equal(MASS_DELETION_LABEL, 'allow-mass-deletion');
});
