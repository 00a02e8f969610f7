/** What `npm start` prints: where the proxy listens, the accepted demo authtoken, a curl to paste. */
import type { ZbridgeConfig } from '../config.js';
import { tokenFingerprint } from '../journal/redact.js';
import type { RunningProxy } from './index.js';

export function startupBanner(proxy: RunningProxy, config: ZbridgeConfig): string {
  const tokens = proxy.upstream.authtokens;
  // A wildcard bind is reachable from the network: say so, the URL alone (loopback) would suggest otherwise.
  const wildcard = /^(0\.0\.0\.0|\[::\]|):/.test(proxy.bind);
  const lines = [`zbridge proxy listening on ${proxy.url}${wildcard ? ` (bound to ${proxy.bind}: every network interface; set host: 127.0.0.1 to keep it local)` : ''}`];
  if (proxy.upstream.sandbox) {
    // A generated demo token is printed (that is its purpose); a configured one is a secret: only its
    // fingerprint, and a placeholder in the curl.
    const configured = config.sandbox.authtokens.length > 0;
    const demo = tokens[0]?.tokens[0] ?? '';
    const shown = configured ? '<your authtoken>' : demo;
    lines.push(
      `  upstream: embedded sandbox (Zoho CRM v2 emulator) at ${proxy.upstream.sandbox.url}`,
      configured
        ? `  accepted authtoken(s): ${config.sandbox.authtokens.map((t) => tokenFingerprint(t)).join(', ')}   (configured; shown as fingerprints)`
        : `  accepted authtoken: ${demo}   (random for this run; set ZBRIDGE_AUTHTOKENS to fix it)`,
      '',
      '  try it:',
      `  curl -s '${proxy.url}/crm/private/xml/Leads/insertRecords' \\`,
      `    --data-urlencode 'authtoken=${shown}' --data-urlencode 'scope=crmapi' \\`,
      `    --data-urlencode 'xmlData=<Leads><row no="1"><FL val="Last Name">Smith</FL><FL val="Company">Acme</FL><FL val="Email">smith@example.com</FL></row></Leads>'`,
      '',
      `  then see what landed: curl -s ${proxy.upstream.sandbox.url}/__sandbox/stats`,
    );
  } else {
    lines.push(`  upstream: Zoho CRM v2, profiles: ${tokens.map((t) => t.profile).join(', ')}`);
  }
  const ops = proxy.admin?.url ?? proxy.url;
  lines.push(`  health: ${ops}/healthz  ready: ${ops}/readyz  metrics: ${ops}/metrics${proxy.admin ? '  (admin listener)' : ''}`);
  const state = proxy.upstream.state;
  if (state.kind === 'redis') {
    const s = state.status();
    lines.push(`  shared state: redis (replica ${state.replicaId})${s.ok ? '' : ` — not reachable yet (${s.reason}); calls answer 4500 until it is`}`);
  }
  if (proxy.journalDir) lines.push(`  journal: ${proxy.journalDir}`);
  return `${lines.join('\n')}\n`;
}
