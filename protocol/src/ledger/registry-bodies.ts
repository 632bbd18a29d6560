/**
 * Bodies of register-party (signed by a consortium admin) and register-meter (signed by the
 * meter's intermediary or one of its gateways). DESIGN §7.
 */
import { ED25519_PUBLIC_KEY_BYTES } from '../signer.js';
import type { TxBody } from '../tx.js';
import { meterIdFromPublicKey, isMeterId } from '../reading.js';
import { NO_PRODUCTION_METHOD, productionMethodByCode } from '../production-method.js';
import { BodyReader, checkBuiltBody } from './body-reader.js';
import { METER_ROLES, MeterRole, PARTY_ROLES, PartyRole, partyIdFromPublicKey, type PartyId } from './party.js';

export const MAX_NAME_LENGTH = 128;
export const MAX_REGION_LENGTH = 64;

export interface RegisterPartyBody {
  readonly id: PartyId;
  readonly role: PartyRole;
  readonly publicKey: Uint8Array;
  readonly region: string;
  readonly name: string;
  /** The intermediary a gateway belongs to (required for gateways, optional for providers and consumers). */
  readonly intermediary?: PartyId;
}

export function parseRegisterParty(body: TxBody): RegisterPartyBody {
  const r: BodyReader = new BodyReader(body, 'register-party', ['id', 'role', 'publicKey', 'region', 'name', 'intermediary']);
  const publicKey = r.bytes('publicKey', ED25519_PUBLIC_KEY_BYTES);
  const id = r.partyId('id');
  if (id !== partyIdFromPublicKey(publicKey)) r.fail('id', `must be derived from publicKey (${partyIdFromPublicKey(publicKey)})`);
  const role = r.oneOf<PartyRole>('role', PARTY_ROLES);
  const intermediary = r.has('intermediary') ? r.partyId('intermediary') : undefined;
  if (role === PartyRole.GATEWAY && intermediary === undefined) r.fail('intermediary', 'a gateway must name the intermediary it belongs to');
  if ((role === PartyRole.ADMIN || role === PartyRole.INTERMEDIARY) && intermediary !== undefined) r.fail('intermediary', `not allowed for role ${role}`);
  const result: RegisterPartyBody = { id, role, publicKey, region: r.text('region', MAX_REGION_LENGTH), name: r.text('name', MAX_NAME_LENGTH) };
  return intermediary === undefined ? result : { ...result, intermediary };
}

export function registerPartyBody(party: Omit<RegisterPartyBody, 'id'> & { id?: PartyId }): TxBody {
  const body: TxBody = {
    id: party.id ?? partyIdFromPublicKey(party.publicKey),
    role: party.role,
    publicKey: party.publicKey,
    region: party.region,
    name: party.name,
  };
  if (party.intermediary !== undefined) body['intermediary'] = party.intermediary;
  return checkBuiltBody(body, parseRegisterParty);
}

export interface RegisterMeterBody {
  /** 16 hex digits: derived from publicKey, or for a gateway-attested meter chosen by its intermediary. */
  readonly meterId: string;
  /** The meter's own Ed25519 key; absent for a gateway-attested meter. */
  readonly publicKey?: Uint8Array | undefined;
  /**
   * A legacy meter that cannot sign (DLMS bridge): the gateway party, of the same intermediary,
   * that reads it and signs its readings (flagged GATEWAY_ATTESTED). Exactly one of publicKey
   * and attestedBy is given.
   */
  readonly attestedBy?: PartyId | undefined;
  readonly role: MeterRole;
  /** The provider (producer meter) or consumer (consumer meter) that owns the meter. */
  readonly owner: PartyId;
  readonly intermediary: PartyId;
  /** Production method code (1..11) for producers, 0 for consumers. */
  readonly productionMethod: number;
  /** Rated power, W: the plausibility bound of a reading (energy <= ratedPowerW x interval). */
  readonly ratedPowerW: number;
}

export function parseRegisterMeter(body: TxBody): RegisterMeterBody {
  const r: BodyReader = new BodyReader(body, 'register-meter', ['meterId', 'publicKey', 'attestedBy', 'role', 'owner', 'intermediary', 'productionMethod', 'ratedPowerW']);
  const attestedBy = r.has('attestedBy') ? r.partyId('attestedBy') : undefined;
  if (attestedBy !== undefined && r.has('publicKey')) r.fail('publicKey', 'a gateway-attested meter has no key of its own (its readings verify under the attesting gateway\'s key)');
  const publicKey = attestedBy === undefined ? r.bytes('publicKey', ED25519_PUBLIC_KEY_BYTES) : undefined;
  const meterId = r.text('meterId', 16);
  if (!isMeterId(meterId)) r.fail('meterId', '16 lower-case hex digits expected');
  if (publicKey !== undefined && meterId !== meterIdFromPublicKey(publicKey)) r.fail('meterId', `must be derived from publicKey (${meterIdFromPublicKey(publicKey)})`);
  const role = r.oneOf<MeterRole>('role', METER_ROLES);
  const productionMethod = r.uint('productionMethod', 0xff);
  if (role === MeterRole.PRODUCER && productionMethodByCode(productionMethod) === undefined) r.fail('productionMethod', 'a producer meter needs a production method code 1..11');
  if (role === MeterRole.CONSUMER && productionMethod !== NO_PRODUCTION_METHOD) r.fail('productionMethod', 'a consumer meter has production method 0');
  const common = {
    meterId,
    role,
    owner: r.partyId('owner'),
    intermediary: r.partyId('intermediary'),
    productionMethod,
    ratedPowerW: r.uint('ratedPowerW'),
  };
  return attestedBy === undefined ? { ...common, publicKey } : { ...common, attestedBy };
}

/** A meter with its own key (meterId defaults to the one derived from it), or a gateway-attested one (attestedBy and meterId, no key). */
export function registerMeterBody(meter: Omit<RegisterMeterBody, 'meterId'> & { meterId?: string }): TxBody {
  if (meter.publicKey === undefined && meter.meterId === undefined) throw new TypeError('register-meter: a gateway-attested meter needs an explicit meterId');
  // Field order as before attestedBy existed, so a meter with a key gives the same bytes (and tx id).
  const body: TxBody = { meterId: meter.meterId ?? meterIdFromPublicKey(meter.publicKey!) };
  if (meter.publicKey !== undefined) body['publicKey'] = meter.publicKey;
  if (meter.attestedBy !== undefined) body['attestedBy'] = meter.attestedBy;
  Object.assign(body, { role: meter.role, owner: meter.owner, intermediary: meter.intermediary, productionMethod: meter.productionMethod, ratedPowerW: meter.ratedPowerW });
  return checkBuiltBody(body, parseRegisterMeter);
}
