import { chromium, type Browser } from 'playwright-core';
import { externalTool } from '../../test/support/external.ts';

// Debian's Chromium driven by playwright-core (no browser download). The flags keep it from
// reaching for the network, which this machine does not have.
export async function launchChromium(): Promise<Browser> {
  const executablePath = externalTool('chromium').path ?? '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
