// audit's --fail-on levels (a module of its own so completion.ts can list them without
// loading the sysfs reader).
import type { Severity } from '../platform/sysfs-audit.js';

/** Severities from most to least severe; --fail-on takes one of them or "never". */
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];
export const AUDIT_FAIL_ON = [...SEVERITIES, 'never'] as const;
/** Like a linter failing on errors only: a HIGH finding fails a CI gate, lesser ones are reported. */
export const DEFAULT_AUDIT_FAIL_ON = 'high';
