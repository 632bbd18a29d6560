/** A printable HTML page of a certificate application (the JSON stays the evidence). */
import { fromHex, isRenewable, productionMethodByCode } from '@wattledger/protocol';
import { decodeEvent } from '../core/events.js';
import type { CertificateApplication } from './claim.js';

const MAX_ROWS = 500;

function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const kWh = (wh: number): string => (wh / 1000).toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const utc = (s: number): string => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const name = (code: number): string => productionMethodByCode(code)?.name ?? `method ${code}`;

export function renderCertificateHtml(app: CertificateApplication): string {
  const c = app.claim;
  const methodRows = c.byMethod.map((m) => `<tr><td>${esc(name(m.method))}</td><td>${isRenewable(m.method) ? 'renewable' : 'non-renewable'}</td><td class="n">${kWh(m.wh)}</td><td class="n">${c.usageWh === 0 ? '-' : ((100 * m.wh) / c.usageWh).toFixed(2)} %</td></tr>`).join('');
  const unmatched = c.usageWh - c.matchedWh;
  const attestedBy = new Map((app.attestations ?? []).map((a) => [a.meterId, a.attestedBy] as const));
  const meterCell = (meterId: string): string => {
    const gateway = attestedBy.get(meterId);
    return `<code>${esc(meterId)}</code>${gateway === undefined ? '' : ` (legacy meter, attested by gateway <code>${esc(gateway)}</code>)`}`;
  };
  const rows: string[] = [];
  for (const item of app.evidence.events.slice(0, MAX_ROWS)) {
    const e = decodeEvent(fromHex(item.bytes));
    if (e?.kind === 'allocate') rows.push(`<tr><td>${esc(utc(e.usageInterval))}</td><td>${esc(name(e.method))}</td><td class="n">${kWh(e.wh)}</td><td>${meterCell(e.meterId)}</td><td>${esc(utc(e.productionInterval))}</td><td><code>${esc(e.root.slice(0, 16))}…</code></td><td>${e.lender === null ? 'own pool' : `via <code>${esc(e.lender)}</code>`}</td><td class="n">${item.height}</td></tr>`);
    else if (e?.kind === 'unmatched') rows.push(`<tr class="u"><td>${esc(utc(e.usageInterval))}</td><td>unmatched (${esc(e.reason)})</td><td class="n">${kWh(e.wh)}</td><td colspan="4"></td><td class="n">${item.height}</td></tr>`);
  }
  const more = app.evidence.events.length > MAX_ROWS ? `<p>${app.evidence.events.length - MAX_ROWS} more entries are in the JSON evidence.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Certificate application ${esc(c.consumer)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%;margin:1em 0}td,th{border:1px solid #bbb;padding:.25em .5em;text-align:left}.n{text-align:right}.u{color:#777}h1{font-size:1.4em}code{font-size:12px}.share{font-size:2em;font-weight:bold}@media print{body{margin:0}}</style></head>
<body>
<h1>Application for certification of renewable energy use</h1>
<table><tr><th>Consumer</th><td><code>${esc(c.consumer)}</code></td></tr>
<tr><th>Intermediary (signatory)</th><td><code>${esc(c.intermediary)}</code></td></tr>
<tr><th>Period (UTC)</th><td>${esc(utc(c.periodStart))} – ${esc(utc(c.periodEnd))}</td></tr>
<tr><th>Ledger</th><td>chain <code>${esc(c.chainId)}</code>, block ${c.headHeight} <code>${esc(c.headHash)}</code></td></tr></table>
<p>Energy used (consumer's signed meter readings): <b>${kWh(c.usageWh)} kWh</b>; matched to generation: ${kWh(c.matchedWh)} kWh; unmatched: ${kWh(unmatched)} kWh.</p>
<p>Renewable share: <span class="share">${c.renewablePercent.toFixed(2)} %</span> (${kWh(c.renewableWh)} kWh)</p>
<table><tr><th>Production method</th><th>Category</th><th class="n">kWh</th><th class="n">Share of use</th></tr>${methodRows}</table>
<h2>Allocated energy and its origin</h2>
<table><tr><th>Usage interval</th><th>Method</th><th class="n">kWh</th><th>Producer meter</th><th>Produced</th><th>Source reading</th><th>Route</th><th class="n">Block</th></tr>${rows.join('')}</table>
${more}
<p>Every row is proven by a Merkle inclusion proof against the ledger's block headers, and every Wh traces to a producer reading signed by its meter (or, for a legacy meter, by the gateway that attests it, as named). Check the JSON form offline with <code>ledger-node verify-certificate FILE --headers HEADERS</code>.</p>
</body></html>
`;
}
