import { execFileSync } from 'node:child_process';

// External validators used by tests (pdfsig, openssl, certutil, chromium). Locally a missing
// tool skips the test with a message saying what to install; in CI (.ci/run sets
// ECERT_REQUIRE_EXTERNAL_TOOLS=1) a missing tool is a failure, so those checks cannot silently
// stop running.

export interface ExternalTool {
  name: string;
  /** Debian package that provides it. */
  debianPackage: string;
  path: string | null;
}

function which(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const PACKAGES: Record<string, string> = {
  pdfsig: 'poppler-utils',
  pdftotext: 'poppler-utils',
  pdftoppm: 'poppler-utils',
  openssl: 'openssl',
  certutil: 'libnss3-tools',
  pk12util: 'libnss3-tools',
  chromium: 'chromium',
};

export function externalTool(name: string): ExternalTool {
  const path = name === 'chromium' ? (which('chromium') ?? which('chromium-browser')) : which(name);
  return { name, debianPackage: PACKAGES[name] ?? name, path };
}

export const requireExternalTools = process.env.ECERT_REQUIRE_EXTERNAL_TOOLS === '1';

/**
 * For `describe.skipIf(...)` / `it.skipIf(...)`: true when the tool is missing and missing tools
 * are allowed. When they are not allowed, returns false so the test runs and fails loudly.
 */
export function skipWithout(...names: string[]): boolean {
  const missing = names.map(externalTool).filter((t) => !t.path);
  if (missing.length === 0) return false;
  const what = missing.map((t) => `${t.name} (apt-get install ${t.debianPackage})`).join(', ');
  if (requireExternalTools) {
    process.emitWarning(`required external tool missing: ${what}`);
    return false;
  }
  console.warn(`[ecert tests] skipping: ${what} not installed`);
  return true;
}
