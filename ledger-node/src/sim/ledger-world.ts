/**
 * A deterministic cast for tests, benchmarks and the demo: named parties and meters whose
 * keys derive from their names, a genesis, and signed transactions. Meters keep their own
 * sequence numbers and hash chains, like real firmware.
 */
import {
  buildLedgerTx, closeIntervalBody, issueAssetBody, meterIdFromPublicKey, MeterRole, partyIdFromPublicKey, PartyRole, readingHash, READING_VERSION,
  recordUsageBody, registerMeterBody, registerPartyBody, requestCertificateBody, setContractBody, setTransferPolicyBody, sha256, signReadings, transferBody,
  TxType, utf8, ZERO_HASH, type Ed25519Provider, type IntervalReading, type Signer, type TransferRule, type TxBody,
} from '@wattledger/protocol';
import { DEFAULT_ASSET_LIFETIME_S, DEFAULT_INTERVAL_S, parseGenesis, type Genesis } from '../core/genesis.js';

export interface Actor {
  readonly name: string;
  readonly id: string;
  readonly signer: Signer;
  readonly role: PartyRole;
  readonly region: string;
  readonly intermediary: string | undefined;
}

export interface SimMeter {
  readonly name: string;
  readonly id: string;
  readonly signer: Signer;
  readonly role: MeterRole;
  readonly owner: Actor;
  readonly intermediary: Actor;
  readonly productionMethod: number;
  readonly ratedPowerW: number;
  seq: number;
  prevHash: Uint8Array;
}

export interface LedgerWorldOptions {
  readonly provider: Ed25519Provider;
  readonly chainId?: string;
  readonly intervalS?: number;
  readonly assetLifetimeS?: number;
  /** Distinguishes the keys of two worlds. */
  readonly seed?: string;
}

export class LedgerWorld {
  readonly intervalS: number;
  readonly assetLifetimeS: number;
  readonly chainId: string;
  readonly admin: Actor;
  private readonly seed: string;
  private nonce = 0;

  constructor(private readonly options: LedgerWorldOptions) {
    this.seed = options.seed ?? 'wattledger-sim';
    this.intervalS = options.intervalS ?? DEFAULT_INTERVAL_S;
    this.assetLifetimeS = options.assetLifetimeS ?? DEFAULT_ASSET_LIFETIME_S;
    this.chainId = options.chainId ?? 'sim';
    this.admin = this.actor('admin', PartyRole.ADMIN);
  }

  signerFor(name: string): Signer {
    return this.options.provider.signer(sha256(utf8(`${this.seed}/${name}`)));
  }

  actor(name: string, role: PartyRole, intermediary?: Actor, region = 'JP'): Actor {
    const signer = this.signerFor(name);
    return Object.freeze({ name, id: partyIdFromPublicKey(signer.publicKey), signer, role, region, intermediary: intermediary?.id });
  }

  meter(name: string, role: MeterRole, owner: Actor, intermediary: Actor, productionMethod = 0, ratedPowerW = 0): SimMeter {
    const signer = this.signerFor(`meter/${name}`);
    return { name, id: meterIdFromPublicKey(signer.publicKey), signer, role, owner, intermediary, productionMethod, ratedPowerW, seq: 0, prevHash: ZERO_HASH };
  }

  /** A genesis with the admin and the given actors. */
  genesis(actors: readonly Actor[] = []): Genesis {
    return parseGenesis({
      chainId: this.chainId,
      intervalS: this.intervalS,
      assetLifetimeS: this.assetLifetimeS,
      parties: [this.admin, ...actors].map((a) => ({ role: a.role, publicKey: a.signer.publicKey, name: a.name, region: a.region, intermediary: a.intermediary })),
    });
  }

  tx(type: TxType, body: TxBody, by: Actor, nonce?: number): Uint8Array {
    return buildLedgerTx(type, body, { signer: by.signer, signerId: by.id, nonce: nonce ?? this.nonce++ });
  }

  registerParty(actor: Actor, by: Actor = this.admin): Uint8Array {
    const body = registerPartyBody({ role: actor.role, publicKey: actor.signer.publicKey, region: actor.region, name: actor.name, ...(actor.intermediary ? { intermediary: actor.intermediary } : {}) });
    return this.tx(TxType.REGISTER_PARTY, body, by);
  }

  registerMeter(meter: SimMeter, by: Actor = meter.intermediary): Uint8Array {
    return this.tx(TxType.REGISTER_METER, registerMeterBody({
      publicKey: meter.signer.publicKey, role: meter.role, owner: meter.owner.id, intermediary: meter.intermediary.id,
      productionMethod: meter.productionMethod, ratedPowerW: meter.ratedPowerW,
    }), by);
  }

  /** The next reading of a meter (advances its sequence and chain). */
  reading(meter: SimMeter, intervalStart: number, wh: number, flags = 0): IntervalReading {
    const reading: IntervalReading = {
      version: READING_VERSION, meterId: meter.id, seq: ++meter.seq, intervalStart, intervalLength: this.intervalS,
      importedWh: meter.role === MeterRole.CONSUMER ? wh : 0, exportedWh: meter.role === MeterRole.PRODUCER ? wh : 0,
      flags, productionMethod: meter.productionMethod, prevHash: meter.prevHash,
    };
    meter.prevHash = readingHash(reading);
    return reading;
  }

  /** Signed reading bytes (COSE_Sign1) as the meter publishes them: one reading, or a batch. */
  signed(meter: SimMeter, readings: IntervalReading | IntervalReading[]): Uint8Array {
    return signReadings(readings, meter.signer);
  }

  issue(meter: SimMeter, intervalStart: number, wh: number, by: Actor = meter.intermediary): Uint8Array {
    return this.tx(TxType.ISSUE_ASSET, issueAssetBody(this.signed(meter, this.reading(meter, intervalStart, wh))), by);
  }

  usage(meter: SimMeter, intervalStart: number, wh: number, by: Actor = meter.intermediary): Uint8Array {
    return this.tx(TxType.RECORD_USAGE, recordUsageBody(this.signed(meter, this.reading(meter, intervalStart, wh))), by);
  }

  contract(consumer: Actor, intermediary: Actor, options: { targetPercent: number; providers: readonly Actor[]; periodStart?: number; periodEnd?: number; granular?: boolean; plannedWhPerHour?: number }): Uint8Array {
    return this.tx(TxType.SET_CONTRACT, setContractBody({
      consumer: consumer.id, intermediary: intermediary.id, periodStart: options.periodStart ?? 0, periodEnd: options.periodEnd ?? 0xffffffff,
      plannedWhPerHour: options.plannedWhPerHour ?? 1000, targetPercent: options.targetPercent, providers: options.providers.map((p) => p.id), granular: options.granular ?? false,
    }), intermediary);
  }

  policy(intermediary: Actor, rules: readonly TransferRule[]): Uint8Array {
    return this.tx(TxType.SET_TRANSFER_POLICY, setTransferPolicyBody({ intermediary: intermediary.id, rules }), intermediary);
  }

  close(intermediary: Actor, intervalStart: number, by: Actor = intermediary): Uint8Array {
    return this.tx(TxType.CLOSE_INTERVAL, closeIntervalBody({ intermediary: intermediary.id, intervalStart }), by);
  }

  transfer(assetId: string, from: Actor, to: Actor, wh: number): Uint8Array {
    return this.tx(TxType.TRANSFER, transferBody({ assetId, to: to.id, wh }), from);
  }

  requestCertificate(consumer: Actor, periodStart: number, periodEnd: number, by: Actor = consumer): Uint8Array {
    return this.tx(TxType.REQUEST_CERTIFICATE, requestCertificateBody({ consumer: consumer.id, periodStart, periodEnd }), by);
  }
}
