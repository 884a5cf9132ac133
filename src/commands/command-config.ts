// The configuration a sub-command runs with: its flags over the config file over the defaults.
import { ConfigError, loadConfig, type Config } from '../config.js';

/** loadConfig for `pywarden <name>`: a configuration error is printed and becomes exit status 2. */
export function commandConfig(name: string, flags: Record<string, unknown>, file: string | undefined): Config | 2 {
  try {
    return loadConfig({ flags: flags as Partial<Record<keyof Config, unknown>>, file });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pywarden ${name}: configuration error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
