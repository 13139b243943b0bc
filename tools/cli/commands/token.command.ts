import type { Command } from 'commander';
import { ConfigValidationError, loadConfig } from '@careledger/config';
import { DevKeyDisabledError, ROLES, mintDevToken, type Role } from '@careledger/auth';
import type { RegisterCommand } from '../command.types';

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * `careledger token --tenant T --roles admin[,billing] [--departments d1,d2] [--ttl 8h]`: prints a
 * development token signed with the configured development key. Refused (exit 2) when no
 * development key is enabled, so it is useless against a production configuration.
 */
export const registerToken: RegisterCommand = (program: Command, setExit) => {
  program
    .command('token')
    .description('Mint a development bearer token (needs CARELEDGER_AUTH_DEV_KEY_ENABLED=true and a key)')
    .requiredOption('--tenant <tenantId>', 'tenant id the token is scoped to')
    .requiredOption('--roles <roles>', `comma-separated roles: ${ROLES.join(', ')}`)
    .option('--departments <ids>', 'comma-separated department ids (scopes writes)', '')
    .option('--ttl <duration>', 'lifetime, e.g. 15m, 8h, 2d', '8h')
    .option('--sub <userId>', 'subject (user id) of the token')
    .action(
      async (opts: { tenant: string; roles: string; departments: string; ttl: string; sub?: string }) => {
        const roles = list(opts.roles);
        const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
        if (roles.length === 0 || unknown.length > 0) {
          process.stderr.write(
            `careledger token: unknown role(s) ${unknown.join(', ') || '(none given)'}; use ${ROLES.join(', ')}\n`,
          );
          setExit(2);
          return;
        }
        if (!/^[A-Za-z0-9._-]{1,128}$/.test(opts.tenant)) {
          process.stderr.write('careledger token: --tenant must be 1-128 characters of A-Z a-z 0-9 . _ -\n');
          setExit(2);
          return;
        }
        if (!/^-?\d+\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|week|weeks)$/i.test(opts.ttl)) {
          process.stderr.write('careledger token: --ttl must look like 15m, 8h or 2d\n');
          setExit(2);
          return;
        }
        try {
          const config = loadConfig();
          const token = await mintDevToken(config, {
            tenantId: opts.tenant,
            roles: roles as Role[],
            departments: list(opts.departments),
            ttl: opts.ttl,
            ...(opts.sub ? { sub: opts.sub } : {}),
          });
          process.stdout.write(`${token}\n`);
        } catch (err) {
          if (err instanceof DevKeyDisabledError || err instanceof ConfigValidationError) {
            process.stderr.write(`careledger token: refused: ${err.message}\n`);
            setExit(2);
            return;
          }
          throw err;
        }
      },
    );
};
