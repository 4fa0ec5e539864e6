// Who may trigger a task. The trigger label can be added by anyone with the triage role, and the issue
// text is untrusted, so the labeller's (sender's) repository role is checked against min-permission.
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

/** Looks up a user's role on the repository: null when the user is not a collaborator. */
export type RoleLookup = (login: string) => Promise<RepositoryRole | null>;

/**
 * Bots are refused unless listed in allowed-bots; a listed bot is trusted without the role lookup, because
 * GitHub Apps are not collaborators and the maintainer vouched for it by listing it.
 * Users need at least `minimum`.
 */
export async function checkSender(
  sender: Sender,
  options: { minimum: PermissionLevel; allowedBots: string[]; lookup: RoleLookup },
): Promise<SenderDecision> {
  const login = sender.login;
  if (sender.type === 'Bot') {
    const listed = options.allowedBots.some((bot) => bot.toLowerCase() === login.toLowerCase());
    return listed
      ? { allowed: true, detail: `bot ${login} is listed in allowed-bots` }
      : {
          allowed: false,
          reason: `refused: ${login} is a bot; list it in allowed-bots to let it trigger tasks`,
        };
  }
  const role = await options.lookup(login);
  if (!role) {
    return { allowed: false, reason: `refused: ${login} is not a collaborator of this repository` };
  }
  const level = effectiveLevel(role);
  if (rank(level) < rank(options.minimum)) {
    return {
      allowed: false,
      reason: `refused: ${login} has the ${level} role, below min-permission ${options.minimum}`,
    };
  }
  return { allowed: true, detail: `${login} has the ${level} role (min-permission ${options.minimum})` };
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
