// Who may trigger a task. The trigger label can be added by anyone with the triage role, and the issue
// text is untrusted, so the labeller's (sender's) repository role is checked against min-permission.
import { z } from 'zod';
import type { RepositoryRole } from './github-api.ts';

/** GitHub's base repository roles, lowest first. */
export const PERMISSION_LEVELS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

export interface Sender {
  login: string;
  /** 'User', 'Bot' or 'Organization', as in the webhook payload. */
  type?: string | undefined;
}

export type SenderDecision = { allowed: true; detail: string } | { allowed: false; reason: string };

/** The trigger policy's verdict on a sender: the action and the worker's re-check each word it themselves. */
export type SenderVerdict =
  | { allowed: true; as: 'listed-bot' }
  | { allowed: true; as: 'collaborator'; level: PermissionLevel }
  | { allowed: false; as: 'unlisted-bot' }
  | { allowed: false; as: 'not-collaborator' }
  | { allowed: false; as: 'below-minimum'; level: PermissionLevel | 'none' };

/** Looks up a user's role on the repository: null when the user is not a collaborator. */
export type RoleLookup = (login: string) => Promise<RepositoryRole | null>;

export interface SenderPolicy {
  minimum: PermissionLevel;
  /** Bot logins allowed to trigger tasks (the allowed-bots input, the worker's CW_ALLOWED_BOTS). */
  allowedBots: string[];
  lookup: RoleLookup;
}

/**
 * Bots are refused unless listed in allowed-bots; a listed bot is trusted without the role lookup, because
 * GitHub Apps are not collaborators and the maintainer vouched for it by listing it.
 * Users need at least `minimum`.
 */
export async function judgeSender(sender: Sender, policy: SenderPolicy): Promise<SenderVerdict> {
  if (sender.type === 'Bot') {
    const listed = policy.allowedBots.some((bot) => bot.toLowerCase() === sender.login.toLowerCase());
    return listed ? { allowed: true, as: 'listed-bot' } : { allowed: false, as: 'unlisted-bot' };
  }
  const role = await policy.lookup(sender.login);
  if (!role) return { allowed: false, as: 'not-collaborator' };
  const level = effectiveLevel(role);
  if (level === 'none' || rank(level) < rank(policy.minimum)) {
    return { allowed: false, as: 'below-minimum', level };
  }
  return { allowed: true, as: 'collaborator', level };
}

/** The action's decision: judgeSender's verdict in the action's words (docs/troubleshooting.md). */
export async function checkSender(sender: Sender, policy: SenderPolicy): Promise<SenderDecision> {
  const login = sender.login;
  const verdict = await judgeSender(sender, policy);
  switch (verdict.as) {
    case 'listed-bot':
      return { allowed: true, detail: `bot ${login} is listed in allowed-bots` };
    case 'collaborator':
      return {
        allowed: true,
        detail: `${login} has the ${verdict.level} role (min-permission ${policy.minimum})`,
      };
    case 'unlisted-bot':
      return {
        allowed: false,
        reason: `refused: ${login} is a bot; list it in allowed-bots to let it trigger tasks`,
      };
    case 'not-collaborator':
      return { allowed: false, reason: `refused: ${login} is not a collaborator of this repository` };
    case 'below-minimum':
      return {
        allowed: false,
        reason: `refused: ${login} has the ${verdict.level} role, below min-permission ${policy.minimum}`,
      };
  }
}

/**
 * A list of bot logins, comma or whitespace separated, as the allowed-bots input and the worker's
 * CW_ALLOWED_BOTS take it. `message` says which of the two is wrong.
 */
export function botListSchema(message: string) {
  return z
    .string()
    .transform((value) =>
      value
        .split(/[\s,]+/)
        .map((login) => login.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9-]+(\[bot\])?$/, message)));
}

/**
 * The base role a collaborator holds. role_name is a base role or an organisation's custom role name;
 * for a custom role the permission flags (which include its base role) decide.
 */
export function effectiveLevel(role: RepositoryRole): PermissionLevel | 'none' {
  if (isLevel(role.roleName)) return role.roleName;
  const flags = role.permissions;
  if (flags) {
    if (flags.admin) return 'admin';
    if (flags.maintain) return 'maintain';
    if (flags.push) return 'write';
    if (flags.triage) return 'triage';
    if (flags.pull) return 'read';
    return 'none';
  }
  // The legacy `permission` field knows only admin / write / read / none.
  return isLevel(role.permission) ? role.permission : 'none';
}

function isLevel(value: string | undefined): value is PermissionLevel {
  return (PERMISSION_LEVELS as readonly string[]).includes(value ?? '');
}

function rank(level: PermissionLevel | 'none'): number {
  return level === 'none' ? -1 : PERMISSION_LEVELS.indexOf(level);
}
