/**
 * The certificate application of one consumer for the demo's period (DESIGN §7): fetched from
 * the ledger node (signed with the intermediary's key), written to disk as JSON and HTML with
 * the exported block headers, then checked offline: read back from the files and verified
 * against the headers only (`verifyCertificate`, the same check as `ledger-node verify-certificate`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { verifyCertificate, type CertificateApplication, type CertificateCheck } from '@wattledger/ledger-node';
import { getText } from './ledger-api.js';

export interface WrittenCertificate {
  readonly jsonFile: string;
  readonly htmlFile: string;
  readonly headersFile: string;
  readonly check: CertificateCheck;
  readonly application: CertificateApplication;
}

export async function writeCertificate(ledgerUrl: string, outDir: string, consumer: { id: string; name: string }, periodStartS: number, periodEndS: number): Promise<WrittenCertificate> {
  const query = `/v1/certificates/${consumer.id}?from=${periodStartS}&to=${periodEndS}`;
  const jsonFile = join(outDir, `certificate-${consumer.name}.json`);
  const htmlFile = join(outDir, `certificate-${consumer.name}.html`);
  const headersFile = join(outDir, 'headers.json');
  const json = await getText(ledgerUrl, query);
  writeFileSync(jsonFile, `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
  writeFileSync(htmlFile, await getText(ledgerUrl, `${query}&format=html`));
  // Headers after the certificate: they must cover the head the claim was signed at.
  writeFileSync(headersFile, `${JSON.stringify(JSON.parse(await getText(ledgerUrl, '/v1/headers')), null, 2)}\n`);
  const application = JSON.parse(readFileSync(jsonFile, 'utf8')) as CertificateApplication;
  const check = verifyCertificate(application, JSON.parse(readFileSync(headersFile, 'utf8')), nodeEd25519);
  return { jsonFile, htmlFile, headersFile, check, application };
}
