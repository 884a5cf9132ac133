// Scanner versions: a cached verdict made under another version is re-evaluated.
import { modelInfo } from './model/info.js';
/** Bump whenever a rule, the decoder or the verdict thresholds change. */
export const RULES_VERSION = 'rules-2026.12.03.4';
/** Rules + model; the model helper appends the model hash. */
export const SCANNER_VERSION = `pywarden-scan/${RULES_VERSION}+model-${modelInfo().sha256.slice(0, 16)}`;
