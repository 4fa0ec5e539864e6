import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RepositoryRole } from '../../action/github-api.ts';
import { checkSender, effectiveLevel, type PermissionLevel } from '../../action/permission.ts';

const role = (roleName: string, permission = roleName): RepositoryRole => ({ roleName, permission });

function lookupOf(roles: Record<string, RepositoryRole | null>) {
  const asked: string[] = [];
  return {
    asked,
    lookup: async (login: string) => {
      asked.push(login);
      return roles[login] ?? null;
    },
  };
}

describe('sender permission', () => {
  const check = (login: string, minimum: PermissionLevel, roles: Record<string, RepositoryRole | null>) =>
    checkSender({ login, type: 'User' }, { minimum, allowedBots: [], lookup: lookupOf(roles).lookup });

  it('orders the roles read < triage < write < maintain < admin against min-permission', async () => {
    const levels: PermissionLevel[] = ['read', 'triage', 'write', 'maintain', 'admin'];
    for (const [held, heldLevel] of levels.entries()) {
      for (const [needed, neededLevel] of levels.entries()) {
        const decision = await check('u', neededLevel, { u: role(heldLevel) });
        assert.equal(decision.allowed, held >= needed, `${heldLevel} vs min ${neededLevel}`);
      }
    }
  });

  it('says who was refused and why', async () => {
    assert.deepEqual(await check('helper', 'write', { helper: role('triage', 'read') }), {
      allowed: false,
      reason: 'refused: helper has the triage role, below min-permission write',
    });
    assert.deepEqual(await check('stranger', 'read', {}), {
      allowed: false,
      reason: 'refused: stranger is not a collaborator of this repository',
    });
  });

  it('reads a custom role through its permission flags, and the legacy field when flags are absent', () => {
    const flags = { admin: false, maintain: false, push: true, triage: true, pull: true };
    assert.equal(
      effectiveLevel({ roleName: 'security-reviewer', permission: 'write', permissions: flags }),
      'write',
    );
    assert.equal(effectiveLevel({ roleName: 'custom', permission: 'read' }), 'read');
    assert.equal(effectiveLevel({ roleName: 'none', permission: 'none' }), 'none');
  });

  it('refuses bots unless listed, and trusts a listed bot without a lookup', async () => {
    const { asked, lookup } = lookupOf({});
    const bot = { login: 'Renovate[bot]', type: 'Bot' };
    const refused = await checkSender(bot, { minimum: 'write', allowedBots: [], lookup });
    assert.equal(refused.allowed, false);
    assert.match(
      !refused.allowed ? refused.reason : '',
      /^refused: Renovate\[bot\] is a bot; list it in allowed-bots/,
    );
    const allowed = await checkSender(bot, { minimum: 'write', allowedBots: ['renovate[bot]'], lookup });
    assert.equal(allowed.allowed, true);
    assert.deepEqual(asked, []);
  });
});
