// Version of rules + model stamped on every verdict; cached verdicts with another version are
// re-evaluated. Bump it whenever a rule, a threshold or the model changes what a file gets.
export const SCANNER_VERSION = 'rules-0';
