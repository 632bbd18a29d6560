/** set-contract and set-transfer-policy, both signed by the intermediary (or its gateway). */
import { PartyRole, type SetContractBody, type SetTransferPolicyBody } from '@wattledger/protocol';
import type { HandlerInput } from '../context.js';
import { reject, RejectCode } from '../rejection.js';
import type { LedgerState } from '../state.js';

function requireRole(state: LedgerState, id: string, roles: readonly string[], what: string): void {
  const party = state.parties.get(id);
  if (party === undefined) reject(RejectCode.UNKNOWN_PARTY, `${what} ${id} is not registered`);
  if (!roles.includes(party.role)) reject(RejectCode.WRONG_ROLE, `${what} ${id} is a ${party.role}, expected ${roles.join(' or ')}`);
}

export function setContract(state: LedgerState, body: SetContractBody, input: HandlerInput): void {
  requireRole(state, body.intermediary, [PartyRole.INTERMEDIARY], 'intermediary');
  if (state.actsFor(input.signer) !== body.intermediary) reject(RejectCode.UNAUTHORIZED, `only intermediary ${body.intermediary} or its gateways may set its contracts`);
  requireRole(state, body.consumer, [PartyRole.CONSUMER], 'consumer');
  for (const provider of body.providers) requireRole(state, provider, [PartyRole.PROVIDER, PartyRole.INTERMEDIARY], 'provider');
  state.putContract({ ...body, providers: [...body.providers], txId: input.tx.id });
}

export function setTransferPolicy(state: LedgerState, body: SetTransferPolicyBody, input: HandlerInput): void {
  requireRole(state, body.intermediary, [PartyRole.INTERMEDIARY], 'intermediary');
  if (state.actsFor(input.signer) !== body.intermediary) reject(RejectCode.UNAUTHORIZED, `only intermediary ${body.intermediary} or its gateways may set its transfer policy`);
  for (const rule of body.rules) {
    requireRole(state, rule.to, [PartyRole.INTERMEDIARY], 'receiving intermediary');
    if (rule.to === body.intermediary) reject(RejectCode.BAD_TX, 'a transfer policy rule cannot name its own intermediary');
  }
  state.putPolicy({ intermediary: body.intermediary, rules: body.rules.map((r) => ({ ...r, methods: [...r.methods] })) });
}
