/**
 * Bodies of set-contract (the patent's "transaction content": a consumer's contract with its
 * intermediary) and set-transfer-policy (which intermediaries may take which production
 * methods from the signer, how much per interval, in which priority). DESIGN §7.
 */
import type { TxBody, TxValue } from '../tx.js';
import { productionMethodByCode } from '../production-method.js';
import { BodyReader, checkBuiltBody } from './body-reader.js';
import type { PartyId } from './party.js';

export const MAX_CONTRACT_PROVIDERS = 64;
export const MAX_POLICY_RULES = 256;

export interface SetContractBody {
  readonly consumer: PartyId;
  readonly intermediary: PartyId;
  /** Usage period [periodStart, periodEnd), Unix s. */
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly plannedWhPerHour: number;
  /** Renewable share the allocation steers towards, percent 0..100. */
  readonly targetPercent: number;
  /** Providers whose production methods the consumer accepts (empty: every method). */
  readonly providers: readonly PartyId[];
  /** Granular (EnergyTag-style) matching: only generation of the same interval. */
  readonly granular: boolean;
}

export function parseSetContract(body: TxBody): SetContractBody {
  const r: BodyReader = new BodyReader(body, 'set-contract', ['consumer', 'intermediary', 'periodStart', 'periodEnd', 'plannedWhPerHour', 'targetPercent', 'providers', 'granular']);
  const periodStart = r.uint('periodStart');
  const periodEnd = r.uint('periodEnd');
  if (periodEnd <= periodStart) r.fail('periodEnd', 'must be after periodStart');
  const providers = r.array('providers', MAX_CONTRACT_PROVIDERS).map((p, i) => {
    if (typeof p !== 'string' || !/^[0-9a-f]{16}$/.test(p)) r.fail(`providers[${i}]`, 'party id expected');
    return p;
  });
  if (new Set(providers).size !== providers.length) r.fail('providers', 'duplicate provider');
  return {
    consumer: r.partyId('consumer'),
    intermediary: r.partyId('intermediary'),
    periodStart,
    periodEnd,
    plannedWhPerHour: r.uint('plannedWhPerHour'),
    targetPercent: r.uint('targetPercent', 100),
    providers,
    granular: r.bool('granular'),
  };
}

export function setContractBody(contract: SetContractBody): TxBody {
  return checkBuiltBody({ ...contract, providers: [...contract.providers] }, parseSetContract);
}

export interface TransferRule {
  /** The intermediary allowed to take assets from the policy's owner. */
  readonly to: PartyId;
  /** Production method codes it may take. */
  readonly methods: readonly number[];
  /** Upper bound per closed interval of the taker, Wh; absent: no bound. */
  readonly maxWhPerInterval?: number;
  /** Lower comes first when several intermediaries could lend (then party id). */
  readonly priority: number;
}

export interface SetTransferPolicyBody {
  readonly intermediary: PartyId;
  readonly rules: readonly TransferRule[];
}

export function parseSetTransferPolicy(body: TxBody): SetTransferPolicyBody {
  const r: BodyReader = new BodyReader(body, 'set-transfer-policy', ['intermediary', 'rules']);
  const rules = r.array('rules', MAX_POLICY_RULES).map((raw, i): TransferRule => {
    const rule: BodyReader = r.map(raw, `rules[${i}]`, ['to', 'methods', 'maxWhPerInterval', 'priority']);
    const methods = rule.array('methods', 16).map((m, j) => {
      if (typeof m !== 'number' || productionMethodByCode(m) === undefined) rule.fail(`methods[${j}]`, 'production method code 1..11 expected');
      return m;
    });
    if (methods.length === 0) rule.fail('methods', 'at least one production method');
    if (new Set(methods).size !== methods.length) rule.fail('methods', 'duplicate method');
    const result = { to: rule.partyId('to'), methods, priority: rule.uint('priority') };
    return rule.has('maxWhPerInterval') ? { ...result, maxWhPerInterval: rule.uint('maxWhPerInterval') } : result;
  });
  if (new Set(rules.map((rule) => rule.to)).size !== rules.length) r.fail('rules', 'one rule per receiving intermediary');
  return { intermediary: r.partyId('intermediary'), rules };
}

export function setTransferPolicyBody(policy: SetTransferPolicyBody): TxBody {
  const rules = policy.rules.map((rule): TxValue => {
    const out: { [key: string]: TxValue } = { to: rule.to, methods: [...rule.methods], priority: rule.priority };
    if (rule.maxWhPerInterval !== undefined) out['maxWhPerInterval'] = rule.maxWhPerInterval;
    return out;
  });
  return checkBuiltBody({ intermediary: policy.intermediary, rules }, parseSetTransferPolicy);
}
