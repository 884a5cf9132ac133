// The explicit rule registry (eslint style): every rule the analysis runs, in report order.
import type { Rule } from '../analyze/context.js';
import { installTimeExec } from './install-time-exec.js';
import { encodedExec } from './encoded-exec.js';
import { downloadExec } from './download-exec.js';
import { exfilEndpoint } from './exfil-endpoint.js';
import { credentialTheft } from './credential-theft.js';
import { cryptoWallet } from './crypto-wallet.js';
import { reverseShell } from './reverse-shell.js';
import { persistence } from './persistence.js';
import { hiddenSpawn } from './hidden-spawn.js';
import { executablePayload } from './executable-payload.js';
import { pthCode } from './pth-code.js';
import { obfuscation } from './obfuscation.js';
import { dependencyUrl } from './dependency-url.js';
import { archiveHazard } from './archive-hazard.js';
import { metadataSignals } from './metadata-signals.js';
import { typosquat } from './typosquat.js';
import { hiddenCode } from './hidden-code.js';

export const RULES: readonly Rule[] = [
  installTimeExec,
  encodedExec,
  downloadExec,
  exfilEndpoint,
  credentialTheft,
  cryptoWallet,
  reverseShell,
  persistence,
  hiddenSpawn,
  executablePayload,
  pthCode,
  obfuscation,
  hiddenCode,
  dependencyUrl,
  archiveHazard,
  metadataSignals,
  typosquat,
];

export type { Rule } from '../analyze/context.js';
